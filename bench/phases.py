"""Throughput measurements: a warm-up, then N timed runs of one workload, median of the runs.

A workload hands the generator a `Job` per run. `FixedGet` repeats one URL; `FormPool` holds
fresh outcome forms (one per open session) and tops itself up before each run, sized from the
fastest rate seen so far, so no form is ever sent twice.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import flows
from load import Generator, Job, LoadResult
from servers import CpuMeter, wait_quiet

#: Runs where others used more than this share of the server's CPU are flagged.
CONTENDED = 0.10


class Served(Protocol):
    """A running server: `procs.Proc`, or a peer started by the peer harness (`peers.py`)."""

    @property
    def pid(self) -> int: ...

    @property
    def port(self) -> int: ...


class Workload(Protocol):
    def job(self, duration: float) -> Job: ...

    def consumed(self, result: LoadResult) -> None: ...


@dataclass
class FixedGet:
    path: str
    expect: int = 200
    headers: tuple[tuple[str, str], ...] = ()

    def job(self, duration: float) -> Job:
        return Job.get(self.path, self.expect, self.headers)

    def consumed(self, result: LoadResult) -> None:
        return None


@dataclass
class FormPool:
    """Single-use outcome forms of `port`'s server, created ahead of each run.

    Each run gets at least `margin * expected rate * duration` fresh forms; what a run leaves
    over serves the next one, so the margin is paid for once per phase. `rate_guess` only seeds
    the first run; then the expected rate is the highest seen so far, counting what a whole core
    would serve at the CPU cost per request measured (a run slowed by another process must not
    undersize the next). The margin is wider until two runs were seen: a cold warm-up is slower
    than the runs after it.
    """

    port: int
    workdir: Path
    rate_guess: float
    #: A tenant's path prefix (`/_t/<name>`), or "" for the default tenant.
    prefix: str = ""
    forms: deque[flows.Form] = field(default_factory=deque)
    created: int = 0
    create_s: float = 0.0
    _runs: int = 0
    _seen: int = 0

    def top_up(self, count: int) -> None:
        missing = count - len(self.forms)
        if missing <= 0:
            return
        started = time.monotonic()
        forms = flows.create_forms(self.port, missing, prefix=self.prefix)
        self.forms.extend(asyncio.run(forms))
        self.create_s += time.monotonic() - started
        self.created += missing

    def job(self, duration: float) -> Job:
        margin = 1.5 if self._seen < 2 else 1.25
        self.top_up(int(self.rate_guess * duration * margin) + 100)
        self._runs += 1
        path = self.workdir / f"forms-{self.port}-{self._runs}.tsv"
        flows.write_lines(list(self.forms), str(path))
        return Job.lines(path, expect=303)

    def consumed(self, result: LoadResult) -> None:
        for _ in range(min(result.used, len(self.forms))):
            self.forms.popleft()
        if result.overflow:  # the real rate is unknown, only higher than the lines allowed
            self.rate_guess *= 2
            return
        whole_core = 1e6 / result.cpu_us_per_request if result.cpu_us_per_request else 0.0
        seen = max(result.rps, whole_core)
        self.rate_guess = seen if self._seen == 0 else max(self.rate_guess, seen)
        self._seen += 1


@dataclass
class Series:
    """One figure: its warm-up and timed runs."""

    label: str
    runs: list[dict[str, Any]] = field(default_factory=list)
    warmup: dict[str, Any] | None = None
    set_aside: list[dict[str, Any]] = field(default_factory=list)

    def _median(self, key: str) -> float:
        values = [float(r[key]) for r in self.runs if not r["overflow"]]
        return statistics.median(values) if values else 0.0

    @property
    def capacity(self) -> float:
        """Requests per second of server CPU: what one whole, uncontended core would serve."""
        return 1e6 / self.cpu_us if self.cpu_us else 0.0

    @property
    def rps(self) -> float:
        return self._median("rps")

    @property
    def cpu_us(self) -> float:
        return self._median("cpu_us_per_request")

    @property
    def p99_ms(self) -> float:
        return self._median("p99_ms")

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rps_median": round(self.rps, 1),
            "rps_all": [r["rps"] for r in self.runs],
            "cpu_us_per_request_median": round(self.cpu_us, 1),
            "req_per_cpu_second": round(self.capacity, 1),
            "p99_ms_median": round(self.p99_ms, 2),
            "errors": sum(r["errors"] for r in self.runs),
            "bad_status": sum(r["bad_status"] for r in self.runs),
            "ran_out_of_sessions": any(r["overflow"] for r in self.runs),
            "foreign_cores_all": [r["foreign_cores"] for r in self.runs],
            "contended_runs": sum(r["foreign_cores"] > CONTENDED for r in self.runs),
            "steal_cores_max": max((r["steal_cores"] for r in self.runs), default=0.0),
            "warmup": self.warmup,
            "runs": self.runs,
            "set_aside_ran_out": self.set_aside,
        }


@dataclass
class Plan:
    runs: int
    duration: float
    warmup: float
    quiet_budget: float  # seconds this run may still spend waiting for a quiet machine
    server_cpu: int | None


def measure(
    label: str, proc: Served, workload: Workload, generator: Generator, plan: Plan
) -> Series:
    """Warm up once, then `plan.runs` timed runs; the server's CPU time is read around each.

    A timed run that ran out of single-use sessions is set aside and run again (twice at most),
    with a pool sized from what it saw.
    """
    series = Series(label)
    if plan.warmup > 0:
        series.warmup = one_run(label, "warm-up", proc, workload, generator, plan, plan.warmup)
    retries = 2
    while len(series.runs) < plan.runs:
        name = f"run {len(series.runs) + 1}"
        record = one_run(label, name, proc, workload, generator, plan, plan.duration)
        if record["overflow"] and retries > 0:
            retries -= 1
            series.set_aside.append(record)
            continue
        series.runs.append(record)
    return series


def one_run(
    label: str,
    name: str,
    proc: Served,
    workload: Workload,
    generator: Generator,
    plan: Plan,
    duration: float,
) -> dict[str, Any]:
    job = workload.job(duration)
    if name != "warm-up" and plan.quiet_budget > 0:
        waited = wait_quiet(plan.server_cpu, proc.pid, min(3.0, plan.quiet_budget))
        plan.quiet_budget -= waited
    meter = CpuMeter(proc.pid, plan.server_cpu)
    result = generator.run(proc.port, job, duration)
    window = meter.stop()
    result.server_cpu_s = window.server_s
    workload.consumed(result)
    flag = "  (contended)" if window.foreign_cores > CONTENDED else ""
    ran_out = "  RAN OUT OF SESSIONS: set aside" if result.overflow else ""
    print(
        f"  {label:<30} {name:<8} {result.rps:>8,.0f} req/s  p99 {result.p99_ms:7.1f} ms  "
        f"{result.cpu_us_per_request:5.0f} µs CPU/req  "
        f"others on its CPU {window.foreign_cores:.2f}{flag}{ran_out}",
        flush=True,
    )
    return result.as_dict() | {
        "foreign_cores": round(window.foreign_cores, 3),
        "steal_cores": round(window.steal_cores, 3),
    }
