"""An in-process store: plain dicts, for tests and single-worker runs.

Records are kept as JSON text, the same snapshot the SQLite store writes: a returned `Session`
or `Delivery` is a fresh object, so mutating it changes nothing until it is saved, and a stored
session costs about a kilobyte instead of a graph of small objects (fewer GC pauses). The
pending deliveries and the unfinished sessions are indexed, so the dispatcher's passes do not
scan history. Each method runs without awaiting, so on one event loop it is atomic by
construction. Orderings break ties with an insertion counter, so they are stable.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockprovider.core.sessions import EXPIRABLE_STATUSES, Session, SessionStatus
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus
from mockprovider.errors import Conflict

#: A nonce is forgotten once it expired this long before the expiry of one being claimed.
NONCE_GRACE = 86_400.0
_NONCE_SWEEP_EVERY = 1000


@dataclass
class _Row:
    """One stored record: insertion order, the fields queries look at, and the JSON snapshot."""

    seq: int
    provider: str
    status: str
    created_at: float
    due: float | None  # sessions: expires_at; deliveries: next_attempt_at
    session_id: str | None
    doc: str
    lease_until: float | None = None


def _session_row(seq: int, s: Session) -> _Row:
    doc = json.dumps(s.to_dict())
    return _Row(seq, s.provider, s.status.value, s.created_at, s.expires_at, s.id, doc)


def _delivery_row(seq: int, d: Delivery) -> _Row:
    doc = json.dumps(d.to_dict())
    return _Row(seq, d.provider, d.status.value, d.created_at, d.next_attempt_at, d.session_id, doc)


def _session(row: _Row) -> Session:
    return Session.from_dict(json.loads(row.doc))


def _delivery(row: _Row) -> Delivery:
    delivery = Delivery.from_dict(json.loads(row.doc))
    delivery.lease_until = row.lease_until
    return delivery


_EXPIRABLE = frozenset(s.value for s in EXPIRABLE_STATUSES)
_PENDING = DeliveryStatus.PENDING.value


class MemoryStore:
    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._sessions: dict[str, _Row] = {}
        self._expirable: dict[str, _Row] = {}
        self._deliveries: dict[str, _Row] = {}
        self._pending: dict[str, _Row] = {}
        self._owners: dict[str, str] = {}
        self._nonces: dict[tuple[str, str], float] = {}
        self._nonce_claims = 0
        self._settings: dict[str, str] = {}
        self._records: dict[tuple[str, str], dict[str, str]] = {}
        self._clock_offset = 0.0
        self._secret: str | None = None

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def destroy(self) -> None:
        await self.reset(settings=True)
        self._secret = None

    # -- sessions ---------------------------------------------------------------------------
    def _put_session(self, seq: int, session: Session) -> None:
        row = _session_row(seq, session)
        self._sessions[session.id] = row
        if row.status in _EXPIRABLE:
            self._expirable[session.id] = row
        else:
            self._expirable.pop(session.id, None)

    async def insert_session(self, session: Session) -> None:
        if session.id in self._sessions:
            raise Conflict(f"session {session.id} already exists")
        self._put_session(next(self._counter), session)

    async def get_session(self, session_id: str) -> Session | None:
        row = self._sessions.get(session_id)
        return _session(row) if row else None

    async def save_session(self, session: Session, *, expected: SessionStatus) -> bool:
        row = self._sessions.get(session.id)
        if row is None or row.status != expected.value:
            return False
        self._put_session(row.seq, session)
        return True

    async def finish_session(
        self, session: Session, *, expected: SessionStatus, deliveries: Sequence[Delivery]
    ) -> bool:
        row = self._sessions.get(session.id)
        if row is None or row.status != expected.value:
            return False
        self._check_new_deliveries(deliveries)
        self._put_session(row.seq, session)
        self._add_deliveries(deliveries)
        return True

    async def list_sessions(
        self, *, provider: str | None = None, limit: int = 100
    ) -> list[Session]:
        found = [r for r in self._sessions.values() if provider is None or r.provider == provider]
        found.sort(key=lambda r: (r.created_at, r.seq), reverse=True)
        return [_session(r) for r in found[:limit]]

    async def due_expiries(self, now: float, *, limit: int = 100) -> list[Session]:
        found = [r for r in self._expirable.values() if r.due is not None and r.due <= now]
        found.sort(key=lambda r: (r.due or 0.0, r.seq))
        return [_session(r) for r in found[:limit]]

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
            self._put_delivery(next(self._counter), delivery)

    def _put_delivery(self, seq: int, delivery: Delivery, lease: float | None = None) -> None:
        row = _delivery_row(seq, delivery)
        row.lease_until = lease
        self._deliveries[delivery.id] = row
        if row.status == _PENDING:
            self._pending[delivery.id] = row
        else:
            self._pending.pop(delivery.id, None)

    async def claim_due(
        self, *, now: float, lease_owner: str, lease_now: float, lease_until: float, limit: int
    ) -> list[Delivery]:
        due = [
            r
            for r in self._pending.values()
            if r.due is not None
            and r.due <= now
            and (r.lease_until is None or r.lease_until < lease_now)
        ]
        due.sort(key=lambda r: (r.due or 0.0, r.seq))
        claimed: list[Delivery] = []
        for row in due[:limit]:
            row.lease_until = lease_until
            delivery = _delivery(row)
            delivery.lease_owner = self._owners[delivery.id] = lease_owner
            claimed.append(delivery)
        return claimed

    async def record_attempt(self, delivery: Delivery) -> None:
        row = self._deliveries.get(delivery.id)
        if row is None:  # forgotten by reset() while in flight: do not resurrect it
            return
        self._owners.pop(delivery.id, None)
        delivery.lease_owner = delivery.lease_until = None
        self._put_delivery(row.seq, delivery)

    async def get_delivery(self, delivery_id: str) -> Delivery | None:
        return self._with_owner(self._deliveries.get(delivery_id))

    def _with_owner(self, row: _Row | None) -> Delivery | None:
        if row is None:
            return None
        delivery = _delivery(row)
        delivery.lease_owner = self._owners.get(delivery.id) if row.lease_until else None
        return delivery

    async def list_deliveries(
        self, *, provider: str | None = None, session_id: str | None = None, limit: int = 200
    ) -> list[Delivery]:
        found = [
            r
            for r in self._deliveries.values()
            if (provider is None or r.provider == provider)
            and (session_id is None or r.session_id == session_id)
        ]
        found.sort(key=lambda r: (r.created_at, r.seq), reverse=True)
        return [d for r in found[:limit] if (d := self._with_owner(r)) is not None]

    async def requeue(self, delivery_id: str, now: float) -> Delivery | None:
        row = self._deliveries.get(delivery_id)
        if row is None:
            return None
        delivery = _delivery(row)
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.run_attempts = 0
        delivery.lease_owner = delivery.lease_until = None
        self._owners.pop(delivery_id, None)
        self._put_delivery(row.seq, delivery)
        return _delivery(self._deliveries[delivery_id])

    async def next_due_at(self) -> float | None:
        return min((r.due for r in self._pending.values() if r.due is not None), default=None)

    async def counts(self) -> tuple[int, int]:
        return len(self._sessions), len(self._pending)

    # -- provider records -------------------------------------------------------------------
    async def insert_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> bool:
        table = self._records.setdefault((provider, kind), {})
        if key in table:
            return False
        table[key] = json.dumps(doc)
        return True

    async def put_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        self._records.setdefault((provider, kind), {})[key] = json.dumps(doc)

    async def get_record(self, provider: str, kind: str, key: str) -> dict[str, Any] | None:
        raw = self._records.get((provider, kind), {}).get(key)
        return dict(json.loads(raw)) if raw is not None else None

    async def delete_record(self, provider: str, kind: str, key: str) -> bool:
        return self._records.get((provider, kind), {}).pop(key, None) is not None

    async def list_records(
        self, provider: str, kind: str, *, limit: int = 1000
    ) -> list[dict[str, Any]]:
        table = self._records.get((provider, kind), {})
        return [dict(json.loads(raw)) for raw in list(table.values())[:limit]]

    # -- shared state -----------------------------------------------------------------------------
    async def get_settings(self, provider: str) -> dict[str, Any]:
        raw = self._settings.get(provider)
        return dict(json.loads(raw)) if raw else {}

    async def put_settings(self, provider: str, values: dict[str, Any]) -> None:
        self._settings[provider] = json.dumps(values)

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
        for table in (self._sessions, self._expirable, self._deliveries, self._pending):
            table.clear()
        self._owners.clear()
        self._nonces.clear()
        self._records.clear()
        self._clock_offset = 0.0
        if settings:
            self._settings.clear()
