"""Bytes per stored session, for the SQLite and the Redis store.

The same job for both: `count` Topiic sessions opened (deep link → hosted page viewed), each
outcome POSTed (`success`), each webhook queued to the receiver's `/hold` path (which never
answers, so the deliveries stay pending, as they would for an unreachable endpoint).

* SQLite: the database file (+ `-wal`/`-shm`) after a clean stop, minus the same file after a
  start that only set the webhook URL, ÷ `count`.
* Redis: `INFO memory` used_memory after minus before (the server already started, the webhook
  URL set), ÷ `count`; plus `MEMORY USAGE` of one session's key (its hash alone: the outbox,
  records and index entries are the rest).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import flows
import redisproc
import webhooks
from procs import Pinning
from servers import ServerSpec

COUNT = 2000


async def _fill(port: int, count: int) -> tuple[int, str]:
    """Open, view and complete `count` sessions: (303s seen, one session id)."""
    forms = await flows.create_forms(port, count)
    _, ok = await webhooks.complete_all(port, forms, 16)
    return ok, forms[0].session_id if forms else ""


def sqlite_bytes(pinning: Pinning, workdir: Path, hold_url: str, count: int) -> dict[str, Any]:
    """SQLite file growth per session opened (page viewed) and completed, after a clean stop."""
    spec = ServerSpec.mockprovider("sqlite")
    tag = "size-sqlite"
    db = workdir / tag / "bench.db"

    def size() -> int:
        return sum(p.stat().st_size for p in db.parent.glob("bench.db*") if p.is_file())

    proc = spec.start(pinning, workdir, tag)
    asyncio.run(flows.put_webhook_url(proc.port, hold_url))
    proc.stop()
    empty = size()
    proc = spec.start(pinning, workdir, tag)
    try:
        ok, _ = asyncio.run(_fill(proc.port, count))
    finally:
        proc.stop()
    full = size()
    found = {
        "sessions": count,
        "completed_303": ok,
        "empty_bytes": empty,
        "full_bytes": full,
        "bytes_per_session": round((full - empty) / count, 1),
    }
    print(
        f"  SQLite: {count} sessions opened and completed: {empty:,} → {full:,} bytes, "
        f"{found['bytes_per_session']:,.0f} bytes per session",
        flush=True,
    )
    return found


def redis_bytes(pinning: Pinning, workdir: Path, hold_url: str, count: int) -> dict[str, Any]:
    """Redis used_memory growth per session; {"skipped": why} without redis-server."""
    why = redisproc.missing()
    if why:
        print(f"  Redis: skipped: {why}", flush=True)
        return {"skipped": why}
    redis = redisproc.start(workdir / "size-redis", pinning.load)
    try:
        proc = ServerSpec.mockprovider(redisproc.url(redis)).start(pinning, workdir, "size-redis")
        try:
            asyncio.run(flows.put_webhook_url(proc.port, hold_url))
            before = redisproc.used_memory(redis)
            ok, session_id = asyncio.run(_fill(proc.port, count))
            after = redisproc.used_memory(redis)
            one_key = redisproc.key_usage(redis, f"mockprovider:s:{session_id}")
        finally:
            proc.stop()
    finally:
        redis.stop()
    found = {
        "sessions": count,
        "completed_303": ok,
        "used_memory_before": before,
        "used_memory_after": after,
        "bytes_per_session": round((after - before) / count, 1),
        "session_key_bytes": one_key,
    }
    print(
        f"  Redis: {count} sessions opened and completed: used_memory {before:,} → {after:,}, "
        f"{found['bytes_per_session']:,.0f} bytes per session (MEMORY USAGE of one session "
        f"key: {one_key:,} bytes)",
        flush=True,
    )
    return found


def both(pinning: Pinning, workdir: Path, hold_url: str, count: int = COUNT) -> dict[str, Any]:
    print(f"bytes per stored session: {count} sessions opened and completed", flush=True)
    return {
        "sqlite": sqlite_bytes(pinning, workdir, hold_url, count),
        "redis": redis_bytes(pinning, workdir, hold_url, count),
    }
