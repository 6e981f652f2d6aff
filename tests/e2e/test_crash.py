"""Nothing lost: 1,000 webhooks queued, the server killed with `kill -9` mid-delivery, a new
server on the same store delivers every one at least once, with its event id and a valid
signature. Run for SQLite and for Redis.

The receiver is slow (so deliveries are in flight when the server dies) and fails the first
ones (so retries sit in the outbox, due on the sandbox clock). A request in flight at the kill
reached the receiver, but its answer never reached the dead server: after the restart it is
sent again once its lease lapses, which is the at-least-once duplicate the summary counts.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.servers import (
    FIGURE,
    Received,
    ServerProcess,
    WebhookReceiver,
    link_for,
    verify_topiic_signature,
    wait_until,
)

pytestmark = pytest.mark.slow

SESSIONS = 1000
THREADS = 8
FAILED_FIRST = 150  # the receiver answers 503 to this many POSTs, then 200
SLOW = 0.25  # seconds the receiver takes to answer before the crash
#: The dispatcher's lease (slowest provider timeout + margin) has to lapse after the kill.
DELIVERY_TIMEOUT = 50.0


def complete_sessions(server: ServerProcess, hooks: WebhookReceiver, count: int) -> list[str]:
    """Create `count` Topiic sessions and complete each with `success` (control API)."""

    def some(n: int) -> list[str]:
        done = []
        with server.client() as http:
            for _ in range(n):
                entry = http.get(link_for(server, hooks))
                assert entry.status_code == 303, entry.text
                session_id = urlsplit(entry.headers["location"]).path.rsplit("/", 1)[-1]
                finish = http.post(
                    f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": "success"}
                )
                assert finish.status_code == 200, finish.text
                done.append(session_id)
        return done

    shares = [count // THREADS + (i < count % THREADS) for i in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        return [sid for part in pool.map(some, shares) for sid in part]


def signature_ok(hook: Received) -> bool:
    """An independent HMAC check of `Topiic-Signature` (t=…,v1=hex of t.body)."""
    header = hook.header("Topiic-Signature") or ""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if not {"t", "v1"} <= set(parts):
        return False
    mac = hmac.new(SANDBOX_SECRET.encode(), parts["t"].encode() + b"." + hook.body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["v1"])


def all_delivered(server: ServerProcess) -> bool:
    """True once the server's outbox shows every delivery delivered."""
    found = server.control("GET", f"/webhooks?provider=topiic&limit={SESSIONS * 2}")["webhooks"]
    return len(found) == SESSIONS and all(d["status"] == "delivered" for d in found)


def complete(hooks: WebhookReceiver) -> list[Received]:
    """The POSTs that arrived whole (a request torn by the kill is cut short of its
    Content-Length: it is no message)."""
    return [r for r in hooks.received() if len(r.body) == int(r.header("Content-Length") or -1)]


def acknowledged(hooks: WebhookReceiver) -> set[str]:
    """The sessions whose webhook arrived whole and was answered 200."""
    return {str(r.json()["data"]["sessionId"]) for r in complete(hooks) if r.answered == 200}


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_every_webhook_survives_kill_9_mid_delivery(
    kind: str, tmp_path: Path, hooks: WebhookReceiver, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        store = f"sqlite:{tmp_path / 'state.db'}"
    else:
        store = f"{request.getfixturevalue('redis_url')}?prefix=crash-{uuid.uuid4().hex}:"
    first = ServerProcess(tmp_path, store=store, name="before-crash")
    second = ServerProcess(tmp_path, store=store, name="after-crash")
    hooks.clear()
    hooks.respond(*[503] * FAILED_FIRST, default=200)
    hooks.delay = SLOW
    started = time.monotonic()
    try:
        first.start()
        first.set_webhook_url(hooks.hook_url)
        sessions = complete_sessions(first, hooks, SESSIONS)
        assert len(set(sessions)) == SESSIONS
        hooks.wait_for(FAILED_FIRST + 50, timeout=30)  # some failed, some delivered, …
        first.stop(kill=True)  # … and the rest queued or in flight
        at_kill = complete(hooks)
        assert len({r.event_id for r in at_kill}) < SESSIONS, "all delivered before the kill"

        hooks.respond(default=200)
        hooks.delay = 0.0
        second.start()
        second.advance(60)  # past Topiic's first retry delay (30 s), on the sandbox clock

        # Done once the new server recorded every delivery delivered: a send always precedes its
        # record, so the receiver has then seen every POST it will see (requests that were in
        # flight at the kill go out again once their lease lapses, in real time).
        wait_until(
            lambda: all_delivered(second),
            timeout=DELIVERY_TIMEOUT,
            interval=0.25,
            message=lambda: f"{SESSIONS - len(acknowledged(hooks))} webhooks still missing",
        )
        arrived = complete(hooks)
        torn = len(hooks.received()) - len(arrived)
        now = second.now()
    finally:
        first.stop(kill=True)
        second.stop()
        hooks.delay = 0.0

    by_session: dict[str, set[str]] = defaultdict(set)
    for hook in arrived:
        assert signature_ok(hook), f"bad signature on {hook.event_id}"
        verify_topiic_signature(SANDBOX_SECRET, hook.header("Topiic-Signature"), hook.body, now=now)
        by_session[str(hook.json()["data"]["sessionId"])].add(str(hook.event_id))
    assert set(by_session) == set(sessions)
    assert all(len(ids) == 1 for ids in by_session.values()), "an event id changed"
    assert acknowledged(hooks) == set(sessions), "some webhooks never arrived with a 200"

    acked = Counter(r.event_id for r in arrived if r.answered == 200)
    twice = sum(1 for n in acked.values() if n > 1)
    summary = (
        f"[crash {kind}] {SESSIONS} webhooks; {len(at_kill)} POSTs before the kill; "
        f"{len(arrived)} POSTs in all (and {torn} torn by the kill); "
        f"{twice} arrived twice (answered 200 more than once); "
        f"{time.monotonic() - started:.1f} s"
    )
    print(f"\n{summary}")
    request.node.user_properties.append((FIGURE, summary))
