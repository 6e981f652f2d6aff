"""The closed-loop full-flow driver: `concurrency` Gigs flows in flight for `duration` seconds.

Each worker runs one flow after another (`gigsflow`): create → entry → page → outcome (303)
→ wait for the flow's three webhooks, verified by `hooks.HookReceiver` in this same event
loop. A flow is complete when its last webhook arrived and every check passed; it counts
towards flows/s when that happened inside the timed window. When the window ends no flow is
started; those in flight finish (each request times out after 10 s, the wait for the webhooks
after `webhook_timeout` s: `lost_webhook`), so every started flow is accounted for.

Step times (seconds): `create`, `entry`, `page`, `outcome` are request → answer; `webhook` is
the outcome's 303 → the later of its two subscription events; `flow` is the first request →
that arrival. Server CPU is read over the window only.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gigsflow import EVENTS, OUTCOME_EVENTS, Client, FlowError, check_events, new_user
from hooks import HookReceiver
from servers import CpuMeter
from webhooks import percentile

STEPS = ("create", "entry", "page", "outcome", "webhook", "flow")
#: Raised by a connection that broke or answered something unreadable.
BROKEN = (OSError, EOFError, asyncio.LimitOverrunError, ValueError, KeyError, IndexError)


@dataclass
class FlowRun:
    duration_s: float
    started: int = 0
    completed: int = 0  # inside the window
    drained: int = 0  # completed after the window (in flight when it ended)
    errors: Counter[str] = field(default_factory=Counter)
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    server_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0  # this process (driver and receiver) over the window
    foreign_cores: float = 0.0

    @property
    def flows_per_s(self) -> float:
        return self.completed / self.duration_s if self.duration_s else 0.0

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "flows_per_s": round(self.flows_per_s, 1),
            "completed": self.completed,
            "drained": self.drained,
            "started": self.started,
            "errors": dict(self.errors),
            "error_count": sum(self.errors.values()),
            "server_cpu_ms_per_flow": (
                round(1000 * self.server_cpu_s / self.completed, 2) if self.completed else None
            ),
            "driver_cores": round(self.driver_cpu_s / self.duration_s, 2),
            "foreign_cores": round(self.foreign_cores, 3),
        }
        for step, values in self.steps.items():
            out[f"{step}_p50_ms"] = round(1000 * statistics.median(values), 2) if values else None
            out[f"{step}_p99_ms"] = round(1000 * percentile(values, 99), 2) if values else None
        return out


class Driver:
    """`routes`: (API port, browser port) pairs, worker i uses `routes[i % len(routes)]`."""

    def __init__(
        self,
        receiver: HookReceiver,
        gigs: dict[str, Any],
        routes: list[tuple[int, int]],
        concurrency: int,
        webhook_timeout: float = 30.0,
    ) -> None:
        self.receiver = receiver
        self.gigs = gigs
        self.routes = routes
        self.concurrency = concurrency
        self.webhook_timeout = webhook_timeout
        self.numbers = itertools.count(1)

    async def run(self, duration: float, pids: list[int], server_cpu: int | None = None) -> FlowRun:
        result = FlowRun(duration)
        receiver_errors = Counter(self.receiver.errors)
        meters = [CpuMeter(pid, server_cpu) for pid in pids]
        own = time.process_time()
        stop_at = time.monotonic() + duration
        workers = [
            asyncio.create_task(self.worker(i, stop_at, result)) for i in range(self.concurrency)
        ]
        await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
        windows = [meter.stop() for meter in meters]
        result.driver_cpu_s = time.process_time() - own
        result.server_cpu_s = sum(w.server_s for w in windows)
        if server_cpu is not None:  # unpinned, "others" would be the whole machine's
            result.foreign_cores = windows[0].foreign_cores
        await asyncio.gather(*workers)
        result.errors.update(self.receiver.errors - receiver_errors)
        return result

    async def worker(self, index: int, stop_at: float, result: FlowRun) -> None:
        client = Client(*self.routes[index % len(self.routes)], self.gigs)
        try:
            while time.monotonic() < stop_at:
                await self.one(client, stop_at, result)
        finally:
            client.close()

    async def one(self, client: Client, stop_at: float, result: FlowRun) -> None:
        number, user = next(self.numbers), new_user()
        pending = self.receiver.expect(user, EVENTS)
        result.started += 1
        step, failed = "create", True
        marks = [time.monotonic()]
        try:
            session_id, entry = await client.create(user, number)
            marks.append(time.monotonic())
            step = "entry"
            page = await client.entry(entry)
            marks.append(time.monotonic())
            step = "page"
            action, form = await client.page(page)
            marks.append(time.monotonic())
            step = "outcome"
            await client.outcome(action, form, session_id, number)
            marks.append(time.monotonic())
            step = "webhook"
            await asyncio.wait_for(pending.done.wait(), self.webhook_timeout)
            check_events(pending.data, session_id)
            failed = False
        except FlowError as exc:
            result.errors[exc.kind] += 1
            client.close()
        except TimeoutError:
            result.errors["lost_webhook" if step == "webhook" else f"timeout:{step}"] += 1
            client.close()
        except BROKEN as exc:
            result.errors[f"broken:{step}:{type(exc).__name__}"] += 1
            client.close()
        finally:
            self.receiver.forget(user, failed)
        if failed:
            return
        last = max(pending.arrivals[kind] for kind in OUTCOME_EVENTS)
        spans = [b - a for a, b in itertools.pairwise(marks)]
        spans += [max(0.0, last - marks[-1]), last - marks[0]]
        for step_name, span in zip(STEPS, spans, strict=True):
            result.steps[step_name].append(span)
        if last <= stop_at:
            result.completed += 1
        else:
            result.drained += 1
