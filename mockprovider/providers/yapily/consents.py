"""`GET /consents/{consentId}` (§5.1), `POST /consent-one-time-token` (§4.3) and
`POST /payments` (§2.2, §7: the payment webhook)."""

from __future__ import annotations

import hmac
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.core.sessions import Session
from mockprovider.errors import Conflict, NotFound, ProviderError
from mockprovider.providers.yapily import errors, views, webhooks
from mockprovider.providers.yapily.auth_requests import NAME, check_auth, json_body
from mockprovider.providers.yapily.tokens import consent_id_of, read_jwt
from mockprovider.web.context import context

#: A session whose scenario has this name fails at `POST /payments` (payment.state.failed).
PAYMENT_FAILED = "payment-failed"


async def consent_or_404(request: Request, consent_id: str) -> Session:
    """The Yapily consent `consent_id`; the legacy 404 for an unknown one. A hosted consent
    request's consent is found by its `consentId` (records kind `consent` → the request's
    session), once authorised."""
    sandbox = context(request).sandbox
    alias = await sandbox.records(NAME).get("consent", consent_id)  # a hosted consent's id
    try:
        session = await sandbox.get_session(str(alias["session_id"]) if alias else consent_id)
    except NotFound:
        session = None
    if session is None or session.provider != NAME or not views.is_consent(session, consent_id):
        raise errors.legacy(404, f"Consent {consent_id} not found")
    return session


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


async def execute_payment(request: Request) -> Response:
    """`POST /payments` with header `consent`: the sandbox completes it at once (§9.1 note
    [DOC S17]), the consent becomes CONSUMED [INF], and `payment.state.success` (or `.failed`
    for the payment-failed scenario) is queued (§7)."""
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    check_auth(request, settings)
    claims = read_jwt(request.headers.get("consent", ""), str(settings["consent_token_key"]))
    if claims is None:
        raise errors.legacy(401, "The consent token is missing or invalid")
    session = await consent_or_404(request, str(claims.get("CONSENT")))
    body = await json_body(request)
    if session.data.get("type") != "PIS" or views.consent_status(session) != "AUTHORIZED":
        raise errors.legacy(403, f"Consent is {views.consent_status(session)}, not AUTHORIZED")
    now = await sandbox.now()
    if not await sandbox.claim_once(f"{NAME}:payment", session.id, now + 86400 * 365):
        raise errors.legacy(403, "Consent has already been used")  # single-use PIS [DOC S13]
    payment = _payment(session, body, now)
    failed = session.scenario == PAYMENT_FAILED
    payment["status"] = "FAILED" if failed else "COMPLETED"
    event = {"paymentId": payment["id"], "status": payment["status"]}
    messages = []
    if settings["webhook_url"]:
        kind = webhooks.FAILED if failed else webhooks.SUCCESS
        messages.append(webhooks.payment_event(kind, event, settings))
    data = {"consent_status": "CONSUMED", "payment": payment}
    try:
        await sandbox.progress(session, "payment executed", data=data, messages=messages)
    except Conflict:
        raise errors.legacy(409, "The consent changed while the payment was executed") from None
    return views.json_response(views.envelope(payment), 201)


def _payment(session: Session, body: dict[str, Any], now: float) -> dict[str, Any]:
    request = session.data.get("paymentRequest") or {}
    amount = request.get("amount") or {}
    payment = {
        "id": "pv3-" + uuid.uuid4().hex[:20],
        "institutionConsentId": session.data.get("institutionConsentId"),
        "paymentIdempotencyId": body.get("paymentIdempotencyId")
        or request.get("paymentIdempotencyId"),
        "amount": amount.get("amount"),
        "currency": amount.get("currency"),
        "reference": request.get("reference"),
        "createdAt": iso_millis(now),
    }
    return {k: v for k, v in payment.items() if v is not None}


def routes() -> list[BaseRoute]:
    return [
        Route("/consents/{consentId}", get_consent, methods=["GET"], name="consent"),
        Route("/consent-one-time-token", exchange, methods=["POST"], name="one_time_token"),
        Route("/payments", execute_payment, methods=["POST"], name="payments"),
    ]
