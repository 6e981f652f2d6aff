"""`make bench`: mockprovider over a real socket, against a bare Starlette and a raw ASGI hello.

One run measures, with the server pinned to one CPU (0) and everything else on another (1):

* start-up to the first 200 on `/_sandbox/health` (median of 5 fresh starts);
* hosted page GET req/s and outcome POST req/s (303 + webhook queued), for the SQLite and the
  memory store: warm-up, then 3 timed runs, median; the same load on both hello worlds' `GET /`;
* webhook deliveries/s and lag to a local receiver, and a bare httpx client's floor;
* the full Gigs flow, closed loop (`fullflow.py`): one SQLite server, and two replicas on Redis;
* bytes per stored session, SQLite and Redis (`sizes.py`);
* RSS idle after start and after the load.

It prints a table and writes it as JSON to `bench/results/<UTC time>.json`. Targets are
reported, never asserted: the exit status is 0 whenever the run itself worked.

    .venv/bin/python bench/run.py [--quick] [--duration S] [--connections N]
    .venv/bin/python bench/run.py --only fullflow [--full-flow-duration S]   # one phase
    .venv/bin/python bench/run.py --peers [--quick]    # against WireMock, Mockoon, mountebank
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import accountdata
import flows
import fullflow
import growth
import peers
import sizes
import webhooks
import workers
from flowsummary import flow_table
from load import INSTALL_HINT, Generator, wrk_path
from options import options
from phases import FixedGet, FormPool, Plan, measure
from procs import (
    Pinning,
    Proc,
    compile_bytecode,
    free_port,
    http_status,
    launch,
    python_exe,
    rss_mib,
)
from report import Row, table, write_json
from servers import HERE, ServerSpec
from summary import machine, notes, rows

T = TypeVar("T")
STORES = ("sqlite", "memory")
#: The two hello worlds every throughput figure is compared with, measured in the same run.
HELLOS = {"starlette": ServerSpec.baseline(), "raw_asgi": ServerSpec.raw_asgi()}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pinning = Pinning.detect()
        self.pinning.pin_self()
        compile_bytecode()
        self.generator = Generator(self.pinning.load, args.connections, not args.no_wrk)
        self.plan = Plan(
            runs=args.runs,
            duration=args.duration,
            warmup=args.warmup,
            quiet_budget=args.quiet_wait,
            server_cpu=self.pinning.server_cpu,
        )
        self.workdir = Path(tempfile.mkdtemp(prefix="mockprovider-bench-"))
        self.details: dict[str, Any] = {}
        self.receiver: Proc | None = None

    def start_receiver(self) -> int:
        port = free_port()
        argv = [python_exe(), str(HERE / "receiver.py"), "--port", str(port)]
        log = self.workdir / "receiver.log"
        self.receiver = launch(
            "receiver", argv, cwd=self.workdir, log=log, prefix=self.pinning.load
        )
        self.receiver.port = port
        for _ in range(1000):
            if http_status(port, "/_arrivals") == 200:
                return port
            time.sleep(0.01)
        raise RuntimeError(f"the webhook receiver did not start:\n{self.receiver.tail()}")

    def startups(self) -> dict[str, Any]:
        """Fresh starts of the Starlette hello and of `serve` on each HTTP server; the idle
        RSS of each start right after its first 200 (the median of those is reported)."""
        print(f"start-up to first 200, {self.args.starts} fresh starts each", flush=True)
        specs = [ServerSpec.baseline()]
        specs += [ServerSpec.mockprovider("sqlite", server) for server in self.args.servers]
        found: dict[str, list[float]] = {spec.name: [] for spec in specs}
        rss: dict[str, list[float]] = {spec.name: [] for spec in specs}
        for n in range(self.args.starts):
            for spec in specs:
                proc = spec.start(self.pinning, self.workdir, f"start-{spec.name}-{n}")
                found[spec.name].append(proc.extra["startup_s"])
                rss[spec.name].append(rss_mib(proc.pid))
                proc.stop()
        for name, values in found.items():
            print(
                f"  {name:<30} "
                + "  ".join(f"{v:.3f}" for v in values)
                + " s; RSS "
                + "  ".join(f"{v:.1f}" for v in rss[name])
                + " MiB",
                flush=True,
            )
        return {"seconds": found, "rss_idle_mib": rss}

    def baselines(self) -> dict[str, dict[str, Any]]:
        """Both hello worlds' `GET /`, one after the other, the same way."""
        found = {}
        for name, spec in HELLOS.items():
            proc = spec.start(self.pinning, self.workdir, name)
            try:
                idle = rss_mib(proc.pid)
                label = f"{name} hello GET /"
                series = measure(label, proc, FixedGet("/"), self.generator, self.plan)
                found[name] = {
                    "get": series,
                    "rss_idle_mib": idle,
                    "rss_after_mib": rss_mib(proc.pid),
                }
            finally:
                proc.stop()
        return found

    def product(self, store: str, hold_url: str) -> dict[str, Any]:
        proc = ServerSpec.mockprovider(store).start(self.pinning, self.workdir, f"serve-{store}")
        try:
            idle = rss_mib(proc.pid)
            asyncio.run(flows.put_webhook_url(proc.port, hold_url))
            page = asyncio.run(flows.create_forms(proc.port, 1))[0].page_path
            gets = measure(
                f"{store}: hosted page GET", proc, FixedGet(page), self.generator, self.plan
            )
            pool = FormPool(proc.port, self.workdir, rate_guess=max(gets.rps, 500.0))
            # Every POST needs a fresh session, which costs more than the POST: warm up 1 s.
            plan = replace(self.plan, warmup=min(self.plan.warmup, 1.0))
            posts = measure(f"{store}: outcome POST 303", proc, pool, self.generator, plan)
            self.plan.quiet_budget = plan.quiet_budget
            print(
                f"  {store}: {pool.created:,} sessions opened for the POST runs "
                f"in {pool.create_s:.1f} s ({pool.created / max(pool.create_s, 1e-6):,.0f}/s)",
                flush=True,
            )
            return {
                "page": gets,
                "post": posts,
                "rss_idle_mib": idle,
                "rss_after_mib": rss_mib(proc.pid),
                "sessions_created": pool.created,
                "session_create_s": round(pool.create_s, 2),
                "startup_s": proc.extra["startup_s"],
            }
        finally:
            proc.stop()

    def deliveries(self, recv_port: int) -> dict[str, Any]:
        count = self.args.webhooks
        print(f"webhooks: {count} outcome POSTs as fast as accepted, then paced", flush=True)
        proc = ServerSpec.mockprovider("sqlite").start(self.pinning, self.workdir, "webhooks")
        try:
            job = webhooks.deliver(proc.port, recv_port, count, paced_rate=self.args.paced_rate)
            found = asyncio.run(job)
        finally:
            proc.stop()
        print(
            f"  {found['delivered']}/{count} delivered, {found['deliveries_per_s']:,.0f}/s, "
            f"lag p50 {found['lag_p50_ms']} ms, p99 {found['lag_p99_ms']} ms; "
            f"at {found['paced']['rate']:g}/s: lag p50 {found['paced']['lag_p50_ms']} ms, "
            f"p99 {found['paced']['lag_p99_ms']} ms",
            flush=True,
        )
        floor = webhooks.client_floor(self.pinning, recv_port, count)
        print(f"  bare httpx client floor: {floor['deliveries_per_s']:,.0f}/s", flush=True)
        return {"mockprovider": found, "httpx_floor": floor}

    def loop(self, job: Coroutine[Any, Any, T]) -> T:
        """Run `job` on uvloop when installed (as the servers do), else asyncio."""
        try:
            import uvloop
        except ImportError:
            return asyncio.run(job)
        return uvloop.run(job)

    def run(self) -> list[Row]:
        started = time.monotonic()
        only = self.args.only
        print(f"load generator: {self.generator.name}; {self.pinning.note}", flush=True)
        print(f"phases: {', '.join(only)}", flush=True)
        found: dict[str, Any] = {}
        recv_port = self.start_receiver()
        hold_url = f"http://127.0.0.1:{recv_port}/hold"
        if "startup" in only:
            found["startups"] = self.startups()
        if "throughput" in only:
            found["hellos"] = self.baselines()
            found["stores"] = {store: self.product(store, hold_url) for store in STORES}
        if "webhooks" in only:
            found["hooks"] = self.deliveries(recv_port)
        if "fullflow" in only:
            found["fullflow"] = fullflow.run(self)
        if "data" in only:
            found["data"] = accountdata.run(self)
        if "growth" in only:
            found["growth"] = growth.run(self, hold_url)
        if "workers" in only:
            found["workers"] = workers.run(self, hold_url)
        if "sizes" in only:
            found["sizes"] = sizes.both(
                self.pinning, self.workdir, hold_url, self.args.sessions_sized
            )
        self.details.update(serializable(found), elapsed_s=round(time.monotonic() - started, 1))
        return rows(found)

    def close(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()
        if self.args.keep_tmp:
            print(f"servers' files and logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def serializable(found: dict[str, Any]) -> dict[str, Any]:
    """The run's findings for the JSON file: each `Series` as its summary."""
    out = dict(found)
    if "hellos" in found:
        out["hellos"] = {
            name: {**h, "get": h["get"].summary()} for name, h in found["hellos"].items()
        }
    if "stores" in found:
        out["stores"] = {
            name: {**f, "page": f["page"].summary(), "post": f["post"].summary()}
            for name, f in found["stores"].items()
        }
    if "growth" in found:
        out["growth"] = growth.serializable(found["growth"])
    if "workers" in found:
        out["workers"] = workers.serializable(found["workers"])
    if "data" in found:
        data = found["data"]
        out["data"] = {**data, "page": data["page"].summary(), "data": data["data"].summary()}
    return out


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    if wrk_path() is None and not args.no_wrk:
        print(
            f"wrk is not installed: using the slower Python load generator instead "
            f"(ratios stay fair: the baseline goes through it too). For wrk: {INSTALL_HINT}",
            file=sys.stderr,
        )
    bench = Bench(args)
    if args.peers:
        try:
            return peers.main(bench)
        finally:
            bench.close()
    try:
        found = bench.run()
    finally:
        bench.close()
    print()
    print(table(found))
    if "fullflow" in bench.details:
        print()
        print(flow_table(bench.details["fullflow"]))
    for line in notes(args, bench.generator.name, bench.pinning.note, bench.details):
        print(line)
    details = {
        "machine": machine(bench.generator, bench.pinning),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        **bench.details,
    }
    path = write_json(args.out, found, details)
    print(f"\nwhole run {bench.details['elapsed_s']} s; JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
