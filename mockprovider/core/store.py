"""The one interface every store implements.

Everything the sandbox remembers goes through a `Store`: sessions, single-use nonces, the
webhook outbox with its attempts, provider settings changed at run time, the sandbox clock's
offset and the token secret. Methods are async so a networked store (Redis) fits the same
shape; local stores may do their work synchronously inside them.

Atomicity the engine relies on:
- `save_session` and `finish_session` are compare-and-set on the stored status, so two workers
  never finish one session twice; `finish_session` writes the session and its deliveries in one
  transaction (a webhook is durable before the browser is redirected).
- `claim_nonce` succeeds once per (scope, nonce).
- `claim_due` hands each due delivery to one caller until its lease lapses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import Delivery


class Store(Protocol):
    async def open(self) -> None:
        """Create tables / connect. Called once before use."""

    async def close(self) -> None: ...

    async def destroy(self) -> None:
        """Forget everything, settings and secret included, close, and remove what holds it
        (a file): the store of a deleted tenant."""

    # -- sessions ---------------------------------------------------------------------------
    async def insert_session(self, session: Session) -> None:
        """Add a new session; raises `Conflict` if the id exists."""

    async def get_session(self, session_id: str) -> Session | None: ...

    async def save_session(self, session: Session, *, expected: SessionStatus) -> bool:
        """Write `session` if the stored one still has status `expected`; False otherwise."""

    async def finish_session(
        self, session: Session, *, expected: SessionStatus, deliveries: Sequence[Delivery]
    ) -> bool:
        """`save_session` plus `enqueue(deliveries)`, all or nothing."""

    async def list_sessions(
        self, *, provider: str | None = None, limit: int = 100
    ) -> list[Session]:
        """Newest first."""

    async def due_expiries(self, now: float, *, limit: int = 100) -> list[Session]:
        """Sessions whose status is created, opened or abandoned and `expires_at <= now`."""

    # -- nonces -----------------------------------------------------------------------------
    async def claim_nonce(self, scope: str, nonce: str, expires_at: float) -> bool:
        """True the first time (scope, nonce) is seen, False on every later call."""

    # -- webhook outbox -----------------------------------------------------------------------
    async def enqueue(self, deliveries: Sequence[Delivery]) -> None: ...

    async def claim_due(
        self, *, now: float, lease_owner: str, lease_now: float, lease_until: float, limit: int
    ) -> list[Delivery]:
        """Lease up to `limit` pending deliveries with `next_attempt_at <= now`.

        `now` is sandbox time; leases use real time (`lease_now`, `lease_until`) so advancing
        the sandbox clock never breaks a lease. A delivery whose lease has lapsed
        (`lease_until < lease_now`) may be claimed again. Oldest due first.
        """

    async def record_attempt(self, delivery: Delivery) -> None:
        """Write the delivery's new status, attempts and next_attempt_at; release its lease."""

    async def get_delivery(self, delivery_id: str) -> Delivery | None: ...

    async def list_deliveries(
        self, *, provider: str | None = None, session_id: str | None = None, limit: int = 200
    ) -> list[Delivery]:
        """Newest first."""

    async def requeue(self, delivery_id: str, now: float) -> Delivery | None:
        """Replay: pending, due at `now`, `run_attempts` 0, attempts kept; None if unknown."""

    async def next_due_at(self) -> float | None:
        """The earliest `next_attempt_at` of a pending delivery, or None."""

    async def counts(self) -> tuple[int, int]:
        """(stored sessions, pending deliveries): what a tenant's limits are checked against."""

    # -- provider records (e.g. Bridge users, tokens and items) ----------------------------------
    async def insert_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> bool:
        """Add a record; False (and nothing written) if (provider, kind, key) exists."""

    async def put_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        """Add or replace a record."""

    async def get_record(self, provider: str, kind: str, key: str) -> dict[str, Any] | None: ...

    async def delete_record(self, provider: str, kind: str, key: str) -> bool:
        """Remove a record; False if there was none."""

    async def list_records(
        self, provider: str, kind: str, *, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Records of one kind in insertion order."""

    # -- shared state -----------------------------------------------------------------------------
    async def get_settings(self, provider: str) -> dict[str, Any]:
        """Settings changed at run time for `provider` (only the overrides, {} if none)."""

    async def put_settings(self, provider: str, values: dict[str, Any]) -> None:
        """Replace the run-time overrides of `provider`."""

    async def get_clock_offset(self) -> float: ...

    async def add_clock_offset(self, seconds: float) -> float:
        """Atomically add to the offset; returns the new offset."""

    async def get_or_create_secret(self, candidate: str) -> str:
        """The stored token secret; stores `candidate` first if there is none."""

    async def reset(self, *, settings: bool = False) -> None:
        """Forget sessions, nonces, deliveries, records and the clock offset (and settings if
        asked)."""
