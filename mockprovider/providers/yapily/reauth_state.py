"""A consent's re-authorisation as the consent carries it (spec §2.4 [DOC S1][DOC S14]).

`PATCH /account-auth-requests` starts a *linked* session: a fresh bank journey whose data names
the consent it re-authorises (`reauthorises`). Finishing that journey cannot write the consent
(effects write only their own session), so the consent records the journey under `reauth`
and `settle` applies its result whenever the consent is read: success → `AUTHORIZED` with the
new authorisation's dates; abort, failure or expiry → the consent as it was before the PATCH.
`settle` also ends an authorisation whose `expiresAt` has passed (`consent_lifetime`).
"""

from __future__ import annotations

from typing import Any

from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session
from mockprovider.errors import Conflict, NotFound
from mockprovider.providers.yapily import views

AWAITING = "AWAITING_RE_AUTHORIZATION"
#: What a successful re-authorisation copies from its journey onto the consent.
CARRIED = (
    "authorizedAt",
    "lastConfirmedAt",
    "reconfirmBy",
    "expiresAt",
    "expiresAtEpoch",
    "state",
    "oneTimeTokenValue",
    "oneTimeTokenExpiresAt",
)


def is_reauthorisation(session: Session) -> bool:
    """A re-authorisation journey (not a consent of its own)."""
    return bool(session.data.get("reauthorises"))


def pending(session: Session) -> dict[str, Any] | None:
    """The open re-authorisation the consent waits for: `{session, status, state}` (the
    journey's id and the consent's status and state before the PATCH), or None."""
    found = session.data.get("reauth")
    if isinstance(found, dict) and views.consent_status(session) == AWAITING:
        return found
    return None


def readable_status(session: Session, settings: dict[str, Any]) -> str:
    """The status the data API judges by: while a re-authorisation is open, the status before
    it when `reauthorisation_keeps_access` is on (the bank's access holds until replaced)."""
    waiting = pending(session)
    if waiting is not None and settings["reauthorisation_keeps_access"]:
        return str(waiting["status"])
    return views.consent_status(session)


async def _journey(sandbox: Sandbox, session_id: str) -> Session | None:
    try:
        journey = await sandbox.get_session(session_id)
    except NotFound:
        return None
    return await sandbox.expire_if_due(journey)


def _result(journey: Session | None, before: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The consent's update once the journey has ended; None while it is still open."""
    status = views.consent_status(journey) if journey is not None else "EXPIRED"
    if journey is not None and status == "AWAITING_AUTHORIZATION":
        return None
    update: dict[str, Any] = {"reauth": None}
    if journey is not None and status == "AUTHORIZED":
        carried = {k: journey.data[k] for k in CARRIED if k in journey.data}
        return "consent re-authorised", update | carried | {"consent_status": "AUTHORIZED"}
    # abort, failure, expiry, closed tab: the consent as it was [INF]
    update |= {"consent_status": before["status"], "state": before["state"]}
    return f"re-authorisation ended {status}", update


async def _write(sandbox: Sandbox, session: Session, event: str, data: dict[str, Any]) -> Session:
    try:
        return await sandbox.progress(session, event, data=data)
    except Conflict:  # another request settled it first: take what it wrote
        return await sandbox.get_session(session.id)


async def settle(sandbox: Sandbox, session: Session, now: float | None = None) -> Session:
    """The consent as it stands at `now` (the sandbox clock by default): a finished
    re-authorisation applied, an authorisation past its `expiresAt` `EXPIRED`."""
    waiting = pending(session)
    if waiting is not None:
        found = _result(await _journey(sandbox, str(waiting["session"])), waiting)
        if found is not None:
            session = await _write(sandbox, session, *found)
    ends = session.data.get("expiresAtEpoch")
    if ends is not None and views.consent_status(session) == "AUTHORIZED":
        now = await sandbox.now() if now is None else now
        if now >= float(ends):
            session = await _write(
                sandbox, session, "consent expired", {"consent_status": "EXPIRED"}
            )
    return session


async def superseded(sandbox: Sandbox, journey: Session) -> str | None:
    """The consent's status when `journey` no longer re-authorises it (the consent was
    revoked, or a later PATCH started another journey: the bank page then shows "already
    answered"); None while it still does."""
    try:
        consent = await sandbox.get_session(str(journey.data["reauthorises"]))
    except NotFound:
        return "UNKNOWN"
    waiting = pending(consent)
    if waiting is None or waiting.get("session") != journey.id:
        return views.consent_status(consent)
    return None
