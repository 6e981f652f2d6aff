"""Group commit for the SQLite store: writes submitted at the same moment share one transaction.

A write is a function of the connection (`Op`). `GroupCommit.run(op)` queues it and waits; the
first write of a batch schedules the flush — on the event loop's next turn (`window` 0), or
`window` seconds later — and the flush runs every queued op, in order, in one
`BEGIN IMMEDIATE` … `COMMIT`, each inside its own savepoint, so an op that raises is undone
alone and only its caller sees the error. Every caller is answered after the `COMMIT`, so a
write is durable (in the WAL) before its request is answered, exactly as with one transaction
per write; ops see the writes of the ops before them, so two compare-and-sets of one session
in one batch still let exactly one win.

When another process holds the write lock (`--workers N`), the flush does not let SQLite's
busy handler sleep on the event loop (1, 2, 5, 10 … ms at a time): it asks for the lock
without waiting, and if it is taken, tries again `RETRY` seconds later while the loop serves
other requests, until `lock_timeout`; the batch keeps its place and its order.

An op may register `after` callbacks (the read cache's updates): they run only once the batch
has committed, never for an op that was undone.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Tx:
    """What an op gets: the connection inside the batch's transaction, and `after`."""

    __slots__ = ("_after", "db")

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._after: list[Callable[[], None]] = []

    def after(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the batch has committed."""
        self._after.append(callback)


Op = Callable[[Tx], Any]

#: Seconds between two tries for a write lock another connection holds.
RETRY = 0.0005


class GroupCommit:
    def __init__(
        self,
        connection: Callable[[], sqlite3.Connection],
        *,
        window: float = 0.0,
        enabled: bool = True,
        lock_timeout: float = 10.0,
        busy_timeout_ms: int = 10_000,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self._connection = connection
        self.window = window
        #: False: each write commits alone, at once (the bench's comparison).
        self.enabled = enabled
        self.lock_timeout = lock_timeout
        #: Milliseconds the connection's other statements wait for a lock (SQLite's busy_timeout).
        self.busy_ms = busy_timeout_ms
        self._waiting_since: float | None = None
        #: Called with the number of ops after each commit (tests count batches with it).
        self.on_commit = on_commit
        self._queue: list[tuple[Op, asyncio.Future[Any]]] = []
        self._handle: asyncio.Handle | None = None

    async def run(self, op: Callable[[Tx], T]) -> T:
        """Run `op` in the next batch's transaction; its result once that batch committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((op, future))
        if not self.enabled:
            self.flush()
        elif self._handle is None:
            if self.window > 0:
                self._handle = loop.call_later(self.window, self.flush)
            else:
                self._handle = loop.call_soon(self.flush)
        return await future

    @property
    def waiting(self) -> bool:
        """True while a batch waits for another connection's write lock."""
        return self._waiting_since is not None

    def _begin(self, db: sqlite3.Connection, *, wait: bool) -> bool:
        """BEGIN IMMEDIATE; False (nothing begun) if another connection holds the write lock
        and `wait` is False."""
        if wait:
            db.execute("BEGIN IMMEDIATE")
            return True
        db.execute("PRAGMA busy_timeout=0")
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            return False
        finally:
            db.execute(f"PRAGMA busy_timeout={self.busy_ms}")
        return True

    def flush(self, *, wait: bool = False) -> None:
        """Commit every queued op now (`wait`: block for the write lock; the store's `close`)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._queue:
            return
        db = self._connection()
        now = time.monotonic()
        since = self._waiting_since if self._waiting_since is not None else now
        late = now - since >= self.lock_timeout
        try:
            begun = self._begin(db, wait=wait or late)
        except Exception as exc:  # e.g. still locked after lock_timeout: every caller hears it
            self._waiting_since = None
            batch, self._queue = self._queue, []
            _fail(batch, exc)
            return
        if not begun:  # the batch keeps its place; the loop serves others meanwhile
            self._waiting_since = since
            self._handle = asyncio.get_running_loop().call_later(RETRY, self.flush)
            return
        self._waiting_since = None
        batch, self._queue = self._queue, []
        self._commit(db, batch)

    def _commit(self, db: sqlite3.Connection, batch: list[tuple[Op, asyncio.Future[Any]]]) -> None:
        outcomes: list[tuple[bool, Any, Tx]] = []
        try:
            try:
                outcomes = [_one(db, op) for op, _ in batch]
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except BaseException as exc:  # COMMIT failed: nothing of the batch is stored
            _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise
            return
        if self.on_commit is not None:
            self.on_commit(len(batch))
        for (_, future), (ok, value, tx) in zip(batch, outcomes, strict=True):
            if ok:
                for callback in tx._after:
                    callback()
            if future.done():  # its caller was cancelled; the write stands
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


def _fail(batch: list[tuple[Op, asyncio.Future[Any]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


def _one(db: sqlite3.Connection, op: Op) -> tuple[bool, Any, Tx]:
    """(True, result, tx) or (False, the exception, tx), with a failed op's writes undone."""
    tx = Tx(db)
    db.execute("SAVEPOINT op")
    try:
        value = op(tx)
    except Exception as exc:
        db.execute("ROLLBACK TO op")
        db.execute("RELEASE op")
        return False, exc, tx
    db.execute("RELEASE op")
    return True, value, tx
