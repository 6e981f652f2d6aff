"""`PATCH /account-auth-requests`: re-authorise an account consent (spec §2.4 [DOC S1][DOC S14]).

201 `ApiResponseOfAccountAuthorisationResponse`: the same consent (same id; its token is kept
and stays out of this answer, as in the documented example), status
`AWAITING_RE_AUTHORIZATION`, and a new `authorisationUrl` on the sandbox bank with a new
`state`. The journey is a linked session (`reauth_state`); the consent applies its result when
it is next read.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.core.sessions import Session
from mockprovider.errors import Conflict
from mockprovider.providers.yapily import errors, views
from mockprovider.providers.yapily.auth_requests import NAME, authorisation_url
from mockprovider.providers.yapily.consents import consent_of_request
from mockprovider.providers.yapily.reauth_state import AWAITING, pending
from mockprovider.providers.yapily.settings import find_institution, window
from mockprovider.web.context import context

#: [DOC S14]: re-authorisable are consents in use (`AUTHORIZED`) and `EXPIRED` ones; a
#: journey still open may be replaced by a new one.
REAUTHORISABLE = ("AUTHORIZED", "EXPIRED", AWAITING)
#: What the journey takes over from the consent (the first authorisation's request).
INHERITED = (
    "institutionId",
    "applicationUserId",
    "userUuid",
    "callback",
    "oneTimeToken",
    "forwardParameters",
    "featureScope",
    "institutionConsentId",
    "consentToken",
)


async def _no_body(request: Request) -> None:
    """The operation takes no body [DOC]: none, or a JSON object (ignored); else the 400."""
    raw = await request.body()
    if not raw.strip():
        return
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.bad_request("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object")


def check_reauthorisable(session: Session) -> None:
    """Account consents of the redirect flow only, in a status [DOC S14] allows (legacy 400,
    as `extend` answers a consent in the wrong status [GAP])."""
    data = session.data
    if data.get("type") != "AIS" or data.get("hosted"):
        raise errors.bad_request(
            f"Consent {session.id} cannot be re-authorised: only account consents created with "
            "POST /account-auth-requests can; create a new consent instead"
        )
    status = views.consent_status(session)
    if status not in REAUTHORISABLE or not data.get("consentToken"):
        raise errors.bad_request(
            f"Consent {session.id} is {status} and cannot be re-authorised: "
            "only AUTHORIZED or EXPIRED consents can"
        )


def _journey(session: Session, base: str, now: float, settings: dict[str, Any]) -> Session:
    data = session.data
    institution = find_institution(settings, str(data["institutionId"])) or {}
    state = uuid.uuid4().hex
    url = authorisation_url(
        base, str(data["institutionId"]), state, "AIS", str(data["institutionConsentId"])
    )
    fields = {k: data[k] for k in INHERITED if k in data}
    return Session(
        id=str(uuid.uuid4()),
        provider=NAME,
        created_at=now,
        expires_at=now + window(settings, institution),
        hosted_url=url,
        callback_url=data.get("callback"),
        form_nonce=secrets.token_urlsafe(12),
        data=fields
        | {
            "type": "AIS",
            "reauthorises": session.id,
            "createdAt": iso_millis(now),
            "state": state,
            "authorisationUrl": url,
            "qrCodeUrl": f"{base}/{NAME}/images/{uuid.uuid4()}/{int(now)}?size=0",
            "base_url": base,
        },
    )


async def reauthorise(request: Request) -> Response:
    """Basic auth, the `consent` header (401 / 404 as the data API), the body, then the
    consent's type and status (400); the journey is created before the consent points to it."""
    ctx = context(request)
    sandbox = ctx.sandbox
    consent, settings = await consent_of_request(request)
    await _no_body(request)
    check_reauthorisable(consent)
    now = await sandbox.now()
    journey = _journey(consent, ctx.base_url(request), now, settings)
    before = pending(consent) or {
        "status": views.consent_status(consent),
        "state": consent.data.get("state"),
    }
    await sandbox.create_session(journey)
    await sandbox.records(NAME).put("state", journey.data["state"], {"consent_id": journey.id})
    waiting = {"session": journey.id, "status": before["status"], "state": before["state"]}
    update = {"consent_status": AWAITING, "reauth": waiting, "state": journey.data["state"]}
    try:
        consent = await sandbox.progress(consent, "re-authorisation requested", data=update)
    except Conflict:
        raise errors.legacy(409, f"Consent {consent.id} changed while it was updated") from None
    shown = {k: v for k, v in views.consent(consent).items() if k != "consentToken"}
    body = shown | {
        "authorisationUrl": journey.data["authorisationUrl"],
        "qrCodeUrl": journey.data["qrCodeUrl"],
    }
    return views.json_response(views.envelope(body), 201)


def routes() -> list[BaseRoute]:
    return [
        Route("/account-auth-requests", reauthorise, methods=["PATCH"], name="account_reauth"),
    ]
