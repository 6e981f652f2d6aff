"""Caps on what one tenant may keep: stored sessions and queued (pending) webhook deliveries.

A cap is checked before a write that would add to it; reaching it refuses the new work with
`LimitExceeded` (429 at the edge) and leaves everything already stored as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockprovider.core.store import Store
from mockprovider.errors import InvalidInput, LimitExceeded

#: The caps of a named tenant unless its config or creation says otherwise.
NAMED_TENANT_SESSIONS = 10_000
NAMED_TENANT_DELIVERIES = 50_000


@dataclass(frozen=True)
class Limits:
    """`None` means unlimited (the default tenant's, unless `limits:` sets one)."""

    sessions: int | None = None
    deliveries: int | None = None

    @classmethod
    def named_default(cls) -> Limits:
        return cls(NAMED_TENANT_SESSIONS, NAMED_TENANT_DELIVERIES)

    @classmethod
    def from_dict(cls, values: Any, base: Limits) -> Limits:
        """`{"sessions": N, "deliveries": N}` over `base`; a key set to null lifts that cap."""
        if values is None:
            return base
        if not isinstance(values, dict):
            raise InvalidInput('limits must be an object: {"sessions": N, "deliveries": N}')
        unknown = sorted(set(values) - {"sessions", "deliveries"})
        if unknown:
            raise InvalidInput(f"unknown limit {unknown[0]!r}: use sessions or deliveries")
        for key, value in values.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidInput(f"limits.{key} must be a whole number >= 1, or null")
            if value is not None and value < 1:
                raise InvalidInput(f"limits.{key} must be a whole number >= 1, or null")
        return cls(values.get("sessions", base.sessions), values.get("deliveries", base.deliveries))

    def as_dict(self) -> dict[str, int | None]:
        return {"sessions": self.sessions, "deliveries": self.deliveries}

    async def check(self, store: Store, *, sessions: int = 0, deliveries: int = 0) -> None:
        """Raise `LimitExceeded` if adding `sessions` and `deliveries` would pass a cap."""
        if (self.sessions is None or not sessions) and (self.deliveries is None or not deliveries):
            return
        stored, pending = await store.counts()
        if sessions and self.sessions is not None and stored + sessions > self.sessions:
            raise LimitExceeded(
                f"this tenant stores at most {self.sessions} sessions and has {stored}:"
                " reset it (POST …/_sandbox/reset) or raise limits.sessions"
            )
        if deliveries and self.deliveries is not None and pending + deliveries > self.deliveries:
            raise LimitExceeded(
                f"this tenant queues at most {self.deliveries} webhook deliveries and has"
                f" {pending} pending: let them drain, reset, or raise limits.deliveries",
                retry_after=5,
            )
