"""`make bench`: mockprovider over a real socket, against a bare Starlette hello world.

One run measures, with the server pinned to one CPU (0) and everything else on another (1):

* start-up to the first 200 on `/_sandbox/health` (median of 5 fresh starts);
* hosted page GET req/s and outcome POST req/s (303 + webhook queued), for the SQLite and the
  memory store: warm-up, then 3 timed runs, median; the same load on the baseline's `GET /`;
* webhook deliveries/s and lag to a local receiver, and a bare httpx client's floor;
* RSS idle after start and after the load.

It prints a table and writes it as JSON to `bench/results/<UTC time>.json`. Targets are
reported, never asserted: the exit status is 0 whenever the run itself worked.

    .venv/bin/python bench/run.py [--quick] [--duration S] [--connections N]
    .venv/bin/python bench/run.py --peers [--quick]    # against WireMock, Mockoon, mountebank
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import flows
import peers
import webhooks
from load import INSTALL_HINT, Generator, wrk_path
from phases import FixedGet, FormPool, Plan, Series, measure
from procs import Pinning, Proc, free_port, http_status, launch, python_exe, rss_mib
from report import Row, table, write_json
from servers import HERE, ServerSpec
from summary import machine, notes, rows

RESULTS = HERE / "results"
STORES = ("sqlite", "memory")


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark mockprovider against a bare Starlette hello world."
    )
    parser.add_argument("--quick", action="store_true", help="1 run of 3 s per figure")
    parser.add_argument("--duration", type=float, help="seconds per timed run [5; quick: 3]")
    parser.add_argument("--runs", type=int, help="timed runs per figure [3; quick: 1]")
    parser.add_argument("--warmup", type=float, help="warm-up seconds [2; quick: 1]")
    parser.add_argument("--connections", type=int, default=50, help="load connections [50]")
    parser.add_argument("--webhooks", type=int, help="sessions in the webhook phase [2000]")
    parser.add_argument("--starts", type=int, help="start-ups timed per server [5; quick: 3]")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=20.0,
        help="max seconds, in all, spent waiting "
        "for other processes to leave the server's CPU before runs [15]",
    )
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument(
        "--keep-tmp", action="store_true", help="keep the servers' databases and logs"
    )
    group = parser.add_argument_group("peers (--peers: see peers.py)")
    group.add_argument(
        "--peers",
        action="store_true",
        help="instead of the baseline run: compare with WireMock, Mockoon and mountebank, "
        "started by the shared peer harness",
    )
    group.add_argument(
        "--peers-dir",
        type=Path,
        default=peers.PEERS_DIR,
        help="the peer harness folder [../shared/bench/peers]",
    )
    group.add_argument(
        "--peer-list", default=",".join(peers.PEERS), help="comma list of peers [all three]"
    )
    group.add_argument(
        "--peer-warmup", type=float, default=15.0, help="peers' first warm-up step, s [15]"
    )
    group.add_argument(
        "--peer-warmup-max", type=float, default=60.0, help="peers' warm-up at most, s [60]"
    )
    group.add_argument(
        "--peer-rates", default="100,500", help="mockprovider webhook-lag rates/s [100,500]"
    )
    group.add_argument(
        "--no-peer-extras",
        action="store_true",
        help="skip mockprovider's webhook lag and SQLite bytes per session",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (3.0 if quick else 5.0)
    args.runs = args.runs or (1 if quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.webhooks = args.webhooks or (500 if quick else 2000)
    args.starts = args.starts or (3 if quick else 5)
    return args


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pinning = Pinning.detect()
        self.pinning.pin_self()
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

    def startups(self) -> dict[str, list[float]]:
        print(f"start-up to first 200, {self.args.starts} fresh starts each", flush=True)
        found: dict[str, list[float]] = {"baseline": [], "mockprovider[sqlite]": []}
        specs = (ServerSpec.baseline(), ServerSpec.mockprovider("sqlite"))
        for n in range(self.args.starts):
            for spec in specs:
                proc = spec.start(self.pinning, self.workdir, f"start-{spec.name}-{n}")
                found[spec.name].append(proc.extra["startup_s"])
                proc.stop()
        for name, values in found.items():
            print(f"  {name:<22} " + "  ".join(f"{v:.3f}" for v in values) + " s", flush=True)
        return found

    def baseline(self) -> tuple[Series, dict[str, float]]:
        proc = ServerSpec.baseline().start(self.pinning, self.workdir, "baseline")
        try:
            idle = rss_mib(proc.pid)
            series = measure(
                "baseline GET / (hello)", proc, FixedGet("/"), self.generator, self.plan
            )
            return series, {"rss_idle_mib": idle, "rss_after_mib": rss_mib(proc.pid)}
        finally:
            proc.stop()

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
            found = asyncio.run(webhooks.deliver(proc.port, recv_port, count))
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

    def run(self) -> list[Row]:
        started = time.monotonic()
        print(f"load generator: {self.generator.name}; {self.pinning.note}", flush=True)
        recv_port = self.start_receiver()
        hold_url = f"http://127.0.0.1:{recv_port}/hold"
        starts = self.startups()
        base, base_mem = self.baseline()
        stores = {store: self.product(store, hold_url) for store in STORES}
        hooks = self.deliveries(recv_port)
        self.details.update(
            startups_s=starts,
            baseline={"get": base.summary(), **base_mem},
            stores={
                name: {
                    **{k: v for k, v in found.items() if k not in {"page", "post"}},
                    "page": found["page"].summary(),
                    "post": found["post"].summary(),
                }
                for name, found in stores.items()
            },
            webhooks=hooks,
            elapsed_s=round(time.monotonic() - started, 1),
        )
        return rows(base, base_mem, stores, starts, hooks)

    def close(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()
        if self.args.keep_tmp:
            print(f"servers' files and logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


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
