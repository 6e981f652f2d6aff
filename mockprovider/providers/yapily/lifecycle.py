"""`DELETE /consents/{consentId}` and `POST /consents/{consentId}/extend` (spec §5.1, §5.3
[DOC S1]): revoking a consent, and recording a UK reconfirmation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session
from mockprovider.errors import Conflict
from mockprovider.providers.yapily import errors, views
from mockprovider.providers.yapily.auth_requests import NAME, check_auth, json_body
from mockprovider.providers.yapily.consents import consent_or_404
from mockprovider.providers.yapily.dates import parse_instant
from mockprovider.web.context import context

#: `reconfirmBy` = `lastConfirmedAt` + 90 days, as in the documented example [DOC S1].
RECONFIRM_AFTER = 90 * 86400.0


def check_force_delete(request: Request) -> None:
    """`forceDelete` is a boolean, default true [DOC S1]; both values delete, since sandbox
    institutions never refuse [INF]."""
    raw = request.query_params.get("forceDelete", "true").strip().lower()
    if raw not in ("true", "false"):
        raise errors.bad_request("forceDelete must be true or false")


async def _record(sandbox: Sandbox, session: Session, event: str, data: dict[str, Any]) -> Session:
    try:
        return await sandbox.progress(session, event, data=data)
    except Conflict:
        raise errors.legacy(409, f"Consent {session.id} changed while it was updated") from None


async def delete_consent(request: Request) -> Response:
    """200 `ApiResponseOfConsentDeleteResponse` (`creationDate` is the consent's `createdAt`, as
    in the documented example). The consent is `REVOKED` from then on (§5.3): `GET` still finds
    it, its bank page no longer answers, a payment with it gets 403; deleting it again answers
    the same [GAP]."""
    sandbox = context(request).sandbox
    check_auth(request, await sandbox.settings(NAME))
    check_force_delete(request)
    session = await consent_or_404(request, request.path_params["consentId"])
    if not views.revoked(session):
        data = {"consent_status": views.REVOKED}
        session = await _record(sandbox, session, "consent deleted", data)
    body = {
        "id": session.id,
        "deleteStatus": "SUCCESS",
        "institutionId": session.data["institutionId"],
        "institutionConsentId": session.data["institutionConsentId"],
        "creationDate": session.data["createdAt"],
    }
    return views.json_response(views.envelope(body))


def _confirmed_at(body: dict[str, Any], now: float) -> float:
    if body.get("lastConfirmedAt") is None:
        raise errors.bad_request("lastConfirmedAt is required")
    confirmed = parse_instant(body["lastConfirmedAt"])
    if confirmed is None:
        raise errors.bad_request(
            "lastConfirmedAt must be a date-time such as 2021-07-08T10:59:53.288Z"
        )
    if confirmed > now:  # the documented 400, word for word
        raise errors.bad_request("lastConfirmedAt cannot be a future date and time")
    return confirmed


async def extend_consent(request: Request) -> Response:
    """200 `ApiResponseOfConsent` with `lastConfirmedAt` and `reconfirmBy`. The legacy 400 (as
    the documented example) for a missing, malformed or future `lastConfirmedAt`, then for a
    payment consent or one that is not `AUTHORIZED` [DOC: "date, Consent type, or Consent
    status is invalid"; messages GAP]."""
    sandbox = context(request).sandbox
    check_auth(request, await sandbox.settings(NAME))
    session = await consent_or_404(request, request.path_params["consentId"])
    confirmed = _confirmed_at(await json_body(request), await sandbox.now())
    if session.data.get("type") != "AIS":
        raise errors.bad_request("Only account authorisation consents can be extended")
    status = views.consent_status(session)
    if status != "AUTHORIZED":
        raise errors.bad_request(f"Consent is {status}, not AUTHORIZED")
    data = {
        "lastConfirmedAt": iso_millis(confirmed),
        "reconfirmBy": iso_millis(confirmed + RECONFIRM_AFTER),
    }
    session = await _record(sandbox, session, "consent extended", data)
    return views.json_response(views.envelope(views.consent(session)))


def routes() -> list[BaseRoute]:
    return [
        Route("/consents/{consentId}", delete_consent, methods=["DELETE"], name="consent_delete"),
        Route(
            "/consents/{consentId}/extend", extend_consent, methods=["POST"], name="consent_extend"
        ),
    ]
