"""A store in one SQLite file, shared safely by several worker processes.

Each record is kept whole as JSON (`doc`, from `to_dict()`) next to the few columns that
queries filter and sort on; the lease columns of `deliveries` are authoritative over the copy in
`doc`. The database runs in WAL mode so readers never block the writer, and every write that
must be atomic (compare-and-set, claims, read-modify-write) is one `BEGIN IMMEDIATE`
transaction: it takes the file's write lock up front, so two processes (`uvicorn --workers 2`)
serialise on it instead of deadlocking, waiting up to `busy_timeout` for each other.

The methods are `async` to fit `Store` but do their work synchronously, without threads: the
file is local and each statement takes microseconds, so a thread hop would cost more than the
work. A long wait is only possible while another process holds the write lock.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from mockprovider.core.sessions import EXPIRABLE_STATUSES, Session, SessionStatus
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus
from mockprovider.errors import Conflict, InvalidInput
from mockprovider.storage import sqlite_sql as sql

#: A nonce is forgotten once it expired this long before the expiry of one being claimed.
NONCE_GRACE = 86_400.0

_EXPIRABLE = sorted(s.value for s in EXPIRABLE_STATUSES)
_CLOCK_KEY = "clock_offset"
_SECRET_KEY = "secret"  # noqa: S105 - the kv key, not a secret


def _where(**filters: str | None) -> tuple[str, list[str]]:
    """A WHERE clause matching every filter that is not None (keys are our column names)."""
    used = {column: value for column, value in filters.items() if value is not None}
    return " AND ".join(f"{column} = ?" for column in used) or "1", list(used.values())


def _session(doc: str) -> Session:
    return Session.from_dict(json.loads(doc))


def _delivery(row: Sequence[Any]) -> Delivery:
    """A delivery from (doc, lease_owner, lease_until); the lease columns win over `doc`."""
    delivery = Delivery.from_dict(json.loads(row[0]))
    delivery.lease_owner, delivery.lease_until = row[1], row[2]
    return delivery


def _unleased_doc(delivery: Delivery) -> str:
    doc = delivery.to_dict()
    doc["lease_owner"] = doc["lease_until"] = None
    return json.dumps(doc)


class SQLiteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("SQLiteStore used before open() or after close()")
        return self._conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` transaction: committed on success, rolled back on error."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Used only from the event loop's thread, which may differ from the one calling open().
        conn = sqlite3.connect(
            self.path, isolation_level=None, timeout=10.0, check_same_thread=False
        )
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()
        if tables[0] and version != sql.SCHEMA_VERSION:
            conn.close()
            raise InvalidInput(
                f"{self.path} holds sandbox state of another mockprovider version (schema "
                f"{version}, expected {sql.SCHEMA_VERSION}): delete it or use another --store"
            )
        conn.executescript(sql.SCHEMA)
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- sessions ---------------------------------------------------------------------------
    async def insert_session(self, session: Session) -> None:
        s = session
        row = (s.id, s.provider, s.status.value, s.created_at, s.expires_at, _json(s))
        try:
            with self._tx() as db:
                db.execute(sql.INSERT_SESSION, row)
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"session {s.id} already exists") from exc

    async def get_session(self, session_id: str) -> Session | None:
        row = self._db.execute(f"{sql.SELECT_SESSION} WHERE id = ?", (session_id,)).fetchone()
        return _session(row[0]) if row else None

    async def save_session(self, session: Session, *, expected: SessionStatus) -> bool:
        with self._tx() as db:
            return self._cas_session(db, session, expected)

    async def finish_session(
        self, session: Session, *, expected: SessionStatus, deliveries: Sequence[Delivery]
    ) -> bool:
        with self._tx() as db:
            if not self._cas_session(db, session, expected):
                return False
            self._insert_deliveries(db, deliveries)
            return True

    @staticmethod
    def _cas_session(db: sqlite3.Connection, s: Session, expected: SessionStatus) -> bool:
        values = (s.provider, s.status.value, s.created_at, s.expires_at, _json(s), s.id)
        return db.execute(sql.CAS_SESSION, (*values, expected.value)).rowcount == 1

    async def list_sessions(
        self, *, provider: str | None = None, limit: int = 100
    ) -> list[Session]:
        where, args = _where(provider=provider)
        query = f"{sql.SELECT_SESSION} WHERE {where} ORDER BY created_at DESC, seq DESC LIMIT ?"
        return [_session(r[0]) for r in self._db.execute(query, (*args, limit))]

    async def due_expiries(self, now: float, *, limit: int = 100) -> list[Session]:
        marks = ", ".join("?" * len(_EXPIRABLE))
        query = (
            f"{sql.SELECT_SESSION} WHERE status IN ({marks}) AND expires_at <= ?"
            " ORDER BY expires_at, seq LIMIT ?"
        )
        return [_session(r[0]) for r in self._db.execute(query, (*_EXPIRABLE, now, limit))]

    # -- nonces -----------------------------------------------------------------------------
    async def claim_nonce(self, scope: str, nonce: str, expires_at: float) -> bool:
        with self._tx() as db:
            db.execute("DELETE FROM nonces WHERE expires_at < ?", (expires_at - NONCE_GRACE,))
            sql = "INSERT OR IGNORE INTO nonces (scope, nonce, expires_at) VALUES (?, ?, ?)"
            return db.execute(sql, (scope, nonce, expires_at)).rowcount == 1

    # -- webhook outbox -----------------------------------------------------------------------
    async def enqueue(self, deliveries: Sequence[Delivery]) -> None:
        with self._tx() as db:
            self._insert_deliveries(db, deliveries)

    @staticmethod
    def _insert_deliveries(db: sqlite3.Connection, deliveries: Sequence[Delivery]) -> None:
        for d in deliveries:
            row = (d.id, d.provider, d.session_id, d.status.value, d.next_attempt_at)
            lease = (d.lease_until, d.lease_owner, d.created_at)
            try:
                db.execute(sql.INSERT_DELIVERY, (*row, *lease, json.dumps(d.to_dict())))
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"delivery {d.id} already exists") from exc

    async def claim_due(
        self, *, now: float, lease_owner: str, lease_now: float, lease_until: float, limit: int
    ) -> list[Delivery]:
        with self._tx() as db:
            rows = db.execute(sql.CLAIM_DUE, (lease_owner, lease_until, now, lease_now, limit))
            claimed = rows.fetchall()
        claimed.sort(key=lambda r: (r[3], r[4]))  # RETURNING has no defined order
        return [_delivery(r) for r in claimed]

    async def record_attempt(self, delivery: Delivery) -> None:
        row = (delivery.status.value, delivery.next_attempt_at, _unleased_doc(delivery))
        self._db.execute(sql.UPDATE_DELIVERY, (*row, delivery.id))

    async def get_delivery(self, delivery_id: str) -> Delivery | None:
        row = self._db.execute(f"{sql.SELECT_DELIVERY} WHERE id = ?", (delivery_id,)).fetchone()
        return _delivery(row) if row else None

    async def list_deliveries(
        self, *, provider: str | None = None, session_id: str | None = None, limit: int = 200
    ) -> list[Delivery]:
        where, args = _where(provider=provider, session_id=session_id)
        query = f"{sql.SELECT_DELIVERY} WHERE {where} ORDER BY created_at DESC, seq DESC LIMIT ?"
        return [_delivery(r) for r in self._db.execute(query, (*args, limit))]

    async def requeue(self, delivery_id: str, now: float) -> Delivery | None:
        with self._tx() as db:
            row = db.execute(f"{sql.SELECT_DELIVERY} WHERE id = ?", (delivery_id,)).fetchone()
            if row is None:
                return None
            d = _delivery(row)
            d.status, d.next_attempt_at, d.run_attempts = DeliveryStatus.PENDING, now, 0
            d.lease_owner = d.lease_until = None
            db.execute(sql.UPDATE_DELIVERY, (d.status.value, now, _unleased_doc(d), d.id))
        return d

    async def next_due_at(self) -> float | None:
        sql = "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'"
        return cast(float | None, self._db.execute(sql).fetchone()[0])

    # -- provider records -------------------------------------------------------------------
    async def insert_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> bool:
        added = self._db.execute(
            "INSERT OR IGNORE INTO records (provider, kind, key, doc) VALUES (?, ?, ?, ?)",
            (provider, kind, key, json.dumps(doc)),
        )
        return added.rowcount == 1

    async def put_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO records (provider, kind, key, doc) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (provider, kind, key) DO UPDATE SET doc = excluded.doc",
            (provider, kind, key, json.dumps(doc)),
        )

    async def get_record(self, provider: str, kind: str, key: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT doc FROM records WHERE provider = ? AND kind = ? AND key = ?",
            (provider, kind, key),
        ).fetchone()
        return dict(json.loads(row[0])) if row else None

    async def list_records(
        self, provider: str, kind: str, *, limit: int = 1000
    ) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT doc FROM records WHERE provider = ? AND kind = ? ORDER BY seq LIMIT ?",
            (provider, kind, limit),
        )
        return [dict(json.loads(r[0])) for r in rows]

    # -- shared state -----------------------------------------------------------------------------
    def _get(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def _put(db: sqlite3.Connection, key: str, value: Any) -> None:
        sql = (
            "INSERT INTO kv (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        db.execute(sql, (key, json.dumps(value)))

    async def get_settings(self, provider: str) -> dict[str, Any]:
        return dict(self._get(f"settings:{provider}") or {})

    async def put_settings(self, provider: str, values: dict[str, Any]) -> None:
        self._put(self._db, f"settings:{provider}", values)

    async def get_clock_offset(self) -> float:
        return float(self._get(_CLOCK_KEY) or 0.0)

    async def add_clock_offset(self, seconds: float) -> float:
        with self._tx() as db:
            offset = float(self._get(_CLOCK_KEY) or 0.0) + seconds
            self._put(db, _CLOCK_KEY, offset)
        return offset

    async def get_or_create_secret(self, candidate: str) -> str:
        with self._tx() as db:
            sql = "INSERT OR IGNORE INTO kv (key, value) VALUES (?, ?)"
            db.execute(sql, (_SECRET_KEY, json.dumps(candidate)))
            return str(self._get(_SECRET_KEY))

    async def reset(self, *, settings: bool = False) -> None:
        with self._tx() as db:
            for table in ("sessions", "deliveries", "nonces", "records"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608
            db.execute("DELETE FROM kv WHERE key = ?", (_CLOCK_KEY,))
            if settings:
                db.execute("DELETE FROM kv WHERE key GLOB 'settings:*'")


def _json(session: Session) -> str:
    return json.dumps(session.to_dict())
