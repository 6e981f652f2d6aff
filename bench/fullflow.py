"""The full-flow phase of `bench/run.py`: Gigs Connect flows end to end, closed loop.

Two set-ups, each with a warm-up then `runs` timed windows of `duration` s (median):

* `sqlite`: one `mockprovider serve --store sqlite:…` on the server CPU; the driver and its
  webhook receiver on the load CPU. After the runs, `stepcosts.costs` reads the server's
  CPU per step (a few hundred flows, step by step, with and without webhooks).
* `redis`: a `redis-server` (unpinned) and two `serve --store redis://…` replicas, one per CPU
  (the driver shares the second). Every flow crosses them: half the workers create on
  replica A and open the page and POST the outcome on B, the other half the other way round;
  webhooks come from whichever replica's dispatcher claims them. Skipped, with the reason,
  without `redis-server`.

Why Gigs: it is the provider whose session is created through a real server-to-server API
with a key (as issue 6 asks), whose hosted page is reached through a one-off url (the browser
follows a 303), and whose webhooks are signed with a documented, independently verifiable
scheme (Standard Webhooks), three per flow.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import gigsflow
import hooks
import redisproc
from flowdriver import STEPS, Driver, FlowRun
from phases import CONTENDED
from servers import ServerSpec, wait_quiet
from stepcosts import costs

if TYPE_CHECKING:
    from run import Bench


@dataclass(frozen=True)
class FlowPlan:
    runs: int
    duration: float
    warmup: float
    concurrency: int
    cost_flows: int


def plan_of(bench: Bench) -> FlowPlan:
    args = bench.args
    return FlowPlan(
        runs=args.runs,
        duration=args.full_flow_duration,
        warmup=min(args.full_flow_duration, 2.0 if args.quick else 5.0),
        concurrency=args.full_flow_concurrency,
        cost_flows=200 if args.quick else 500,
    )


def line(label: str, name: str, run: FlowRun) -> str:
    s = run.summary()
    steps = "  ".join(f"{k} {s[f'{k}_p50_ms']}/{s[f'{k}_p99_ms']}" for k in STEPS)
    flag = "  (contended)" if run.foreign_cores > CONTENDED else ""
    return (
        f"  {label:<22} {name:<8} {s['flows_per_s']:>7,.1f} flows/s  {s['completed']} done "
        f"(+{s['drained']} drained), errors {s['errors'] or 0}; CPU "
        f"{s['server_cpu_ms_per_flow']} ms/flow, driver {s['driver_cores']} core; "
        f"p50/p99 ms: {steps}{flag}"
    )


def combine(runs: list[FlowRun], warm: FlowRun | None) -> dict[str, Any]:
    """Medians of the runs; errors summed over the runs (the warm-up's reported apart)."""
    found = [r.summary() for r in runs]

    def median(key: str) -> float | None:
        values = [float(f[key]) for f in found if f[key] is not None]
        return round(statistics.median(values), 2) if values else None

    errors: dict[str, int] = {}
    for f in found:
        for kind, n in f["errors"].items():
            errors[kind] = errors.get(kind, 0) + n
    out: dict[str, Any] = {
        "flows_per_s": median("flows_per_s"),
        "flows_per_s_all": [f["flows_per_s"] for f in found],
        "server_cpu_ms_per_flow": median("server_cpu_ms_per_flow"),
        "driver_cores": median("driver_cores"),
        "errors": errors,
        "error_count": sum(errors.values()),
        "contended_runs": sum(f["foreign_cores"] > CONTENDED for f in found),
        "warmup": warm.summary() if warm else None,
        "runs": found,
    }
    for step in STEPS:
        out[f"{step}_p50_ms"] = median(f"{step}_p50_ms")
        out[f"{step}_p99_ms"] = median(f"{step}_p99_ms")
    return out


async def series(
    bench: Bench,
    label: str,
    routes: list[tuple[int, int]],
    pids: list[int],
    cpu: int | None,
    cost: bool,
) -> dict[str, Any]:
    plan = plan_of(bench)
    receiver = hooks.HookReceiver()
    server, url = await hooks.serve(receiver)
    try:
        for port in sorted({p for route in routes for p in route}):
            gigs = await gigsflow.settings(port, {"webhook_url": url})
        receiver.use_secret(str(gigs["webhook_secret"]))
        driver = Driver(receiver, gigs, routes, plan.concurrency)
        warm = await driver.run(plan.warmup, pids, cpu) if plan.warmup > 0 else None
        if warm:
            print(line(label, "warm-up", warm), flush=True)
        runs = []
        for n in range(plan.runs):
            if cpu is not None and bench.plan.quiet_budget > 0:
                waited = wait_quiet(cpu, pids[0], min(3.0, bench.plan.quiet_budget))
                bench.plan.quiet_budget -= waited
            runs.append(await driver.run(plan.duration, pids, cpu))
            print(line(label, f"run {n + 1}", runs[-1]), flush=True)
        found = combine(runs, warm)
        if cost:
            port, n = routes[0][0], plan.cost_flows
            found["step_cpu_us"] = await costs(receiver, gigs, port, pids[0], cpu, n)
            print(f"  {label:<22} server CPU µs per step: {found['step_cpu_us']}", flush=True)
        found["late_events_of_failed_flows"] = receiver.after_failure
        found["webhook_requests"] = receiver.events
    finally:
        await receiver.close()
        server.close()
        await server.wait_closed()
    return found | {"concurrency": plan.concurrency, "duration_s": plan.duration}


def sqlite(bench: Bench) -> dict[str, Any]:
    plan = plan_of(bench)
    print(
        f"full flow [sqlite]: {plan.concurrency} Gigs flows in flight, warm-up "
        f"{plan.warmup:g} s, {plan.runs} x {plan.duration:g} s",
        flush=True,
    )
    proc = ServerSpec.mockprovider("sqlite").start(bench.pinning, bench.workdir, "fullflow")
    try:
        route = [(proc.port, proc.port)]
        cpu = bench.pinning.server_cpu
        return bench.loop(series(bench, "sqlite, 1 server", route, [proc.pid], cpu, True))
    finally:
        proc.stop()


def redis_pair(bench: Bench) -> dict[str, Any]:
    why = redisproc.missing()
    if why:
        print(f"full flow [redis, 2 replicas]: skipped: {why}", flush=True)
        return {"skipped": why}
    print("full flow [redis, 2 replicas]: every flow created on one, completed on the other")
    redis = redisproc.start(bench.workdir / "fullflow-redis")
    try:
        spec = ServerSpec.mockprovider(redisproc.url(redis))
        pin = bench.pinning
        second = replace(pin, server=pin.load, server_cpu=pin.load_cpu)
        a = spec.start(pin, bench.workdir, "fullflow-redis-a")
        try:
            b = spec.start(second, bench.workdir, "fullflow-redis-b")
            try:
                routes = [(a.port, b.port), (b.port, a.port)]
                pids = [a.pid, b.pid, redis.pid]
                job = series(bench, "redis, 2 replicas", routes, pids, None, False)
                return bench.loop(job)
            finally:
                b.stop()
        finally:
            a.stop()
    finally:
        redis.stop()


def run(bench: Bench) -> dict[str, Any]:
    return {"sqlite": sqlite(bench), "redis": redis_pair(bench)}
