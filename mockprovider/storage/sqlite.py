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

Writes go through group commit (`sqlite_batch`): those submitted at the same moment share one
transaction, and each caller is answered after its batch's commit. Sessions and the shared
key-value state (settings, clock offset, secret) are read through a cache (`sqlite_cache`)
kept exact across processes by `PRAGMA data_version`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus
from mockprovider.errors import Conflict, InvalidInput
from mockprovider.storage import sqlite_sql as sql
from mockprovider.storage.sqlite_batch import GroupCommit, Tx
from mockprovider.storage.sqlite_cache import ReadCache

#: A nonce is forgotten once it expired this long before the expiry of one being claimed.
NONCE_GRACE = 86_400.0

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
    def __init__(
        self,
        path: str | Path,
        *,
        commit_window: float = 0.0,
        group_commit: bool = True,
        cache_size: int = 10_000,
    ) -> None:
        """`commit_window`: seconds a batch waits for more writes (0: the loop's next turn);
        `group_commit` False: every write its own transaction; `cache_size`: documents the
        read cache keeps (0: no cache)."""
        self.path = Path(path)
        self.cache_size = cache_size
        self._conn: sqlite3.Connection | None = None
        self._cache: ReadCache | None = None
        self.batches = GroupCommit(lambda: self._db, window=commit_window, enabled=group_commit)

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("SQLiteStore used before open() or after close()")
        return self._conn

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
        self._cache = ReadCache(conn, self.cache_size) if self.cache_size > 0 else None

    async def close(self) -> None:
        if self._conn is not None:
            self.batches.flush(wait=True)
            self._cache = None
            self._conn.close()
            self._conn = None

    async def destroy(self) -> None:
        await self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # -- sessions ---------------------------------------------------------------------------
    def _cached(self, key: tuple[str, str], query: str) -> str | None:
        """The text `query` (one `?`: `key[1]`) selects, through the read cache."""
        cache = self._cache
        if cache is not None:
            hit, doc = cache.lookup(key)
            if hit:
                return doc
        row = self._db.execute(query, (key[1],)).fetchone()
        doc = None if row is None else str(row[0])
        if cache is not None:
            cache.put(key, doc)
        return doc

    def _remember(self, tx: Tx, key: tuple[str, str], doc: str | None) -> None:
        """Put `doc` in the read cache once `tx` has committed."""
        if self._cache is not None:
            tx.after(lambda: self._cache.put(key, doc) if self._cache else None)

    async def insert_session(self, session: Session) -> None:
        s = session
        doc = _json(s)
        row = (s.id, s.provider, s.status.value, s.created_at, s.expires_at, doc)

        def insert(tx: Tx) -> None:
            try:
                tx.db.execute(sql.INSERT_SESSION, row)
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"session {s.id} already exists") from exc
            self._remember(tx, ("s", s.id), doc)

        await self.batches.run(insert)

    async def get_session(self, session_id: str) -> Session | None:
        doc = self._cached(("s", session_id), _SESSION_BY_ID)
        return _session(doc) if doc is not None else None

    async def save_session(self, session: Session, *, expected: SessionStatus) -> bool:
        return await self.batches.run(lambda tx: self._cas_session(tx, session, expected))

    async def finish_session(
        self, session: Session, *, expected: SessionStatus, deliveries: Sequence[Delivery]
    ) -> bool:
        def finish(tx: Tx) -> bool:
            if not self._cas_session(tx, session, expected):
                return False
            self._insert_deliveries(tx.db, deliveries)
            return True

        return await self.batches.run(finish)

    def _cas_session(self, tx: Tx, s: Session, expected: SessionStatus) -> bool:
        doc = _json(s)
        values = (s.status.value, s.expires_at, doc, s.id)
        if tx.db.execute(sql.CAS_SESSION, (*values, expected.value)).rowcount != 1:
            return False
        self._remember(tx, ("s", s.id), doc)
        return True

    async def list_sessions(
        self, *, provider: str | None = None, limit: int = 100
    ) -> list[Session]:
        where, args = _where(provider=provider)
        query = f"{sql.SELECT_SESSION} WHERE {where} ORDER BY created_at DESC, seq DESC LIMIT ?"
        return [_session(r[0]) for r in self._db.execute(query, (*args, limit))]

    async def due_expiries(self, now: float, *, limit: int = 100) -> list[Session]:
        return [_session(r[0]) for r in self._db.execute(sql.DUE_EXPIRIES, (now, limit))]

    # -- nonces -----------------------------------------------------------------------------
    async def claim_nonce(self, scope: str, nonce: str, expires_at: float) -> bool:
        def claim(tx: Tx) -> bool:
            tx.db.execute(sql.FORGET_NONCES, (expires_at - NONCE_GRACE,))
            return tx.db.execute(sql.CLAIM_NONCE, (scope, nonce, expires_at)).rowcount == 1

        return await self.batches.run(claim)

    # -- webhook outbox -----------------------------------------------------------------------
    async def enqueue(self, deliveries: Sequence[Delivery]) -> None:
        await self.batches.run(lambda tx: self._insert_deliveries(tx.db, deliveries))

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
        args = (lease_owner, lease_until, now, lease_now, limit)
        claimed = await self.batches.run(lambda tx: tx.db.execute(sql.CLAIM_DUE, args).fetchall())
        claimed.sort(key=lambda r: (r[3], r[4]))  # RETURNING has no defined order
        return [_delivery(r) for r in claimed]

    async def record_attempt(self, delivery: Delivery) -> None:
        row = (delivery.status.value, delivery.next_attempt_at, _unleased_doc(delivery))
        await self.batches.run(lambda tx: tx.db.execute(sql.UPDATE_DELIVERY, (*row, delivery.id)))

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
        def replay(tx: Tx) -> Delivery | None:
            row = tx.db.execute(f"{sql.SELECT_DELIVERY} WHERE id = ?", (delivery_id,)).fetchone()
            if row is None:
                return None
            d = _delivery(row)
            d.status, d.next_attempt_at, d.run_attempts = DeliveryStatus.PENDING, now, 0
            d.lease_owner = d.lease_until = None
            tx.db.execute(sql.UPDATE_DELIVERY, (d.status.value, now, _unleased_doc(d), d.id))
            return d

        return await self.batches.run(replay)

    async def next_due_at(self) -> float | None:
        sql = "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'"
        return cast(float | None, self._db.execute(sql).fetchone()[0])

    async def counts(self) -> tuple[int, int]:
        sessions = self._db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        sql = "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"
        return int(sessions), int(self._db.execute(sql).fetchone()[0])

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

    async def delete_record(self, provider: str, kind: str, key: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM records WHERE provider = ? AND kind = ? AND key = ?", (provider, kind, key)
        )
        return cursor.rowcount > 0

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
        doc = self._cached(("kv", key), _KV_BY_KEY)
        return json.loads(doc) if doc is not None else None

    def _put(self, tx: Tx, key: str, value: Any) -> None:
        doc = json.dumps(value)
        tx.db.execute(sql.PUT_KV, (key, doc))
        self._remember(tx, ("kv", key), doc)

    @staticmethod
    def _read_kv(db: sqlite3.Connection, key: str) -> Any:
        """`key`'s value read inside a write transaction, past the cache."""
        row = db.execute(_KV_BY_KEY, (key,)).fetchone()
        return json.loads(row[0]) if row else None

    async def get_settings(self, provider: str) -> dict[str, Any]:
        return dict(self._get(f"settings:{provider}") or {})

    async def put_settings(self, provider: str, values: dict[str, Any]) -> None:
        await self.batches.run(lambda tx: self._put(tx, f"settings:{provider}", values))

    async def get_clock_offset(self) -> float:
        return float(self._get(_CLOCK_KEY) or 0.0)

    async def add_clock_offset(self, seconds: float) -> float:
        def add(tx: Tx) -> float:
            offset = float(self._read_kv(tx.db, _CLOCK_KEY) or 0.0) + seconds
            self._put(tx, _CLOCK_KEY, offset)
            return offset

        return await self.batches.run(add)

    async def get_or_create_secret(self, candidate: str) -> str:
        def create(tx: Tx) -> str:
            tx.db.execute(sql.ADD_KV, (_SECRET_KEY, json.dumps(candidate)))
            return str(self._read_kv(tx.db, _SECRET_KEY))

        return await self.batches.run(create)

    async def reset(self, *, settings: bool = False) -> None:
        def forget(tx: Tx) -> None:
            for table in ("sessions", "deliveries", "nonces", "records"):
                tx.db.execute(f"DELETE FROM {table}")  # noqa: S608
            tx.db.execute("DELETE FROM kv WHERE key = ?", (_CLOCK_KEY,))
            if settings:
                tx.db.execute("DELETE FROM kv WHERE key GLOB 'settings:*'")
            if self._cache is not None:
                tx.after(self._cache.clear)

        await self.batches.run(forget)


_SESSION_BY_ID = f"{sql.SELECT_SESSION} WHERE id = ?"
_KV_BY_KEY = "SELECT value FROM kv WHERE key = ?"


def _json(session: Session) -> str:
    return json.dumps(session.to_dict())
