"""Sandbox time, computed in one place: the injected clock plus the offset every replica shares
through the store (advanced by the control API, set back by reset)."""

from __future__ import annotations

from mockprovider.clock import Clock
from mockprovider.core.store import Store


class SandboxTime:
    """`now()` for the engine and the dispatcher alike."""

    def __init__(self, clock: Clock, store: Store) -> None:
        self.clock = clock
        self.store = store

    async def now(self) -> float:
        """Sandbox time in Unix seconds."""
        return self.clock.now() + await self.store.get_clock_offset()

    async def offset(self) -> float:
        """How far sandbox time runs ahead of the clock, in seconds."""
        return await self.store.get_clock_offset()
