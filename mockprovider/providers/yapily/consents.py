"""`GET /consents/{consentId}` (§5.1), `POST /consent-one-time-token` (§4.3) and
`POST /consent-auth-code` (§3.3)."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.sessions import Session
from mockprovider.errors import NotFound, ProviderError
from mockprovider.providers.yapily import errors, views
from mockprovider.providers.yapily.auth_requests import NAME, check_auth, json_body
from mockprovider.providers.yapily.reauth_state import settle
from mockprovider.providers.yapily.tokens import consent_id_of, read_jwt
from mockprovider.web.context import context


async def consent_or_404(request: Request, consent_id: str) -> Session:
    """The Yapily consent `consent_id`; the legacy 404 for an unknown one. A hosted consent
    request's consent is found by its `consentId` (records kind `consent` → the request's
    session), once authorised. The consent comes settled: a finished re-authorisation
    applied, a passed `expiresAt` `EXPIRED` (`reauth_state.settle`)."""
    sandbox = context(request).sandbox
    alias = await sandbox.records(NAME).get("consent", consent_id)  # a hosted consent's id
    try:
        session = await sandbox.get_session(str(alias["session_id"]) if alias else consent_id)
    except NotFound:
        session = None
    if session is None or session.provider != NAME or not views.is_consent(session, consent_id):
        raise errors.legacy(404, f"Consent {consent_id} not found")
    return await settle(sandbox, session)


async def consent_of_request(request: Request) -> tuple[Session, dict[str, Any]]:
    """The consent named by the `consent` header's token, with Yapily's settings: Basic auth
    first (401), then the token (401 when missing or forged), then the consent (404)."""
    settings = await context(request).sandbox.settings(NAME)
    check_auth(request, settings)
    claims = read_jwt(request.headers.get("consent", ""), str(settings["consent_token_key"]))
    if claims is None:
        raise errors.legacy(401, "The consent token is missing or invalid")
    return await consent_or_404(request, str(claims.get("CONSENT"))), settings


async def get_consent(request: Request) -> Response:
    sandbox = context(request).sandbox
    check_auth(request, await sandbox.settings(NAME))
    session = await consent_or_404(request, request.path_params["consentId"])
    return views.json_response(views.envelope(views.consent(session)))


async def exchange(request: Request) -> Response:
    """Single use, within `one_time_token_ttl` [GAP → sandbox choice: 10 min]; a second or late
    use gets the legacy 400 (§4.3). Returns a bare `Consent`, 201 [DOC S1]."""
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    check_auth(request, settings)
    token = (await json_body(request)).get("oneTimeToken")
    if not isinstance(token, str) or not token:
        raise errors.bad_request("oneTimeToken is required")
    consent_id = consent_id_of(token)
    session = None
    if consent_id is not None:
        try:
            session = await consent_or_404(request, consent_id)
        except ProviderError:
            session = None
    expected = str(session.data.get("oneTimeTokenValue", "")) if session else ""
    if session is None or not hmac.compare_digest(expected.encode(), token.encode()):
        raise errors.bad_request("The one-time token is invalid")
    now = await sandbox.now()
    expires_at = float(session.data["oneTimeTokenExpiresAt"])
    if now >= expires_at:
        raise errors.bad_request("The one-time token has expired")
    if not await sandbox.claim_once(f"{NAME}:ott", token, expires_at):
        raise errors.bad_request("The one-time token has already been used")
    return views.json_response(views.consent(session), 201)


def _required(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise errors.bad_request(f"{key} is required")
    return value


async def auth_code(request: Request) -> Response:
    """§3.3: the `code` and `state` the bank returned → 200, the bare `Consent`. The code is
    the one of the consent's successful authorisation, single use; anything else gets the
    legacy 400 [GAP]."""
    sandbox = context(request).sandbox
    check_auth(request, await sandbox.settings(NAME))
    body = await json_body(request)
    code, state = _required(body, "authCode"), _required(body, "authState")
    found = await sandbox.records(NAME).get("state", state)
    session = await sandbox.get_session(str(found["consent_id"])) if found else None
    expected = str(session.data.get("authCode") or "") if session else ""
    if session is None or not expected or not hmac.compare_digest(expected, code):
        raise errors.bad_request("The authorisation code or state is invalid")
    if not await sandbox.claim_once(f"{NAME}:auth-code", code, session.expires_at + 86400):
        raise errors.bad_request("The authorisation code has already been used")
    if session.data.get("reauthorises"):  # a re-authorisation's code: its consent
        session = await consent_or_404(request, str(session.data["reauthorises"]))
    return views.json_response(views.consent(session))


def routes() -> list[BaseRoute]:
    return [
        Route("/consents/{consentId}", get_consent, methods=["GET"], name="consent"),
        Route("/consent-one-time-token", exchange, methods=["POST"], name="one_time_token"),
        Route("/consent-auth-code", auth_code, methods=["POST"], name="consent_auth_code"),
    ]
