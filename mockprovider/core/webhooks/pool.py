"""Kept-alive HTTP/1.1 connections for the webhook transport, per origin, bounded in total.

A connection is either in use (by one request) or idle in the pool; both count against
`max_connections`. At most `max_keepalive` stay idle, each for at most `keepalive_expiry`
seconds. An idle connection the receiver closed, or wrote to, is dropped when next looked at.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import SupportsIndex

import httpx

#: (scheme, host, port)
Origin = tuple[str, str, int]


class Reader(asyncio.StreamReader):
    """A stream reader that counts the data it is fed, so the pool can tell whether an idle
    connection received anything (a late or unsolicited answer makes it unfit for reuse)."""

    feeds = 0

    def feed_data(self, data: Iterable[SupportsIndex]) -> None:
        self.feeds += 1
        super().feed_data(data)


@dataclass(eq=False)
class Connection:
    """One HTTP/1.1 connection to an origin, with the pool's bookkeeping."""

    origin: Origin
    reader: Reader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0
    idle_feeds: int = field(default=0, repr=False)

    def usable(self, now: float, expiry: float) -> bool:
        """Still fit to carry a request after idling: open, quiet, not expired."""
        return (
            now - self.idle_since < expiry
            and self.reader.feeds == self.idle_feeds
            and not self.reader.at_eof()
            and not self.writer.transport.is_closing()
        )

    def close(self) -> None:
        self.writer.transport.abort()


async def connect(origin: Origin, tls: ssl.SSLContext | None, timeout: float | None) -> Connection:
    """Open a connection (TCP, then TLS for https); `httpx.ConnectTimeout`/`ConnectError`."""
    _, host, port = origin
    loop = asyncio.get_running_loop()
    reader = Reader(loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(
                lambda: protocol, host, port, ssl=tls, server_hostname=host if tls else None
            )
    except TimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or f"connecting to {host}:{port} timed out") from None
    except OSError as exc:  # refused, unreachable, DNS, TLS handshake or certificate
        raise httpx.ConnectError(str(exc) or type(exc).__name__) from None
    return Connection(origin, reader, asyncio.StreamWriter(transport, protocol, reader, loop))


class Pool:
    """Hands out connections: an idle one of the origin (most recent first), else a new one
    when the total allows, else waits up to the pool timeout."""

    def __init__(self, max_connections: int, max_keepalive: int, keepalive_expiry: float) -> None:
        self.max_connections, self.max_keepalive = max_connections, max_keepalive
        self.keepalive_expiry = keepalive_expiry
        self.idle: dict[Origin, list[Connection]] = {}
        self.count = 0  # connections open or opening, idle ones included
        self.closed = False
        self._waiters: list[asyncio.Future[None]] = []

    async def acquire(
        self,
        origin: Origin,
        tls: ssl.SSLContext | None,
        timeouts: dict[str, float | None],
    ) -> Connection:
        """A connection for one request; `httpx.PoolTimeout` after `timeouts["pool"]` s."""
        loop = asyncio.get_running_loop()
        wait = timeouts.get("pool")
        deadline = None if wait is None else loop.time() + wait
        while True:
            if self.closed:
                raise RuntimeError("the webhook transport is closed")
            found = self._take_idle(origin, loop.time())
            if found is not None:
                return found
            if self.count < self.max_connections or self._evict_one():
                self.count += 1
                try:
                    return await connect(origin, tls, timeouts.get("connect"))
                except BaseException:
                    self._freed()
                    raise
            await self._wait(deadline, wait)

    def release(self, conn: Connection, *, keep: bool) -> None:
        """Put `conn` back to idle (if `keep` and there is room), else close it."""
        idle = self.idle.setdefault(conn.origin, [])
        if keep and not self.closed and sum(map(len, self.idle.values())) < self.max_keepalive:
            conn.idle_feeds = conn.reader.feeds
            conn.idle_since = asyncio.get_running_loop().time()
            idle.append(conn)
            self._wake()
        else:
            self.discard(conn)

    def discard(self, conn: Connection) -> None:
        """Close a connection that is in use (broken, cancelled, or not to be kept)."""
        conn.close()
        self._freed()

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when released."""
        self.closed = True
        idle = [c for conns in self.idle.values() for c in conns]
        self.idle.clear()
        for conn in idle:
            conn.writer.close()
            self._freed()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await asyncio.gather(*(c.writer.wait_closed() for c in idle))

    def _take_idle(self, origin: Origin, now: float) -> Connection | None:
        idle = self.idle.get(origin) or []
        while idle:
            conn = idle.pop()
            if conn.usable(now, self.keepalive_expiry):
                return conn
            self.discard(conn)
        return None

    def _evict_one(self) -> bool:
        """Close the longest-idle connection of any origin to make room; False if none."""
        idle = [c for conns in self.idle.values() for c in conns]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.idle_since)
        self.idle[oldest.origin].remove(oldest)
        self.discard(oldest)
        return True

    def _freed(self) -> None:
        self.count -= 1
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self, deadline: float | None, wait: float | None) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                await waiter
        except TimeoutError:
            raise httpx.PoolTimeout(f"no connection free within {wait:g} s") from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
