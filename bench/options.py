"""`bench/run.py`'s command line, and the defaults `--quick` changes."""

from __future__ import annotations

import argparse
from pathlib import Path

import peers
from servers import HERE

RESULTS = HERE / "results"
GROWTH = (10_000, 100_000, 1_000_000)
SMALL_GROWTH = (10_000, 100_000)
#: The phases of the main run, in the order they run (`--only` picks some).
PHASES = ("startup", "throughput", "webhooks", "fullflow", "sizes", "data", "growth", "workers")


def phases(text: str) -> tuple[str, ...]:
    picked = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in picked if p not in PHASES]
    if unknown or not picked:
        raise argparse.ArgumentTypeError(
            f"unknown phase(s) {', '.join(unknown) or '(none)'}; known: {', '.join(PHASES)}"
        )
    return picked


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark mockprovider against a bare Starlette and a raw ASGI hello world."
    )
    parser.add_argument("--quick", action="store_true", help="1 run of 3 s per figure")
    parser.add_argument("--duration", type=float, help="seconds per timed run [5; quick: 3]")
    parser.add_argument("--runs", type=int, help="timed runs per figure [3; quick: 1]")
    parser.add_argument("--warmup", type=float, help="warm-up seconds [2; quick: 1]")
    parser.add_argument("--connections", type=int, default=50, help="load connections [50]")
    parser.add_argument("--webhooks", type=int, help="sessions in the webhook phase [2000]")
    parser.add_argument("--starts", type=int, help="start-ups timed per server [5; quick: 3]")
    parser.add_argument(
        "--only",
        type=phases,
        default=PHASES,
        help=f"comma list of phases to run [all: {','.join(PHASES)}]",
    )
    parser.add_argument(
        "--full-flow-duration",
        type=float,
        help="seconds per timed full-flow run [60; quick: 10]",
    )
    parser.add_argument(
        "--full-flow-concurrency", type=int, default=48, help="full flows in flight [48]"
    )
    parser.add_argument(
        "--sessions-sized",
        type=int,
        help="sessions stored for the bytes-per-session figures [2000; quick: 500]",
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=100.0,
        help="outcomes/s of the webhook phase's steady lag run [100]",
    )
    parser.add_argument(
        "--growth-sizes",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        help="sessions stored for the growth rows [10000,100000,1000000; quick: 10000,100000]",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=20.0,
        help="max seconds, in all, spent waiting "
        "for other processes to leave the server's CPU before runs [20]",
    )
    parser.add_argument(
        "--servers",
        default="granian,uvicorn",
        help="serve's HTTP servers to measure, each with its own raw ASGI floor [granian,uvicorn]",
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
    args.servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    quick = args.quick
    args.duration = args.duration or (3.0 if quick else 5.0)
    args.runs = args.runs or (1 if quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.webhooks = args.webhooks or (500 if quick else 2000)
    args.starts = args.starts or (3 if quick else 5)
    args.full_flow_duration = args.full_flow_duration or (10.0 if quick else 60.0)
    args.sessions_sized = args.sessions_sized or (500 if quick else 2000)
    args.growth_sizes = args.growth_sizes or (SMALL_GROWTH if quick else GROWTH)
    return args
