"""The rows of `bench/run.py`'s table, the notes under it, and the machine it ran on."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from typing import Any

from flowsummary import flow_notes, flow_rows, size_rows
from growth import growth_rows
from load import Generator, wrk_path
from procs import Pinning
from report import Row
from workers import workers_rows


def hello_rows(found: dict[str, Any]) -> list[Row]:
    """Page and POST against both hello worlds, wall-clock and per server CPU-second."""
    star, raw = (found["hellos"][name]["get"] for name in ("starlette", "raw_asgi"))
    out = [
        Row("Starlette hello GET req/s / raw ASGI hello", star.rps, raw.rps),
        Row("  per server CPU-second", star.capacity, raw.capacity),
    ]
    for store, stored in found["stores"].items():
        for what, series, goal in (
            ("hosted page GET req/s", stored["page"], 0.25),
            ("outcome POST 303 + webhook queued req/s", stored["post"], 0.2),
        ):
            out += [
                Row(f"{what} [{store}] / Starlette hello", series.rps, star.rps, ratio_target=goal),
                Row(f"  per server CPU-second [{store}] / Starlette", series.capacity,
                    star.capacity, ratio_target=goal),
                Row(f"  {what} [{store}] / raw ASGI hello", series.rps, raw.rps),
                Row(f"  per server CPU-second [{store}] / raw ASGI", series.capacity,
                    raw.capacity),
            ]  # fmt: skip
    return out


def hook_rows(hooks: dict[str, Any], hello: float | None) -> list[Row]:
    mine, floor = hooks["mockprovider"], hooks["httpx_floor"]
    slow = mine["paced"]
    return [
        Row("webhook deliveries/s [sqlite] vs Starlette hello req/s", mine["deliveries_per_s"],
            hello),
        Row("webhook deliveries/s vs bare httpx client", mine["deliveries_per_s"],
            floor["deliveries_per_s"]),
        Row("webhook lag p50, burst (outcome POST -> arrival)", mine["lag_p50_ms"], unit="ms"),
        Row("webhook lag p99, burst", mine["lag_p99_ms"], unit="ms"),
        Row(f"webhook lag p50 at {slow['rate']:g} outcomes/s", slow["lag_p50_ms"], unit="ms"),
        Row(f"webhook lag p99 at {slow['rate']:g} outcomes/s", slow["lag_p99_ms"], unit="ms"),
    ]  # fmt: skip


#: Issue 15: start-up and idle RSS no worse than before it (0.23 s, 39 MiB; README).
STARTUP_TARGET_S = 0.23
IDLE_RSS_TARGET_MIB = 39.0


def rows(found: dict[str, Any]) -> list[Row]:
    """The table's rows for the phases that ran (`found`: see `Bench.run`)."""
    out: list[Row] = []
    hellos = found.get("hellos")
    if hellos:
        out += hello_rows(found)
    if "hooks" in found:
        out += hook_rows(found["hooks"], hellos["starlette"]["get"].rps if hellos else None)
    if "fullflow" in found:
        out += flow_rows(found["fullflow"])
    if "growth" in found:
        out += growth_rows(found["growth"])
    if "workers" in found:
        out += workers_rows(found["workers"])
    if "startups" in found:
        starts, rss = found["startups"]["seconds"], found["startups"]["rss_idle_mib"]
        for name in (n for n in starts if n.startswith("mockprovider")):
            server = name.split(",")[-1].rstrip("]")
            out += [
                Row(f"start-up to first 200 [sqlite, {server}], median",
                    statistics.median(starts[name]), statistics.median(starts["baseline"]),
                    "s", max_target=STARTUP_TARGET_S),
                Row(f"RSS right after start [sqlite, {server}], median",
                    statistics.median(rss[name]), statistics.median(rss["baseline"]),
                    "MiB", max_target=IDLE_RSS_TARGET_MIB),
            ]  # fmt: skip
    for store, stored in (found.get("stores") or {}).items():
        hello = hellos["starlette"] if hellos else {}
        out += [
            Row(f"RSS idle after start [{store}]", stored["rss_idle_mib"],
                hello.get("rss_idle_mib"), "MiB"),
            Row(f"RSS after the load [{store}]", stored["rss_after_mib"],
                hello.get("rss_after_mib"), "MiB",
                note=f"{stored['sessions_created']} sessions in the store"),
        ]  # fmt: skip
    if "sizes" in found:
        out += size_rows(found["sizes"])
    if "data" in found:
        out += data_rows(found["data"])
    return out


def data_rows(data: dict[str, Any]) -> list[Row]:
    """Yapily's transactions page (1000 of a 10,000-transaction account) against the hosted
    page on the same server, and the one-off cost of generating the data set."""
    page, txs, size = data["page"], data["data"], data["bytes"]
    return [
        Row("Yapily transactions?limit=1000 req/s [sqlite] / hosted page", txs.rps, page.rps,
            note=f"{size:,} B each: {txs.rps * size / 1e6:,.1f} MB/s"),
        Row("  per server CPU-second / hosted page", txs.capacity, page.capacity),
        Row("10,000-transaction data set: build + encode", data["generation_cpu_ms"], None,
            "ms", max_target=50.0, note="CPU, once per consent; stored, then read back"),
    ]  # fmt: skip


def notes(
    args: argparse.Namespace, generator: str, pinning: str, details: dict[str, Any]
) -> list[str]:
    """What the table needs to be read right: the method, and every run that was disturbed."""
    out = [
        f"\n{generator}, {args.connections} connections; warm-up {args.warmup:g} s "
        f"(POST {min(args.warmup, 1.0):g} s), then {args.runs} x {args.duration:g} s, median; "
        f"{pinning}. Baseline column: the Starlette hello world unless the row says otherwise."
    ]
    series = {
        f"{name} hello GET": found["get"] for name, found in (details.get("hellos") or {}).items()
    }
    for store, found in (details.get("stores") or {}).items():
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
    if "fullflow" in details:
        out += flow_notes(details["fullflow"])
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
