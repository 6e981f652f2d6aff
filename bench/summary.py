"""The rows of `bench/run.py`'s table, the notes under it, and the machine it ran on."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from typing import Any

from load import Generator, wrk_path
from phases import Series
from procs import Pinning
from report import Row


def rows(
    base: Series,
    base_mem: dict[str, float],
    stores: dict[str, dict[str, Any]],
    starts: dict[str, list[float]],
    hooks: dict[str, Any],
) -> list[Row]:
    hello = base.rps
    out: list[Row] = []
    for store, found in stores.items():
        page, post = found["page"], found["post"]
        out += [
            Row(f"hosted page GET req/s [{store}]", page.rps, hello, ratio_target=0.25),
            Row(f"  per server CPU-second [{store}]", page.capacity, base.capacity,
                ratio_target=0.25),
            Row(f"outcome POST 303 + webhook queued req/s [{store}]", post.rps, hello,
                ratio_target=0.2),
            Row(f"  per server CPU-second [{store}]", post.capacity, base.capacity,
                ratio_target=0.2),
        ]  # fmt: skip
    mine, floor = hooks["mockprovider"], hooks["httpx_floor"]
    slow = mine["paced"]
    out += [
        Row("webhook deliveries/s [sqlite] vs hello req/s", mine["deliveries_per_s"], hello),
        Row(
            "webhook deliveries/s vs bare httpx client",
            mine["deliveries_per_s"],
            floor["deliveries_per_s"],
        ),
        Row("webhook lag p50, burst (outcome POST -> arrival)", mine["lag_p50_ms"], unit="ms"),
        Row("webhook lag p99, burst", mine["lag_p99_ms"], unit="ms"),
        Row(f"webhook lag p50 at {slow['rate']:g} outcomes/s", slow["lag_p50_ms"], unit="ms"),
        Row(f"webhook lag p99 at {slow['rate']:g} outcomes/s", slow["lag_p99_ms"], unit="ms"),
        Row(
            "start-up to first 200 [sqlite], median",
            statistics.median(starts["mockprovider[sqlite]"]),
            statistics.median(starts["baseline"]),
            "s",
            max_target=0.7,
        ),
    ]
    for store, found in stores.items():
        out += [
            Row(
                f"RSS idle after start [{store}]",
                found["rss_idle_mib"],
                base_mem["rss_idle_mib"],
                "MiB",
            ),
            Row(
                f"RSS after the load [{store}]",
                found["rss_after_mib"],
                base_mem["rss_after_mib"],
                "MiB",
                note=f"{found['sessions_created']} sessions in the store",
            ),
        ]
    return out


def notes(
    args: argparse.Namespace, generator: str, pinning: str, details: dict[str, Any]
) -> list[str]:
    """What the table needs to be read right: the method, and every run that was disturbed."""
    out = [
        f"\n{generator}, {args.connections} connections; warm-up {args.warmup:g} s "
        f"(POST {min(args.warmup, 1.0):g} s), then {args.runs} x {args.duration:g} s, median; "
        f"{pinning}."
    ]
    series = {"baseline GET": details["baseline"]["get"]}
    for store, found in details["stores"].items():
        series[f"{store} page GET"] = found["page"]
        series[f"{store} POST"] = found["post"]
    for name, found in series.items():
        if found["contended_runs"]:
            worst = max(found["foreign_cores_all"])
            out.append(
                f"- {name}: {found['contended_runs']} of {len(found['runs'])} runs shared "
                f"the server's CPU with other processes (up to {worst:.2f} of it): "
                "prefer the CPU row."
            )
        if found["errors"] or found["bad_status"]:
            out.append(
                f"- {name}: {found['errors']} socket errors, {found['bad_status']} answers "
                "with an unexpected status."
            )
        if found["set_aside_ran_out"]:
            out.append(
                f"- {name}: {len(found['set_aside_ran_out'])} run(s) ran out of sessions and "
                "were run again."
            )
    return out


def machine(generator: Generator, pinning: Pinning) -> dict[str, Any]:
    wrk = wrk_path()
    version = ""
    if wrk:
        probe = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        version = (probe.stdout + probe.stderr).strip().split("\n")[0]
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "generator": generator.name,
        "wrk": version,
        "pinning": pinning.note,
    }
