"""`serve --workers 2` on one SQLite file: a session created through one worker is completed
through the other, and the two dispatchers deliver every webhook exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mockprovider.config import HTTP_SERVERS
from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.servers import (
    ServerProcess,
    WebhookReceiver,
    link_for,
    verify_topiic_signature,
    wait_until,
)

pytestmark = pytest.mark.slow

SESSIONS = 40
OUTCOMES = ("success", "user_abort", "capture_failure", "expiry")


@pytest.fixture(params=HTTP_SERVERS)
def workers(
    tmp_path: Path, hooks: WebhookReceiver, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    server = ServerProcess(
        tmp_path,
        store=f"sqlite:{tmp_path / 'state.db'}",
        args=["--workers", "2", "--log-level", "info"],
        name="workers",
        ready_lines=2,  # both workers finished their lifespan startup
        http_server=request.param,
    )
    server.start()
    hooks.clear()  # the receiver is the module's: drop the other server's webhooks
    try:
        server.set_webhook_url(hooks.hook_url)
        yield server
    finally:
        server.stop()


def one_client_per_worker(server: ServerProcess, opened: list[httpx.Client]) -> list[httpx.Client]:
    """One keep-alive client (a single connection) per worker process, ordered by pid.
    The kernel spreads connections: open a few until both workers hold one."""
    by_worker: dict[int, httpx.Client] = {}
    for _ in range(64):
        client = server.client(limits=httpx.Limits(max_connections=1))
        opened.append(client)
        by_worker.setdefault(server.worker_of(client.get("/_sandbox/health")), client)
        if len(by_worker) == 2:
            return [by_worker[pid] for pid in sorted(by_worker)]
    raise AssertionError(f"all 64 connections went to {set(by_worker)}")


@pytest.fixture
def pinned(workers: ServerProcess) -> Iterator[dict[int, httpx.Client]]:
    """Each worker's pid → a keep-alive client whose connection that worker serves."""
    opened: list[httpx.Client] = []
    try:
        clients = one_client_per_worker(workers, opened)
        yield {workers.worker_of(c.get("/_sandbox/health")): c for c in clients}
    finally:
        for client in opened:
            client.close()


def session_id_of(entry: httpx.Response) -> str:
    assert entry.status_code == 303, entry.text
    return urlsplit(entry.headers["location"]).path.rsplit("/", 1)[-1]


def test_two_workers_share_sessions_and_deliver_each_webhook_once(
    workers: ServerProcess, pinned: dict[int, httpx.Client], hooks: WebhookReceiver
) -> None:
    first, second = sorted(pinned)
    other = {first: second, second: first}

    # Create: alternately over each worker's keep-alive connection, every 4th over a fresh one.
    created: list[tuple[str, int]] = []  # (session id, pid of the worker that created it)
    for i in range(SESSIONS):
        link = link_for(workers, hooks, ref=f"cust_{i}")
        if i % 4 == 3:
            with workers.client() as fresh:
                entry = fresh.get(link)
                created.append((session_id_of(entry), workers.worker_of(entry)))
        else:
            entry = pinned[(first, second)[i % 2]].get(link)
            created.append((session_id_of(entry), workers.worker_of(entry)))
    assert len({sid for sid, _ in created}) == SESSIONS

    # Complete concurrently, through the other worker's connection or a fresh one.
    def complete(job: tuple[int, tuple[str, int]]) -> tuple[httpx.Response, int]:
        i, (session_id, creator) = job
        path = f"/_sandbox/sessions/{session_id}/outcome"
        body = {"outcome": OUTCOMES[i % len(OUTCOMES)]}
        if i % 3 == 0:
            with workers.client() as fresh:
                answer = fresh.post(path, json=body)
                return answer, workers.worker_of(answer)
        answer = pinned[other[creator]].post(path, json=body)
        return answer, workers.worker_of(answer)

    with ThreadPoolExecutor(max_workers=8) as pool:
        completed = list(pool.map(complete, enumerate(created)))
    assert [a.status_code for a, _ in completed] == [200] * SESSIONS, [
        a.text for a, _ in completed if a.status_code != 200
    ]
    assert [a.json()["session"]["id"] for a, _ in completed] == [sid for sid, _ in created]
    crossed = Counter(
        (creator, completer)
        for (_, creator), (_, completer) in zip(created, completed, strict=True)
        if creator != completer
    )
    assert set(crossed) == {(first, second), (second, first)}, crossed

    arrived = hooks.wait_for(SESSIONS)
    assert {r.json()["data"]["sessionId"] for r in arrived} == {sid for sid, _ in created}
    now = workers.now()
    for hook in arrived:
        verify_topiic_signature(SANDBOX_SECRET, hook.header("Topiic-Signature"), hook.body, now=now)

    # Exactly once: each delivery is recorded delivered after one attempt, so no dispatcher
    # can claim it again, and the receiver saw each event id once.
    def settled() -> list[dict[str, Any]] | None:
        found = workers.webhooks()
        done = len(found) == SESSIONS and all(d["status"] != "pending" for d in found)
        return found if done else None

    deliveries = wait_until(settled, message=lambda: f"not settled: {workers.webhooks()}")
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert {len(d["attempts"]) for d in deliveries} == {1}
    counts = Counter(r.event_id for r in hooks.received())
    assert set(counts.values()) == {1}, counts
    assert set(counts) == {d["event_id"] for d in deliveries}

    for session_id, _ in created:
        assert workers.session(session_id)["status"] in {"finished", "expired"}
