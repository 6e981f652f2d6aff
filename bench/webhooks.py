"""Webhook delivery: complete K sessions as fast as the server takes them and time the arrivals.

Each outcome POST's send time and each webhook's arrival time are `time.monotonic()` readings
(one clock for every process on the machine), matched by session id. Deliveries/s is K over
the time from the first POST to the last arrival; lag is arrival minus that session's POST.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import time
from typing import Any

import flows
from procs import Pinning, python_exe
from rawhttp import Connection
from servers import HERE

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def complete_all(
    port: int, forms: list[flows.Form], connections: int
) -> tuple[dict[str, float], int]:
    """POST every form's `success` outcome; send times by session id, and the 303 count."""
    sent: dict[str, float] = {}
    ok = 0
    queue = iter(forms)

    async def worker() -> None:
        nonlocal ok
        conn = Connection(port)
        try:
            for form in queue:
                sent[form.session_id] = time.monotonic()
                status, _, _ = await conn.request(
                    "POST", form.action_path, form.body().encode(), FORM
                )
                ok += status == 303
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return sent, ok


async def receiver_call(port: int, method: str, path: str) -> dict[str, Any]:
    conn = Connection(port)
    try:
        _, _, body = await conn.request(method, path)
    finally:
        conn.close()
    answer: dict[str, Any] = json.loads(body)
    return answer


async def wait_arrivals(recv_port: int, ids: set[str], timeout: float) -> dict[str, float]:
    """Poll the receiver until every id arrived or `timeout` passed; arrivals of those ids."""
    deadline = time.monotonic() + timeout
    while True:
        arrivals: dict[str, float] = (await receiver_call(recv_port, "GET", "/_arrivals"))[
            "arrivals"
        ]
        if ids <= arrivals.keys() or time.monotonic() > deadline:
            return {k: v for k, v in arrivals.items() if k in ids}
        await asyncio.sleep(0.1)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))] if ordered else 0.0


async def paced(
    port: int, forms: list[flows.Form], rate: float, connections: int = 8
) -> dict[str, float]:
    """POST the forms open-loop at `rate`/s (the i-th at t0 + i/rate); send times by id."""
    sent: dict[str, float] = {}
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(port))

    async def one(form: flows.Form) -> None:
        conn = await pool.get()
        try:
            sent[form.session_id] = time.monotonic()
            await conn.request("POST", form.action_path, form.body().encode(), FORM)
        finally:
            pool.put_nowait(conn)

    tasks = []
    t0 = time.monotonic()
    for index, form in enumerate(forms):
        await asyncio.sleep(max(0.0, t0 + index / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(form)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    return sent


def lag_stats(sent: dict[str, float], arrivals: dict[str, float]) -> dict[str, Any]:
    lags = [arrivals[sid] - t for sid, t in sent.items() if sid in arrivals]
    if not lags:
        return {"delivered": 0, "lag_p50_ms": None, "lag_p99_ms": None, "lag_max_ms": None}
    return {
        "delivered": len(lags),
        "lag_p50_ms": round(statistics.median(lags) * 1000, 1),
        "lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
        "lag_max_ms": round(max(lags) * 1000, 1),
    }


async def deliver(
    port: int,
    recv_port: int,
    count: int,
    *,
    connections: int = 16,
    warmup: int = 100,
    paced_rate: float = 100.0,
    paced_seconds: float = 3.0,
) -> dict[str, Any]:
    """Warm the dispatcher with `warmup` sessions; time `count` more completed as fast as the
    server accepts them (throughput, lag under a backlog); then lag at `paced_rate`/s."""
    await flows.put_webhook_url(port, f"http://127.0.0.1:{recv_port}/hooks")
    n_paced = int(paced_rate * paced_seconds)
    forms = await flows.create_forms(port, warmup + count + n_paced)
    warm, burst, slow = forms[:warmup], forms[warmup : warmup + count], forms[warmup + count :]
    sent, _ = await complete_all(port, warm, connections)
    await wait_arrivals(recv_port, set(sent), timeout=30.0)
    await receiver_call(recv_port, "POST", "/_reset")

    sent, ok = await complete_all(port, burst, connections)
    triggers_done = time.monotonic()
    arrivals = await wait_arrivals(recv_port, set(sent), timeout=max(30.0, count / 20))
    first = min(sent.values())
    last = max(arrivals.values(), default=first)
    found: dict[str, Any] = {
        "sessions": count,
        "posts_303": ok,
        "triggers_per_s": round(count / max(triggers_done - first, 1e-6), 1),
        "deliveries_per_s": round(len(arrivals) / max(last - first, 1e-6), 1),
        "seconds": round(last - first, 2),
        **lag_stats(sent, arrivals),
    }
    sent = await paced(port, slow, paced_rate)
    arrivals = await wait_arrivals(recv_port, set(sent), timeout=30.0)
    found["paced"] = {"rate": paced_rate, "sessions": n_paced, **lag_stats(sent, arrivals)}
    return found


def client_floor(pinning: Pinning, recv_port: int, count: int) -> dict[str, Any]:
    """The bare httpx client, with the dispatcher's limits, on the server's CPU."""
    argv = [
        *pinning.server,
        python_exe(),
        str(HERE / "client_floor.py"),
        "--url",
        f"http://127.0.0.1:{recv_port}/floor",
        "--count",
        str(count),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer
