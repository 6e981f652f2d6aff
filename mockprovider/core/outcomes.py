"""Canonical outcomes a tester can pick on any hosted page.

Each provider declares which of these it supports and what each does; scenarios build
provider-specific outcomes (e.g. Topiic's provisioning error) on top of one of them.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    SUCCESS = "success"
    USER_ABORT = "user_abort"
    EXPIRY = "expiry"
    BAD_CONFIG = "bad_config"
    CAPTURE_FAILURE = "capture_failure"
    CLOSED_TAB = "closed_tab"


CANONICAL_OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)


def parse_outcome(name: str) -> Outcome | None:
    """The canonical outcome called `name`, or None."""
    try:
        return Outcome(name)
    except ValueError:
        return None
