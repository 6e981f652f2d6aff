"""Hosted phases and statuses (spec §4, §4.4 sandbox phase scripts, §7).

Phases are stored with the sandbox time they happen at (`at`, Unix seconds); the GETs show
those reached by the sandbox clock, so a payment settles when the clock gets there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockprovider.clock import iso_millis

START = ["INITIATED"]
#: What the hand-off to the bank adds (the user picked the bank and confirmed) [INF].
HANDOFF = {
    "consent": ["INSTITUTION_SUBMITTED", "AUTHORISATION_INITIATED", "AUTHORISATION_CREATED"],
    "payment": [
        "INSTITUTION_SUBMITTED",
        "AUTHORISATION_INITIATED",
        "VALIDATION_COMPLETED",
        "AUTHORISATION_CREATED",
    ],
}
_C = START + HANDOFF["consent"]
_P = START + HANDOFF["payment"]
#: §4.4: the phases each outcome ends with (expiry and closed tab change none).
SCRIPTS: dict[str, dict[str, list[str]]] = {
    "consent": {
        "success": [
            *_C,
            "CONSENT_POLLING_STARTED",
            "CONSENT_POLLING_ENDED",
            "AUTHORISED",
            "FINISHED",
        ],
        "user_abort": [*_C, "AUTHORISATION_REJECTED", "FINISHED"],
        "capture_failure": [*_C, "AUTHORISATION_FAILED", "FINISHED"],
        "bad_config": ["INITIATED", "INSTITUTION_SUBMITTED", "AUTHORISATION_FAILED"],
    },
    "payment": {
        "success": [*_P, "AUTHORISED", "SUBMITTED", "ACCEPTED", "SETTLEMENT_COMPLETED", "FINISHED"],
        "user_abort": [*_P, "AUTHORISATION_REJECTED", "FINISHED"],
        "capture_failure": [*_P, "AUTHORISED", "SUBMITTED", "REJECTED", "FINISHED"],
        "bad_config": ["INITIATED", "INSTITUTION_SUBMITTED", "VALIDATION_FAILED"],
    },
}
#: Phases that happen only once the payment settles (`hosted_settlement_seconds` later).
SETTLED = frozenset({"SETTLEMENT_COMPLETED", "FINISHED"})
FAILED_PHASES = frozenset(
    {"REJECTED", "AUTHORISATION_REJECTED", "AUTHORISATION_FAILED", "VALIDATION_FAILED"}
)
ISO = {
    "PENDING": {"code": "PDNG", "name": "Pending"},
    "COMPLETED": {"code": "ACSC", "name": "AcceptedSettlementCompleted"},
    "FAILED": {"code": "RJCT", "name": "Rejected"},
}
#: VRP `currentStatus` per outcome (§4.3, §7).
VRP_STATUS = {
    "success": "succeed",
    "user_abort": "rejected",
    "capture_failure": "failed",
    "bad_config": "failed",
}


def family(flow: str) -> str:
    """`payment` for payment requests and links, else the flow itself."""
    return "payment" if flow in ("payment", "link") else flow


def advance(
    phases: Sequence[Mapping[str, Any]], names: Sequence[str], now: float, later: float = 0.0
) -> list[dict[str, Any]]:
    """`names` as the phase list: phases already reached keep their time, new ones happen
    now (settlement phases `later` seconds after)."""
    reached = {str(p["phaseName"]): float(p["at"]) for p in phases}
    return [
        {"phaseName": n, "at": reached.get(n, now + (later if n in SETTLED else 0.0))}
        for n in names
    ]


def visible(phases: Sequence[Mapping[str, Any]], now: float) -> list[dict[str, str]]:
    """The phases the sandbox clock has reached, as the GETs show them."""
    return [
        {"phaseName": str(p["phaseName"]), "phaseCreatedAt": iso_millis(float(p["at"]))}
        for p in phases
        if float(p["at"]) <= now
    ]


def payment_status(phases: Sequence[Mapping[str, Any]], now: float) -> str:
    """`paymentStatus` from the phases reached (§4.2): COMPLETED, FAILED or PENDING."""
    names = {p["phaseName"] for p in visible(phases, now)}
    if "SETTLEMENT_COMPLETED" in names:
        return "COMPLETED"
    return "FAILED" if names & FAILED_PHASES else "PENDING"


def status_details(entries: Sequence[Mapping[str, Any]], now: float) -> list[dict[str, Any]]:
    """`statusDetails` reached by the clock: `{status, statusUpdateDate, isoStatus}`."""
    return [
        {
            "status": str(e["status"]),
            "statusUpdateDate": iso_millis(float(e["at"])),
            "isoStatus": ISO[str(e["status"])],
        }
        for e in entries
        if float(e["at"]) <= now
    ]


def iso(at: float) -> str:
    """A stored sandbox time as the GETs show it."""
    return iso_millis(float(at))
