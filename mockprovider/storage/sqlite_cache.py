"""The SQLite store's read cache: documents this process read or wrote, kept exact across
processes by SQLite's own change counter.

`PRAGMA data_version` changes whenever *another* connection (another worker, replica or tool
on the same file) has committed since the last call on this connection; this process's own
commits do not change it. So the cache checks it before every hit: unchanged, every cached
document is still the stored one, because every write of this connection updates the cache
after its commit; changed, the whole cache is dropped and the read goes to the file. A read
never returns a value older than the last commit any process finished before it started.

The cache holds JSON text (what the file holds), so each hit still decodes a fresh object and
a caller's mutation changes nothing until it is saved; it keeps at most `capacity` entries,
dropping the oldest inserted first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Hashable


class ReadCache:
    def __init__(self, db: sqlite3.Connection, capacity: int = 10_000) -> None:
        self._db = db
        self.capacity = capacity
        self._docs: dict[Hashable, str | None] = {}
        self._seen = self._version()
        #: Hits and misses, for tests and the bench.
        self.hits = self.misses = 0

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def lookup(self, key: Hashable) -> tuple[bool, str | None]:
        """(True, doc) if `key` is cached and no other connection committed since; else
        (False, None), and the caller reads the file and may `put` what it found before its
        next await: any commit after this check changes the counter again. A cached None
        means "known absent"."""
        version = self._version()
        if version != self._seen:
            self._docs.clear()
            self._seen = version
        elif key in self._docs:
            self.hits += 1
            return True, self._docs[key]
        self.misses += 1
        return False, None

    def put(self, key: Hashable, doc: str | None) -> None:
        """Remember what this connection just committed, or read right after `lookup`."""
        self._docs.pop(key, None)
        if len(self._docs) >= self.capacity:
            del self._docs[next(iter(self._docs))]
        self._docs[key] = doc

    def drop(self, key: Hashable) -> None:
        self._docs.pop(key, None)

    def clear(self) -> None:
        self._docs.clear()
