"""The growth rows: hosted page and outcome POST req/s, a provider-filtered listing and the
SQLite file's size with 10,000, 100,000 and 1,000,000 sessions already stored.

The store is seeded directly through SQL, not HTTP: one real Topiic session is opened and
completed through the server (so its stored document and its webhook's are the real shapes),
then copied under fresh ids with `executemany`, in chunks, from the bench process — nine in
ten finished with a delivered webhook, one in ten still opened and expiring in a year (so the
expiry index holds them but nothing is due), spread over the five providers' names so the
provider-filtered listings have work. Sizes grow in place: the 100,000 store is the 10,000 one
plus 90,000. After each seed the WAL is checkpointed, then a fresh server measures, on the
same pinned core and the same way as the main throughput rows, the page (one URL) and the POST
(fresh forms), plus the median time of `GET /_sandbox/sessions?provider=finapi&limit=100`.
The size is the database file (+ `-wal`/`-shm`) after that server's clean stop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flows
import webhooks
from phases import FixedGet, FormPool, measure
from rawhttp import Connection
from report import Row
from servers import ServerSpec

if TYPE_CHECKING:
    from run import Bench

SIZES = (10_000, 100_000, 1_000_000)
PROVIDERS = ("topiic", "gigs", "bridge", "yapily", "finapi")
_CHUNK = 50_000
_YEAR = 365 * 86_400.0


def _templates(db: Path) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The stored rows of one finished session and of its delivery."""
    with sqlite3.connect(db) as conn:
        session = conn.execute(
            "SELECT id, provider, status, created_at, expires_at, doc FROM sessions"
            " WHERE status = 'finished' LIMIT 1"
        ).fetchone()
        delivery = conn.execute(
            "SELECT id, provider, session_id, status, next_attempt_at, lease_until, lease_owner,"
            " created_at, doc FROM deliveries WHERE session_id = ?",
            (session[0],),
        ).fetchone()
    return session, delivery


def seed(db: Path, start: int, stop: int) -> float:
    """Add sessions `start`..`stop`-1 (copies of the templates); seconds it took."""
    began = time.monotonic()
    session, delivery = _templates(db)
    sid, did = session[0], delivery[0]
    now = time.time()
    with sqlite3.connect(db, isolation_level=None) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        for low in range(start, stop, _CHUNK):
            rows, hooks = [], []
            for n in range(low, min(low + _CHUNK, stop)):
                new_sid, new_did = f"seed{n:08d}", f"dlv_seed{n:08d}"
                provider = PROVIDERS[n % len(PROVIDERS)]
                created = now - 86_400 + n * 1e-3
                doc = session[5].replace(sid, new_sid)
                if n % 10 == 9:
                    doc = doc.replace('"status": "finished"', '"status": "opened"')
                    rows.append((new_sid, provider, "opened", created, now + _YEAR, doc))
                    continue
                rows.append((new_sid, provider, "finished", created, session[4], doc))
                body = delivery[8].replace(sid, new_sid).replace(did, new_did)
                hooks.append(
                    (new_did, provider, new_sid, "delivered", None, None, None, created, body)
                )
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO sessions (id, provider, status, created_at, expires_at, doc)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "INSERT INTO deliveries (id, provider, session_id, status, next_attempt_at,"
                " lease_until, lease_owner, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                hooks,
            )
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.monotonic() - began


async def listing_ms(port: int, runs: int = 21) -> float:
    """Median ms of one provider-filtered session listing through the control API."""
    conn = Connection(port)
    found = []
    try:
        for _ in range(runs):
            began = time.perf_counter()
            status, _, _ = await conn.request("GET", "/_sandbox/sessions?provider=finapi&limit=100")
            found.append((time.perf_counter() - began) * 1000)
            if status != 200:
                raise RuntimeError(f"listing answered {status}")
    finally:
        conn.close()
    return round(statistics.median(found), 2)


def file_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(f"{db.name}*") if p.is_file())


