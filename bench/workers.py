"""The workers rows: `serve --workers 2` against one worker, on SQLite and on Redis, for the
hosted page, the outcome POST and the full Gigs flow; plus, on SQLite with one worker, the
store's group commit and read cache switched off (`?group_commit=0&cache=0`), the same way.

Every configuration runs the same way in the same run, so the ratios compare like with like:
the server is *not* pinned (a second worker needs the second core), while wrk and the flow
driver stay on CPU 1, so on a 2-core machine the workers share that core with the load
generator, and 2x is out of reach by construction. The factor is what the second core buys on
this machine. Redis runs unpinned too; its CPU is not counted in the per-request CPU. Each
setup gets a fresh store (its own SQLite file, its own Redis key prefix): deliveries left
pending at the receiver's `/hold` by one setup's POST runs would otherwise hold the next one's
dispatchers.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import flows
import fullflow
import redisproc
from phases import FixedGet, FormPool, measure
from report import Row
from servers import ServerSpec

if TYPE_CHECKING:
    from run import Bench

#: (row label, store kind, query string added to the SQLite URL, workers)
SETUPS = (
    ("sqlite, 1 worker", "sqlite", "", 1),
    ("sqlite, 1 worker, no group commit or cache", "sqlite", "?group_commit=0&cache=0", 1),
    ("sqlite, 1 worker, 1 ms commit window", "sqlite", "?commit_window_ms=1", 1),
    ("sqlite, 2 workers", "sqlite", "", 2),
    ("redis, 1 worker", "redis", "", 1),
    ("redis, 2 workers", "redis", "", 2),
)


def spec_of(store_url: str, workers: int) -> ServerSpec:
    base = ServerSpec.mockprovider(store_url)
    return replace(base, argv=(*base.argv, "--workers", str(workers)))


def one(bench: Bench, label: str, store_url: str, workers: int, hold_url: str) -> dict[str, Any]:
    pinning = replace(bench.pinning, server=[], server_cpu=None)
    plan = replace(bench.plan, server_cpu=None)
    tag = "workers-" + label.replace(", ", "-").replace(" ", "_")
    proc = spec_of(store_url, workers).start(pinning, bench.workdir, tag)
    try:
        flows_found = bench.loop(
            fullflow.series(bench, label, [(proc.port, proc.port)], [proc.pid], None, False)
        )
        asyncio.run(flows.put_webhook_url(proc.port, hold_url))
        page = asyncio.run(flows.create_forms(proc.port, 1))[0].page_path
        gets = measure(f"{label}: hosted page GET", proc, FixedGet(page), bench.generator, plan)
        pool = FormPool(proc.port, bench.workdir, rate_guess=max(gets.rps, 500.0))
        post_plan = replace(plan, warmup=min(plan.warmup, 1.0))
        posts = measure(f"{label}: outcome POST 303", proc, pool, bench.generator, post_plan)
        bench.plan.quiet_budget = post_plan.quiet_budget
    finally:
        proc.stop()
    return {"page": gets, "post": posts, "flow": flows_found}


def run(bench: Bench, hold_url: str) -> dict[str, Any]:
    print("workers: --workers 1 and 2 (server unpinned), SQLite and Redis", flush=True)
    found: dict[str, Any] = {}
    why = redisproc.missing()
    redis = None if why else redisproc.start(bench.workdir / "workers-redis")
    try:
        for label, kind, query, workers in SETUPS:
            if kind == "redis" and redis is None:
                found[label] = {"skipped": why}
                continue
            if kind == "redis" and redis is not None:  # a fresh sandbox on the same Redis
                url = f"{redisproc.url(redis)}?prefix=w{workers}:"
            else:
                url = f"sqlite:{{tmp}}/bench.db{query}"
            found[label] = one(bench, label, url, workers, hold_url)
    finally:
        if redis is not None:
            redis.stop()
    return found


def serializable(found: dict[str, Any]) -> dict[str, Any]:
    return {
        label: one
        if "skipped" in one
        else {**one, "page": one["page"].summary(), "post": one["post"].summary()}
        for label, one in found.items()
    }


def _ratio_rows(found: dict[str, Any], label: str, base: str) -> list[Row]:
    one, ref = found.get(label), found.get(base)
    if not one or not ref or "skipped" in one or "skipped" in ref:
        return []
    note = f"vs {base}"
    return [
        Row(f"page GET req/s [{label}]", one["page"].rps, ref["page"].rps, "req/s", note=note),
        Row(f"outcome POST req/s [{label}]", one["post"].rps, ref["post"].rps, "req/s",
            note=note),
        Row(f"full flow flows/s [{label}]", one["flow"]["flows_per_s"],
            ref["flow"]["flows_per_s"], "flows/s",
            note=f"{note}; errors {one['flow']['error_count']}"),
    ]  # fmt: skip


def _cost_rows(found: dict[str, Any], label: str, base: str) -> list[Row]:
    """Per server CPU-second (page, POST) and CPU ms per flow: what a store option changes,
    robust to other processes sharing the cores."""
    one, ref = found.get(label), found.get(base)
    if not one or not ref:
        return []
    note = f"vs {base}"
    return [
        Row(f"page GET per CPU-s [{label}]", one["page"].capacity, ref["page"].capacity,
            "req/s", note=note),
        Row(f"outcome POST per CPU-s [{label}]", one["post"].capacity, ref["post"].capacity,
            "req/s", note=note),
        Row(f"full flow CPU per flow [{label}]", one["flow"]["server_cpu_ms_per_flow"],
            ref["flow"]["server_cpu_ms_per_flow"], "ms", note=note),
    ]  # fmt: skip


def workers_rows(found: dict[str, Any]) -> list[Row]:
    """Each setup against its one-worker default: the scaling factor (ratio) of a second
    worker (wall clock), and what group commit, the cache and a commit window change on
    SQLite (per CPU-second)."""
    out: list[Row] = []
    for store in ("sqlite", "redis"):
        base = f"{store}, 1 worker"
        out += _ratio_rows(found, base, base)
        out += _ratio_rows(found, f"{store}, 2 workers", base)
    off = "sqlite, 1 worker, no group commit or cache"
    out += _ratio_rows(found, "sqlite, 1 worker", off)
    out += _cost_rows(found, "sqlite, 1 worker", off)
    out += _cost_rows(found, "sqlite, 1 worker, 1 ms commit window", "sqlite, 1 worker")
    return out
