"""An in-process store: plain dicts, for tests and single-worker runs.

Every object is deep-copied on the way in and out, so mutating a returned `Session` or
`Delivery` changes nothing until it is saved. Each method runs without awaiting, so on one
event loop it is atomic by construction. Newest-first and oldest-first orderings break ties
with an insertion counter, so they are stable.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from typing import Any

from mockprovider.core.sessions import EXPIRABLE_STATUSES, Session, SessionStatus
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus
from mockprovider.errors import Conflict

#: A nonce is forgotten once it expired this long before the expiry of one being claimed.
NONCE_GRACE = 86_400.0
_NONCE_SWEEP_EVERY = 1000


class MemoryStore:
    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._sessions: dict[str, tuple[int, Session]] = {}
        self._deliveries: dict[str, tuple[int, Delivery]] = {}
        self._nonces: dict[tuple[str, str], float] = {}
        self._nonce_claims = 0
        self._settings: dict[str, dict[str, Any]] = {}
        self._clock_offset = 0.0
        self._secret: str | None = None

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # -- sessions ---------------------------------------------------------------------------
    async def insert_session(self, session: Session) -> None:
        if session.id in self._sessions:
            raise Conflict(f"session {session.id} already exists")
        self._sessions[session.id] = (next(self._counter), copy.deepcopy(session))

    async def get_session(self, session_id: str) -> Session | None:
        entry = self._sessions.get(session_id)
        return copy.deepcopy(entry[1]) if entry else None

    async def save_session(self, session: Session, *, expected: SessionStatus) -> bool:
        entry = self._sessions.get(session.id)
        if entry is None or entry[1].status != expected:
            return False
        self._sessions[session.id] = (entry[0], copy.deepcopy(session))
        return True

    async def finish_session(
        self, session: Session, *, expected: SessionStatus, deliveries: Sequence[Delivery]
    ) -> bool:
        entry = self._sessions.get(session.id)
        if entry is None or entry[1].status != expected:
            return False
        self._check_new_deliveries(deliveries)
        self._sessions[session.id] = (entry[0], copy.deepcopy(session))
        self._add_deliveries(deliveries)
        return True

    async def list_sessions(
        self, *, provider: str | None = None, limit: int = 100
    ) -> list[Session]:
        found = [
            e for e in self._sessions.values() if provider is None or e[1].provider == provider
        ]
        found.sort(key=lambda e: (e[1].created_at, e[0]), reverse=True)
        return [copy.deepcopy(s) for _, s in found[:limit]]

    async def due_expiries(self, now: float, *, limit: int = 100) -> list[Session]:
        found = [
            e
            for e in self._sessions.values()
            if e[1].status in EXPIRABLE_STATUSES and e[1].expires_at <= now
        ]
        found.sort(key=lambda e: (e[1].expires_at, e[0]))
        return [copy.deepcopy(s) for _, s in found[:limit]]

    # -- nonces -----------------------------------------------------------------------------
    async def claim_nonce(self, scope: str, nonce: str, expires_at: float) -> bool:
        self._nonce_claims += 1
        if self._nonce_claims % _NONCE_SWEEP_EVERY == 0:
            horizon = expires_at - NONCE_GRACE
            self._nonces = {k: v for k, v in self._nonces.items() if v >= horizon}
        if (scope, nonce) in self._nonces:
            return False
        self._nonces[(scope, nonce)] = expires_at
        return True

    # -- webhook outbox -----------------------------------------------------------------------
    async def enqueue(self, deliveries: Sequence[Delivery]) -> None:
        self._check_new_deliveries(deliveries)
        self._add_deliveries(deliveries)

    def _check_new_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        ids = [d.id for d in deliveries]
        if len(set(ids)) != len(ids) or any(i in self._deliveries for i in ids):
            raise Conflict(f"a delivery id already exists among {ids}")

    def _add_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self._deliveries[delivery.id] = (next(self._counter), copy.deepcopy(delivery))

    async def claim_due(
        self, *, now: float, lease_owner: str, lease_now: float, lease_until: float, limit: int
    ) -> list[Delivery]:
        due = [
            e
            for e in self._deliveries.values()
            if e[1].status == DeliveryStatus.PENDING
            and e[1].next_attempt_at is not None
            and e[1].next_attempt_at <= now
            and (e[1].lease_until is None or e[1].lease_until < lease_now)
        ]
        due.sort(key=lambda e: (e[1].next_attempt_at or 0.0, e[0]))
        claimed: list[Delivery] = []
        for _, delivery in due[:limit]:
            delivery.lease_owner = lease_owner
            delivery.lease_until = lease_until
            claimed.append(copy.deepcopy(delivery))
        return claimed

    async def record_attempt(self, delivery: Delivery) -> None:
        entry = self._deliveries.get(delivery.id)
        if entry is None:  # forgotten by reset() while in flight: do not resurrect it
            return
        stored = copy.deepcopy(delivery)
        stored.lease_owner = None
        stored.lease_until = None
        self._deliveries[delivery.id] = (entry[0], stored)

    async def get_delivery(self, delivery_id: str) -> Delivery | None:
        entry = self._deliveries.get(delivery_id)
        return copy.deepcopy(entry[1]) if entry else None

    async def list_deliveries(
        self, *, provider: str | None = None, session_id: str | None = None, limit: int = 200
    ) -> list[Delivery]:
        found = [
            e
            for e in self._deliveries.values()
            if (provider is None or e[1].provider == provider)
            and (session_id is None or e[1].session_id == session_id)
        ]
        found.sort(key=lambda e: (e[1].created_at, e[0]), reverse=True)
        return [copy.deepcopy(d) for _, d in found[:limit]]

    async def requeue(self, delivery_id: str, now: float) -> Delivery | None:
        entry = self._deliveries.get(delivery_id)
        if entry is None:
            return None
        delivery = entry[1]
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.run_attempts = 0
        delivery.lease_owner = None
        delivery.lease_until = None
        return copy.deepcopy(delivery)

    async def next_due_at(self) -> float | None:
        times = [
            d.next_attempt_at
            for _, d in self._deliveries.values()
            if d.status == DeliveryStatus.PENDING and d.next_attempt_at is not None
        ]
        return min(times, default=None)

    # -- shared state -----------------------------------------------------------------------------
    async def get_settings(self, provider: str) -> dict[str, Any]:
        return copy.deepcopy(self._settings.get(provider, {}))

    async def put_settings(self, provider: str, values: dict[str, Any]) -> None:
        self._settings[provider] = copy.deepcopy(values)

    async def get_clock_offset(self) -> float:
        return self._clock_offset

    async def add_clock_offset(self, seconds: float) -> float:
        self._clock_offset += seconds
        return self._clock_offset

    async def get_or_create_secret(self, candidate: str) -> str:
        if self._secret is None:
            self._secret = candidate
        return self._secret

    async def reset(self, *, settings: bool = False) -> None:
        self._sessions.clear()
        self._deliveries.clear()
        self._nonces.clear()
        self._clock_offset = 0.0
        if settings:
            self._settings.clear()
