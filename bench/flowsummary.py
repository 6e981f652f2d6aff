"""The full flow's and the stored sizes' rows in `bench/run.py`'s table, the per-step table of
the full flow, and the notes under them."""

from __future__ import annotations

from typing import Any

from flowdriver import STEPS
from report import Row

SETUPS = {"sqlite": "sqlite, 1 server", "redis": "redis, 2 replicas"}


def flow_rows(flow: dict[str, Any]) -> list[Row]:
    """flows/s, server CPU per flow and errors (target: none) of each set-up."""
    out = []
    for key, name in SETUPS.items():
        found = flow.get(key) or {}
        if "skipped" in found:
            out.append(Row(f"full flow flows/s [{name}]: skipped", None))
            continue
        cpu = "server" if key == "sqlite" else "replicas + Redis"
        out += [
            Row(f"full flow (Gigs) flows/s [{name}]", found.get("flows_per_s")),
            Row(f"  {cpu} CPU per flow [{name}]", found.get("server_cpu_ms_per_flow"), unit="ms"),
            Row(f"  full-flow errors [{name}]", found.get("error_count"), max_target=0),
        ]
    return out


def size_rows(found: dict[str, Any]) -> list[Row]:
    sqlite, redis = found["sqlite"], found["redis"]
    out = [Row("bytes per stored session [sqlite, file]", sqlite["bytes_per_session"], unit="B")]
    if "skipped" in redis:
        return [*out, Row("bytes per stored session [redis]: skipped", None)]
    return [
        *out,
        Row("bytes per stored session [redis, used_memory]", redis["bytes_per_session"], unit="B"),
        Row("  MEMORY USAGE of one session key [redis]", redis["session_key_bytes"], unit="B"),
    ]


def ms(found: dict[str, Any], step: str) -> str:
    p50, p99 = found.get(f"{step}_p50_ms"), found.get(f"{step}_p99_ms")
    return "n/a" if p50 is None or p99 is None else f"{p50:,.1f} / {p99:,.1f}"


def flow_table(flow: dict[str, Any]) -> str:
    """One line per set-up: flows/s, CPU per flow, p50 / p99 ms of every step, errors."""
    header = ("full flow", "flows/s", "CPU ms/flow", *(f"{s} p50 / p99 ms" for s in STEPS))
    cells = [(*header, "errors")]
    for key, name in SETUPS.items():
        found = flow.get(key) or {}
        if "skipped" in found or not found:
            cells.append((name, "skipped", "", *("" for _ in STEPS), ""))
            continue
        errors = ", ".join(f"{k} {n}" for k, n in sorted(found["errors"].items())) or "0"
        cpu = found.get("server_cpu_ms_per_flow")
        cells.append(
            (
                name,
                f"{found['flows_per_s']:,.1f}" if found.get("flows_per_s") else "n/a",
                "n/a" if cpu is None else f"{cpu:.2f}",
                *(ms(found, s) for s in STEPS),
                errors,
            )
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    out = []
    for n, line in enumerate(cells):
        parts = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)]
        out.append("| " + " | ".join(parts) + " |")
        if n == 0:
            dashes = ["-" * widths[0]] + ["-" * (w - 1) + ":" for w in widths[1:]]
            out.append("| " + " | ".join(dashes) + " |")
    return "\n".join(out)


def flow_notes(flow: dict[str, Any]) -> list[str]:
    out = []
    for key, name in SETUPS.items():
        found = flow.get(key) or {}
        if "skipped" in found:
            out.append(f"- full flow [{name}] skipped: {found['skipped']}")
            continue
        if not found:
            continue
        runs = " / ".join(f"{r:,.1f}" for r in found["flows_per_s_all"])
        out.append(
            f"- full flow [{name}]: {found['concurrency']} flows in flight, "
            f"{len(found['runs'])} x {found['duration_s']:g} s, flows/s per run {runs}; "
            "a flow = create (API) -> one-off url 303 -> page -> outcome 303 (Location checked) "
            "-> its 3 webhooks received, signatures verified."
        )
        if found["contended_runs"]:
            out.append(
                f"- full flow [{name}]: {found['contended_runs']} run(s) shared the server's "
                "CPU with other processes (> 0.10 of it)."
            )
        warm = found.get("warmup") or {}
        if warm.get("error_count"):
            out.append(f"- full flow [{name}] warm-up (not counted): errors {warm['errors']}")
        if found.get("late_events_of_failed_flows"):
            out.append(
                f"- full flow [{name}]: {found['late_events_of_failed_flows']} events arrived "
                "for flows that had already failed."
            )
        if found.get("step_cpu_us"):
            out += cost_notes(name, found["step_cpu_us"])
    return out


def cost_notes(name: str, costs: dict[str, dict[str, float]]) -> list[str]:
    """Server CPU per step with webhooks and without, and what one webhook costs."""
    on, off = costs["with_webhooks"], costs["without"]

    def listed(found: dict[str, float]) -> str:
        return ", ".join(f"{k} {v:,.0f}" for k, v in found.items())

    per_hook = (on["create"] - off["create"] + on["outcome"] - off["outcome"]) / 3
    return [
        f"- full flow [{name}]: server CPU µs per step with its webhooks ({listed(on)}; create "
        "includes queueing and delivering connectSession.created, outcome the two subscription "
        f"events) and with Gigs' events off ({listed(off)}): one webhook queued and delivered "
        f"costs about {per_hook:,.0f} µs."
    ]
