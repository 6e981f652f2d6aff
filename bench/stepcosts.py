"""What each step of a Gigs flow costs the server, in CPU µs (`fullflow.py`, SQLite).

`n` flows go through the steps one step at a time (all `n` creates, then all entries, …) over
8 keep-alive connections, with the server's CPU time read around each step. Done twice: with
Gigs' events on, each step's webhooks are awaited before the step's CPU is read (so `create`
includes queueing and delivering connectSession.created, `outcome` the two subscription
events); then with the `events` setting empty (nothing queued). The difference is what the
webhooks cost.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import gigsflow
from gigsflow import EVENTS, Client, new_user
from hooks import HookReceiver
from servers import CpuMeter


async def step_costs(
    receiver: HookReceiver,
    gigs: dict[str, Any],
    port: int,
    pid: int,
    cpu: int | None,
    n: int,
    events: bool,
) -> dict[str, float]:
    """Server CPU µs per step for `n` flows; with `events`, each step's webhooks awaited
    (without, Gigs' `events` setting must be empty: nothing is queued)."""
    clients = [Client(port, port, gigs) for _ in range(8)]
    users = [new_user() for _ in range(n)]
    pendings = [receiver.expect(user, EVENTS) for user in users]
    state: list[list[Any]] = [[i + 1] for i in range(n)]
    spent: dict[str, float] = {}

    async def phase(name: str, call: Any, waits: tuple[str, ...] = ()) -> None:
        meter = CpuMeter(pid, cpu)
        queue = iter(range(n))

        async def work(client: Client) -> None:
            for i in queue:
                state[i].append(await call(client, i))

        await asyncio.gather(*(work(c) for c in clients))
        deadline = time.monotonic() + 30.0
        for pending in pendings:
            while not set(waits) <= pending.arrivals.keys() and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
        spent[name] = round(1e6 * meter.stop().server_s / n, 1)

    try:
        await phase(
            "create", lambda c, i: c.create(users[i], state[i][0]), EVENTS[:1] if events else ()
        )
        await phase("entry", lambda c, i: c.entry(state[i][1][1]))
        await phase("page", lambda c, i: c.page(state[i][2]))
        await phase(
            "outcome",
            lambda c, i: c.outcome(*state[i][3], state[i][1][0], state[i][0]),
            EVENTS if events else (),
        )
    finally:
        for client in clients:
            client.close()
        for user in users:
            receiver.forget(user, False)
    return spent


async def costs(
    receiver: HookReceiver,
    gigs: dict[str, Any],
    port: int,
    pid: int,
    cpu: int | None,
    n: int,
) -> dict[str, dict[str, float]]:
    """`step_costs` with Gigs' events on (webhooks delivered), then off (none queued)."""
    found = {"with_webhooks": await step_costs(receiver, gigs, port, pid, cpu, n, True)}
    await gigsflow.settings(port, {"events": []})
    try:
        found["without"] = await step_costs(receiver, gigs, port, pid, cpu, n, False)
    finally:
        await gigsflow.settings(port, {"events": list(gigsflow.EVENTS)})
    return found
