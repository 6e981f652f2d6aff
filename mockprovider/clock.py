"""Time for the whole sandbox.

The sandbox never reads the wall clock directly: every module asks a `Clock`. The sandbox's own
time is the clock's time plus an offset that `POST /_sandbox/clock/advance` grows; the offset is
kept in the store so several workers share it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Real (not yet advanced) time in unix seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> float:
        return time.time()


class FrozenClock:
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def iso_millis(ts: float) -> str:
    """`2026-05-27T10:25:12.123Z`: ISO-8601 UTC with milliseconds, as providers stamp events."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_seconds(ts: float) -> str:
    """`2022-03-16T14:12:42Z`: ISO-8601 UTC to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))  # a third of datetime's cost