def one_size(bench: Bench, spec: ServerSpec, db: Path, hold_url: str, count: int) -> dict[str, Any]:
    proc = spec.start(bench.pinning, bench.workdir, "growth")
    try:
        asyncio.run(flows.put_webhook_url(proc.port, hold_url))
        page = asyncio.run(flows.create_forms(proc.port, 1))[0].page_path
        label = f"growth {count:,}"
        gets = measure(
            f"{label}: hosted page GET", proc, FixedGet(page), bench.generator, bench.plan
        )
        pool = FormPool(proc.port, bench.workdir, rate_guess=max(gets.rps, 500.0))
        plan = replace(bench.plan, warmup=min(bench.plan.warmup, 1.0))
        posts = measure(f"{label}: outcome POST 303", proc, pool, bench.generator, plan)
        bench.plan.quiet_budget = plan.quiet_budget
        listing = asyncio.run(listing_ms(proc.port))
    finally:
        proc.stop()
    size = file_bytes(db)
    print(
        f"  {label} sessions: page {gets.rps:,.0f} req/s ({gets.cpu_us:,.0f} µs CPU), "
        f"POST {posts.rps:,.0f} req/s ({posts.cpu_us:,.0f} µs CPU), "
        f"listing {listing} ms, file {size / 2**20:,.1f} MiB ({size / count:,.0f} B/session)",
        flush=True,
    )
    return {"sessions": count, "page": gets, "post": posts, "listing_ms": listing, "bytes": size}


def run(bench: Bench, hold_url: str) -> dict[str, Any]:
    sizes = bench.args.growth_sizes
    print(f"growth: page and POST with {', '.join(f'{n:,}' for n in sizes)} sessions stored")
    spec = ServerSpec.mockprovider("sqlite")
    db = bench.workdir / "growth" / "bench.db"
    proc = spec.start(bench.pinning, bench.workdir, "growth")
    try:  # one real session and webhook to copy
        asyncio.run(flows.put_webhook_url(proc.port, hold_url))
        forms = asyncio.run(flows.create_forms(proc.port, 1))
        asyncio.run(webhooks.complete_all(proc.port, forms, 1))
    finally:
        proc.stop()
    found: dict[str, Any] = {"sizes": []}
    have = 0
    for count in sizes:
        took = seed(db, have, count)
        print(f"  seeded {count - have:,} sessions in {took:.1f} s", flush=True)
        have = count
        found["sizes"].append(one_size(bench, spec, db, hold_url, count) | {"seed_s": took})
    return found


def serializable(found: dict[str, Any]) -> dict[str, Any]:
    sizes = [
        {**one, "page": one["page"].summary(), "post": one["post"].summary()}
        for one in found["sizes"]
    ]
    return {"sizes": sizes}


def growth_rows(found: dict[str, Any]) -> list[Row]:
    """Per size: page and POST requests per server CPU-second (robust to other processes on
    the core; wall-clock req/s are in the progress lines and the JSON) and listing ms, each
    against the smallest size (ratio 1.0 = flat), and bytes per stored session."""
    sizes = found["sizes"]
    if not sizes:
        return []
    first = sizes[0]
    base = f"vs {first['sessions']:,}"
    out: list[Row] = []
    for one in sizes:
        n = f"{one['sessions']:,} sessions stored"
        out += [
            Row(f"page GET per CPU-s, {n}", one["page"].capacity, first["page"].capacity,
                "req/s", note=base),
            Row(f"outcome POST per CPU-s, {n}", one["post"].capacity, first["post"].capacity,
                "req/s", note=base),
            Row(f"listing by provider, {n}", one["listing_ms"], first["listing_ms"], "ms",
                note=base),
            Row(f"SQLite file per session, {n}", one["bytes"] / one["sessions"], None, "B",
                note=f"{one['bytes'] / 2**20:,.0f} MiB in all"),
        ]  # fmt: skip
    return out
