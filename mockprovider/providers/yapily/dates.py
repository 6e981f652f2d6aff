"""Date-times Yapily reads from clients (`from` / `before` of `GET /consents`, `lastConfirmedAt`
of the extend call): ISO-8601 with an offset, `Z` or `+0000` (spec §1, [DOC S1])."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def parse_instant(value: Any) -> float | None:
    """Unix seconds of an ISO-8601 date-time that carries an offset; None for anything else
    (a bare date or a local time names no instant)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()
