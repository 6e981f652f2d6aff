"""Tenants of a real `mockprovider serve`, over a socket: two tenants run the same flows at once
on one SQLite server and on two Redis replicas, each sees only its own sessions and webhooks,
each reset and clock is its own; tenants survive a restart and a delete removes everything."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.servers import Received, ServerProcess, WebhookReceiver, wait_until
from tests.support import parse_form, topiic_link

pytestmark = pytest.mark.slow

TENANTS = ("team-a", "team-b")
OUTCOMES = ("success", "user_abort", "capture_failure", "success")


def _create(server: ServerProcess, name: str, hooks: WebhookReceiver) -> None:
    settings = {"topiic": {"webhook_url": f"{hooks.base_url}/hooks/{name}"}}
    body = {"name": name, "shared_credentials": True, "settings": settings}
    server.control("POST", "/tenants", body)


def _flow(
    entry_server: ServerProcess, finish_server: ServerProcess, name: str, outcome: str
) -> str:
    """A Topiic flow of tenant `name`: link opened on one server, page done on the other."""
    link = topiic_link(
        base=f"{entry_server.base_url}/_t/{name}/topiic",
        ret="https://app.example/done",
        exp=int(time.time()) + 1800,
    )
    with entry_server.client() as first, finish_server.client() as second:
        entry = first.get(link)
        assert entry.status_code == 303, entry.text
        page_url = urlsplit(entry.headers["location"])
        assert page_url.path.startswith(f"/_t/{name}/topiic/s/")
        page = second.get(f"{page_url.path}?{page_url.query}")
        assert page.status_code == 200, page.text
        form = parse_form(page.text)
        done = second.post(form.action, data={"t": form.token, "outcome": outcome})
        assert done.status_code == 303, done.text
        return page_url.path.rsplit("/", 1)[1]


def _sessions(server: ServerProcess, name: str) -> set[str]:
    found = server.control("GET", f"/tenants/{name}/sessions")["sessions"]
    return {s["id"] for s in found}


def _run_both(first: ServerProcess, second: ServerProcess) -> dict[str, set[str]]:
    """Both tenants' flows at once (created on `first`, finished on `second`)."""
    jobs = [(name, outcome) for outcome in OUTCOMES for name in TENANTS]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        ids = list(pool.map(lambda job: _flow(first, second, *job), jobs))
    return {name: {i for (n, _), i in zip(jobs, ids, strict=True) if n == name} for name in TENANTS}


def _at(path: str) -> Callable[[Received], bool]:
    return lambda received: received.path == path


def _check_isolated(
    server: ServerProcess, hooks: WebhookReceiver, made: dict[str, set[str]]
) -> None:
    for name in TENANTS:
        assert _sessions(server, name) == made[name]
        arrived = hooks.wait_for(len(OUTCOMES), where=_at(f"/hooks/{name}"))
        listed = server.control("GET", f"/tenants/{name}/webhooks")["webhooks"]
        assert {d["session_id"] for d in listed} == made[name]
        # What arrived at the tenant's receiver is exactly what the tenant queued.
        assert sorted(r.body.decode() for r in arrived) == sorted(d["body"] for d in listed)
    assert server.control("GET", "/sessions")["sessions"] == []
    paths = {r.path for r in hooks.received()}
    assert paths == {f"/hooks/{name}" for name in TENANTS}


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path, store=f"sqlite:{tmp_path}/state.db", name="tenants")
    try:
        yield server.start()
    finally:
        server.stop()


def test_two_tenants_on_one_sqlite_server(
    sqlite_server: ServerProcess, hooks: WebhookReceiver, tmp_path: Path
) -> None:
    hooks.clear()
    for name in TENANTS:
        _create(sqlite_server, name, hooks)
    made = _run_both(sqlite_server, sqlite_server)
    _check_isolated(sqlite_server, hooks, made)
    assert (tmp_path / "state.tenant-team-a.db").is_file()

    sqlite_server.control("POST", "/tenants/team-a/reset")
    sqlite_server.control("POST", "/tenants/team-b/clock/advance", {"seconds": 60})
    assert _sessions(sqlite_server, "team-a") == set()
    assert _sessions(sqlite_server, "team-b") == made["team-b"]
    assert sqlite_server.control("GET", "/tenants/team-a/clock")["offset"] == 0
    assert sqlite_server.control("GET", "/tenants/team-b/clock")["offset"] == 60

    sqlite_server.stop()
    sqlite_server.start()  # tenants and their sessions outlive the process
    assert _sessions(sqlite_server, "team-b") == made["team-b"]
    sqlite_server.control("DELETE", "/tenants/team-b")
    assert not (tmp_path / "state.tenant-team-b.db").exists()
    with sqlite_server.client() as http:
        assert http.get("/_t/team-b/_sandbox/sessions").status_code == 404


@pytest.fixture
def replicas(tmp_path: Path, redis_url: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    store = f"{redis_url}?prefix=tenants-{uuid.uuid4().hex}:"
    first = ServerProcess(tmp_path, store=store, name="tenant-replica-a")
    second = ServerProcess(tmp_path, store=store, name="tenant-replica-b")
    try:
        yield first.start(), second.start()
    finally:
        first.stop()
        second.stop()


def test_two_tenants_on_two_redis_replicas(
    replicas: tuple[ServerProcess, ServerProcess], hooks: WebhookReceiver
) -> None:
    first, second = replicas
    hooks.clear()
    for name in TENANTS:
        _create(first, name, hooks)  # created through A, found by B on first use
    made = _run_both(second, first)
    for server in replicas:
        _check_isolated(server, hooks, made)
    bodies = [r.body for r in hooks.received()]
    assert len(bodies) == len(set(bodies)) == 2 * len(OUTCOMES)  # once each, two dispatchers

    first.control("POST", "/tenants/team-a/reset")
    assert _sessions(second, "team-a") == set()
    assert _sessions(second, "team-b") == made["team-b"]
    second.control("POST", "/tenants/team-b/clock/advance", {"seconds": 60})
    assert first.control("GET", "/tenants/team-b/clock")["offset"] == 60
    assert first.control("GET", "/tenants/team-a/clock")["offset"] == 0

    first.control("DELETE", "/tenants/team-a")
    with second.client() as http:
        gone = wait_until(
            lambda: http.get("/_t/team-a/_sandbox/sessions").status_code == 404, timeout=10
        )
        assert gone
        assert httpx.codes.is_success(http.get("/_t/team-b/_sandbox/sessions").status_code)
