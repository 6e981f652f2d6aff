"""Group commit for the SQLite store: writes submitted at the same moment share one transaction.

A write is a function of the connection (`Op`). `GroupCommit.run(op)` queues it and waits; the
first write of a batch schedules the flush — on the event loop's next turn (`window` 0), or
`window` seconds later — and the flush runs every queued op, in order, in one
`BEGIN IMMEDIATE` … `COMMIT`, each inside its own savepoint, so an op that raises is undone
alone and only its caller sees the error. Every caller is answered after the `COMMIT`, so a
write is durable (in the WAL) before its request is answered, exactly as with one transaction
per write; ops see the writes of the ops before them, so two compare-and-sets of one session
in one batch still let exactly one win.

An op may register `after` callbacks (the read cache's updates): they run only once the batch
has committed, never for an op that was undone.
"""

from __future__ import annotations

import asyncio
import sqlite3
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


class GroupCommit:
    def __init__(
        self,
        connection: Callable[[], sqlite3.Connection],
        *,
        window: float = 0.0,
        enabled: bool = True,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self._connection = connection
        self.window = window
        #: False: each write commits alone, at once (the bench's comparison).
        self.enabled = enabled
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

    def flush(self) -> None:
        """Commit every queued op now (also called by the store's `close`)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        batch, self._queue = self._queue, []
        if not batch:
            return
        db = self._connection()
        outcomes: list[tuple[bool, Any, Tx]] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                outcomes = [_one(db, op, alone=len(batch) == 1) for op, _ in batch]
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the batch is stored
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
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


def _one(db: sqlite3.Connection, op: Op, *, alone: bool) -> tuple[bool, Any, Tx]:
    """(True, result, tx) or (False, the exception, tx), with a failed op's writes undone."""
    tx = Tx(db)
    if alone:  # the batch's own transaction is its savepoint
        try:
            return True, op(tx), tx
        except Exception as exc:
            db.execute("ROLLBACK")
            db.execute("BEGIN IMMEDIATE")
            return False, exc, tx
    db.execute("SAVEPOINT op")
    try:
        value = op(tx)
    except Exception as exc:
        db.execute("ROLLBACK TO op")
        db.execute("RELEASE op")
        return False, exc, tx
    db.execute("RELEASE op")
    return True, value, tx
