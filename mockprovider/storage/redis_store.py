"""A store on Redis, shared by any number of `serve` processes (replicas or workers).

`RedisStore("redis://HOST:PORT/DB?prefix=qa:&retention=604800")` keeps every key under
`prefix` (default `mockprovider:`), so several sandboxes can share one Redis and `reset` deletes
only this sandbox's keys. Each record is kept whole as JSON (`doc`) in a hash next to the few
fields that scripts compare; sorted sets index what queries order by (see `redis_scripts`).

Atomicity: every compare-and-set, claim and multi-key write is one Lua script (`redis_scripts`),
so it runs alone on the server; `requeue` is a WATCH/MULTI read-modify-write. Leases use the
real time the dispatcher passes in, so a replica killed mid-delivery has its claims retaken by
another once they lapse. The clock offset is one `INCRBYFLOAT` key, shared by every replica.

Retention: a session key gets a Redis TTL of `retention` seconds (default 7 days, `0` keeps
everything) past its expiry (`expires_at`, taken as real time: it is sandbox time, which runs
ahead of real time when the clock was advanced, so the key never goes early), refreshed on each
write; a delivered or failed delivery expires `retention` seconds after its last attempt,
while a pending one never expires; a nonce is remembered for a day past its expiry. Index
entries left behind by expired keys are dropped when a listing meets them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import WatchError

from mockprovider.core.sessions import EXPIRABLE_STATUSES, Session, SessionStatus
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus
from mockprovider.errors import Conflict, InvalidInput
from mockprovider.storage import redis_scripts as lua
from mockprovider.storage.redis_codec import (
    delivery_arg,
    escape_glob,
    num,
    parse_url,
    read_delivery,
    unleased_doc,
)

#: A nonce is forgotten this long after its expiry (as the other stores do).
NONCE_GRACE = 86_400.0
_PAGE = 256
_LEASED = ("doc", "lease_owner", "lease_until")


class RedisStore:
    def __init__(self, url: str) -> None:
        self.url, self.prefix, self.retention = parse_url(url)
        self._client: aioredis.Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}

    @property
    def _r(self) -> aioredis.Redis:
        if self._client is None:
            raise RuntimeError("RedisStore used before open() or after close()")
        return self._client

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def _run(self, script: str, *args: str | int) -> Any:
        return await self._scripts[script](args=[self.prefix, *args])

    async def open(self) -> None:
        client = aioredis.Redis.from_url(self.url, decode_responses=True)
        try:
            await client.ping()
        except Exception as exc:
            await client.aclose()
            raise InvalidInput(f"cannot reach Redis at {self.url}: {exc}") from exc
        self._client = client
        scripts = (
            *(lua.INSERT_SESSION, lua.SAVE_SESSION, lua.FINISH_SESSION, lua.ENQUEUE),
            *(lua.CLAIM_DUE, lua.WRITE_DELIVERY, lua.PUT_RECORD),
        )
        self._scripts = {text: client.register_script(text) for text in scripts}

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def destroy(self) -> None:
        await self.reset(settings=True)
        await self._r.delete(self._k("secret"), self._k("seq"))
        await self.close()

    # -- sessions ---------------------------------------------------------------------------
    def _session_args(self, s: Session) -> list[str]:
        """doc, status, expires, expirable, ttl (as the scripts take them)."""
        expirable = "1" if s.status in EXPIRABLE_STATUSES else "0"
        ttl = 0
        if self.retention:
            ttl = int(max(s.expires_at - time.time(), 0.0)) + self.retention + 1
        doc = json.dumps(s.to_dict())
        return [doc, s.status.value, num(s.expires_at), expirable, str(ttl)]

    async def insert_session(self, session: Session) -> None:
        doc, status, expires, expirable, ttl = self._session_args(session)
        created = num(session.created_at)
        args = [session.id, session.provider, status, created, expires, expirable, ttl, doc]
        if not await self._run(lua.INSERT_SESSION, *args):
            raise Conflict(f"session {session.id} already exists")

    async def get_session(self, session_id: str) -> Session | None:
        doc = await self._r.hget(self._k("s", session_id), "doc")
        return Session.from_dict(json.loads(doc)) if doc else None

    async def save_session(self, session: Session, *, expected: SessionStatus) -> bool:
        args = [session.id, expected.value, *self._session_args(session)]
        return bool(await self._run(lua.SAVE_SESSION, *args))

    async def finish_session(
        self, session: Session, *, expected: SessionStatus, deliveries: Sequence[Delivery]
    ) -> bool:
        args = [session.id, expected.value, *self._session_args(session)]
        result = await self._run(lua.FINISH_SESSION, *args, *map(delivery_arg, deliveries))
        if isinstance(result, list):
            raise Conflict(f"delivery {result[1]} already exists")
        return bool(result)

    async def _fields(
        self, index: str, members: list[str], kind: str, fields: Sequence[str]
    ) -> list[list[str | None]]:
        """`fields` of each index member's hash, skipping (and unindexing) expired keys."""
        async with self._r.pipeline(transaction=False) as pipe:
            for member in members:
                pipe.hmget(self._k(kind, member[17:]), list(fields))
            rows = cast(list[list[str | None]], await pipe.execute())
        stale = [m for m, row in zip(members, rows, strict=True) if row[0] is None]
        if stale:
            await self._r.zrem(index, *stale)
        return [row for row in rows if row[0] is not None]

    async def _newest(
        self, index: str, kind: str, limit: int, fields: Sequence[str] = ("doc",)
    ) -> list[list[str | None]]:
        """`fields` of up to `limit` members of `index`, newest (highest score, then latest
        insert) first."""
        found: list[list[str | None]] = []
        start = 0
        while len(found) < limit:
            members = cast(list[str], await self._r.zrevrange(index, start, start + _PAGE - 1))
            if not members:
                break
            rows = await self._fields(index, members, kind, fields)
            found.extend(rows)
            start += len(rows)
        return found[:limit]

    async def list_sessions(
        self, *, provider: str | None = None, limit: int = 100
    ) -> list[Session]:
        index = self._k("sessions", "p", provider) if provider else self._k("sessions")
        rows = await self._newest(index, "s", limit)
        return [Session.from_dict(json.loads(str(row[0]))) for row in rows]

    async def due_expiries(self, now: float, *, limit: int = 100) -> list[Session]:
        index = self._k("expiring")
        members = cast(list[str], await self._r.zrangebyscore(index, "-inf", num(now), 0, limit))
        rows = await self._fields(index, members, "s", ("doc",))
        return [Session.from_dict(json.loads(str(row[0]))) for row in rows]

    # -- nonces -----------------------------------------------------------------------------
    async def claim_nonce(self, scope: str, nonce: str, expires_at: float) -> bool:
        ttl = int(max(expires_at - time.time(), 0.0) + NONCE_GRACE) + 1
        key = self._k("n", f"{len(scope)}", scope, nonce)
        return bool(await self._r.set(key, "1", nx=True, ex=ttl))

    # -- webhook outbox -----------------------------------------------------------------------
    async def enqueue(self, deliveries: Sequence[Delivery]) -> None:
        result = await self._run(lua.ENQUEUE, *map(delivery_arg, deliveries))
        if isinstance(result, list):
            raise Conflict(f"delivery {result[1]} already exists")

    async def claim_due(
        self, *, now: float, lease_owner: str, lease_now: float, lease_until: float, limit: int
    ) -> list[Delivery]:
        args = [num(now), lease_owner, num(lease_now), num(lease_until), str(limit)]
        docs = cast(list[str], await self._run(lua.CLAIM_DUE, *args))
        return [read_delivery(doc, lease_owner, num(lease_until)) for doc in docs]

    async def _write_delivery(self, delivery: Delivery) -> None:
        args = [delivery.id, unleased_doc(delivery), delivery.status.value]
        await self._run(lua.WRITE_DELIVERY, *args, num(delivery.next_attempt_at), self.retention)

    async def record_attempt(self, delivery: Delivery) -> None:
        await self._write_delivery(delivery)

    async def get_delivery(self, delivery_id: str) -> Delivery | None:
        fields = await self._r.hmget(self._k("d", delivery_id), list(_LEASED))
        doc, owner, until = cast(list[str | None], fields)
        return read_delivery(doc, owner, until) if doc else None

    async def list_deliveries(
        self, *, provider: str | None = None, session_id: str | None = None, limit: int = 200
    ) -> list[Delivery]:
        if session_id is not None:
            index = self._k("deliveries", "s", session_id)
        elif provider is not None:
            index = self._k("deliveries", "p", provider)
        else:
            index = self._k("deliveries")
        both = session_id is not None and provider is not None
        rows = await self._newest(index, "d", 1 << 62 if both else limit, _LEASED)
        found = [read_delivery(str(doc), owner, until) for doc, owner, until in rows]
        return [d for d in found if provider is None or d.provider == provider][:limit]

    async def requeue(self, delivery_id: str, now: float) -> Delivery | None:
        key = self._k("d", delivery_id)
        async with self._r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    fields = await pipe.hmget(key, "doc", "lease_owner", "lease_until")
                    doc, owner, until = cast(list[str | None], fields)
                    if not doc:
                        return None
                    d = read_delivery(doc, owner, until)
                    d.status, d.next_attempt_at, d.run_attempts = DeliveryStatus.PENDING, now, 0
                    d.lease_owner = d.lease_until = None
                    member = cast(str, await pipe.hget(key, "member"))
                    pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
                    pipe.hset(
                        key,
                        mapping={
                            "doc": unleased_doc(d),
                            "status": d.status.value,
                            "next": num(now),
                            "lease_until": "",
                            "lease_owner": "",
                        },
                    )
                    pipe.zadd(self._k("due"), {member: now})
                    pipe.persist(key)
                    await pipe.execute()
                    return d
                except WatchError:
                    continue

    async def next_due_at(self) -> float | None:
        first = cast(
            list[tuple[str, float]], await self._r.zrange(self._k("due"), 0, 0, withscores=True)
        )
        return float(first[0][1]) if first else None

    async def counts(self) -> tuple[int, int]:
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.zcard(self._k("sessions"))
            pipe.zcard(self._k("due"))
            sessions, pending = await pipe.execute()
        return int(sessions), int(pending)

    # -- provider records -------------------------------------------------------------------
    @staticmethod
    def _table(provider: str, kind: str) -> str:
        return f"{len(provider)}:{provider}:{kind}"

    async def insert_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> bool:
        table = self._table(provider, kind)
        return bool(await self._run(lua.PUT_RECORD, table, key, json.dumps(doc), "1"))

    async def put_record(self, provider: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        await self._run(lua.PUT_RECORD, self._table(provider, kind), key, json.dumps(doc), "0")

    async def delete_record(self, provider: str, kind: str, key: str) -> bool:
        table = self._table(provider, kind)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hdel(self._k("r", table), key)
            pipe.zrem(self._k("ro", table), key)
            removed, _ = await pipe.execute()
        return bool(removed)

    async def get_record(self, provider: str, kind: str, key: str) -> dict[str, Any] | None:
        raw = await self._r.hget(self._k("r", self._table(provider, kind)), key)
        return dict(json.loads(raw)) if raw is not None else None

    async def list_records(
        self, provider: str, kind: str, *, limit: int = 1000
    ) -> list[dict[str, Any]]:
        table = self._table(provider, kind)
        keys = cast(list[str], await self._r.zrange(self._k("ro", table), 0, limit - 1))
        if not keys:
            return []
        raws = cast(list[str | None], await self._r.hmget(self._k("r", table), keys))
        return [dict(json.loads(raw)) for raw in raws if raw is not None]

    # -- shared state -----------------------------------------------------------------------------
    async def get_settings(self, provider: str) -> dict[str, Any]:
        raw = await self._r.hget(self._k("settings"), provider)
        return dict(json.loads(raw)) if raw else {}

    async def put_settings(self, provider: str, values: dict[str, Any]) -> None:
        await self._r.hset(self._k("settings"), provider, json.dumps(values))

    async def get_clock_offset(self) -> float:
        raw = await self._r.get(self._k("clock"))
        return float(raw) if raw else 0.0

    async def add_clock_offset(self, seconds: float) -> float:
        return float(await self._r.incrbyfloat(self._k("clock"), seconds))

    async def get_or_create_secret(self, candidate: str) -> str:
        key = self._k("secret")
        await self._r.set(key, candidate, nx=True)
        return str(await self._r.get(key))

    async def reset(self, *, settings: bool = False) -> None:
        keep = {self._k("secret"), self._k("seq")}
        if not settings:
            keep.add(self._k("settings"))
        batch: list[str] = []
        tenants = self.prefix + "@"  # the keys of named tenants (`tenant_store_url`) stay
        async for key in self._r.scan_iter(match=escape_glob(self.prefix) + "*", count=1000):
            if key not in keep and not key.startswith(tenants):
                batch.append(key)
            if len(batch) >= 1000:
                await self._r.unlink(*batch)
                batch.clear()
        if batch:
            await self._r.unlink(*batch)
