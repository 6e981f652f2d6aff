"""The consent as Yapily shows it (spec §2.1, §5.1) and the success envelope (§1)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.providers.yapily.errors import CONTENT_TYPE, body, tracing_id

REVOKED = "REVOKED"
CONSENT_FIELDS = (
    "id",
    "userUuid",
    "applicationUserId",
    "institutionId",
    "status",
    "createdAt",
    "expiresAt",
    "featureScope",
    "consentToken",
    "state",
    "authorizedAt",
    "lastConfirmedAt",
    "reconfirmBy",
    "institutionConsentId",
)


def consent_status(session: Session) -> str:
    """The consent's `AuthorisationStatus` (spec §5.3)."""
    recorded = session.data.get("consent_status")
    if recorded:
        return str(recorded)
    if session.status is SessionStatus.EXPIRED:
        return "EXPIRED"  # nobody completed it within the window [INF]
    return "AWAITING_AUTHORIZATION"


def revoked(session: Session) -> bool:
    """Deleted with `DELETE /consents/{id}`: `REVOKED` for good (§5.3)."""
    return consent_status(session) == REVOKED


def is_consent(session: Session, consent_id: str | None = None) -> bool:
    """A consent: a direct one, or a hosted consent request once it has its `consentId`
    (Hosted Pages: the consent lives on the request's session under that id). A
    re-authorisation journey is not one: it belongs to the consent it re-authorises."""
    if session.data.get("reauthorises"):
        return False
    if not session.data.get("hosted"):
        return True
    found = session.data.get("consentId")
    return found is not None and (consent_id is None or consent_id == found)


def consent(session: Session) -> dict[str, Any]:
    """The `Consent` object; `consentToken`, `authorizedAt` and `expiresAt` only after success
    (§9.2 #5), `lastConfirmedAt` and `reconfirmBy` only after an extend call or a
    re-authorisation."""
    data = session.data
    values = {**data, "id": data.get("consentId") or session.id, "status": consent_status(session)}
    return {k: values[k] for k in CONSENT_FIELDS if values.get(k) is not None}


def envelope(data: Any) -> dict[str, Any]:
    """`{"meta": {"tracingId"}, "data"}` (§1 [DOC S1])."""
    return {"meta": {"tracingId": tracing_id()}, "data": data}


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(body(payload), status_code=status, media_type=CONTENT_TYPE)


def auth_response(session: Session) -> Response:
    """201 for a create call: the consent plus `authorisationUrl` and `qrCodeUrl` (§2.1)."""
    data = consent(session) | {
        "authorisationUrl": session.data["authorisationUrl"],
        "qrCodeUrl": session.data["qrCodeUrl"],
    }
    return json_response(envelope(data), 201)
