"""Pay By Link retries (spec §5 [INF]: "a link whose payment failed may be retried until it
expires (new `payments[]` entry)"; §4.2: each retry inside one request appends an entry).

A failed attempt on a link leaves its session open (`opened`) instead of finishing it, so the
link opens Yapily's page again; the next hand-off to the bank appends a `payments[]` entry with
phases of its own. A completed payment finishes the session (the link is used); the clock
passing `authorisationExpiresAt` expires it. `hosted_link_retry: false` restores one attempt
per link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.outcomes import Outcome
from mockprovider.core.sessions import Session
from mockprovider.providers.yapily.hosted.phases import FAILED_PHASES

#: Outcomes after which a link stays ACTIVE (§4.2: INACTIVE only once expired or paid).
FAILED_OUTCOMES = frozenset({Outcome.USER_ABORT, Outcome.CAPTURE_FAILURE, Outcome.BAD_CONFIG})


def retryable(data: Mapping[str, Any], outcome: str, settings: Mapping[str, Any]) -> bool:
    """Whether `outcome` on this request leaves it open for another attempt."""
    return (
        data.get("hosted") == "link"
        and bool(settings["hosted_link_retry"])
        and outcome in FAILED_OUTCOMES
    )


def decided(entry: Mapping[str, Any]) -> bool:
    """Whether a `payments[]` entry's attempt has ended (failed, or executed): an outcome
    arriving after that (the control API, a stale bank form) starts a new attempt."""
    names = {str(p["phaseName"]) for p in entry["phases"]}
    return bool(names & FAILED_PHASES) or "SUBMITTED" in names


def failed_attempts(data: Mapping[str, Any]) -> int:
    """How many of the request's attempts have failed (the page tells the user)."""
    return sum(
        1
        for entry in data.get("payments") or []
        if any(str(p["phaseName"]) in FAILED_PHASES for p in entry["phases"])
    )


def automatic_scenario(session: Session) -> str | None:
    """The scenario that answers this session by itself: the one matched at creation (the
    first history entry records it). A scenario picked for an earlier attempt of a retried link
    does not answer the next one."""
    if session.outcome is None:
        return session.scenario
    first = session.history[0] if session.history else {}
    found = first.get("scenario") if first.get("event") == "created" else None
    return str(found) if found else None
