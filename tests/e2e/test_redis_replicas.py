"""Two `serve` replicas on one Redis behave as one sandbox: a session created through one is
served, completed and inspected through the other, each webhook arrives exactly once, the
sandbox clock is shared, and a replica killed mid-delivery has its claims retaken by the other
once the lease lapses."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.servers import (
    ServerProcess,
    WebhookReceiver,
    link_for,
    verify_topiic_signature,
)
from tests.support import parse_form

pytestmark = pytest.mark.slow

SESSIONS = 10


@pytest.fixture
def replicas(
    tmp_path: Path, redis_url: str, hooks: WebhookReceiver
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Replicas A and B on one Redis (a prefix of their own), Topiic webhooks to `hooks`."""
    store = f"{redis_url}?prefix=replicas-{uuid.uuid4().hex}:"
    first = ServerProcess(tmp_path, store=store, name="replica-a")
    second = ServerProcess(tmp_path, store=store, name="replica-b")
    hooks.clear()
    try:
        first.start()
        second.start()
        first.set_webhook_url(hooks.hook_url)  # a setting written through A applies to B
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_a_session_moves_between_replicas_and_each_webhook_arrives_once(
    replicas: tuple[ServerProcess, ServerProcess], hooks: WebhookReceiver
) -> None:
    first, second = replicas
    finished = []
    with first.client() as on_a, second.client() as on_b:
        for n in range(SESSIONS):
            # Created through one replica, its hosted page served and completed through the
            # other (alternating which is which).
            create, finish = (on_a, on_b) if n % 2 == 0 else (on_b, on_a)
            base = first if n % 2 == 0 else second
            entry = create.get(link_for(base, hooks))
            assert entry.status_code == 303, entry.text
            page_url = urlsplit(entry.headers["location"])
            session_id = page_url.path.rsplit("/", 1)[-1]
            page = finish.get(f"{page_url.path}?{page_url.query}")
            assert page.status_code == 200, page.text
            form = parse_form(page.text)
            done = finish.post(form.action, data={"t": form.token, "outcome": "success"})
            assert done.status_code == 303, done.text
            assert done.headers["location"].endswith("&status=ok")
            finished.append(session_id)

    for session_id in finished:
        for replica in (first, second):
            session = replica.session(session_id)
            assert session["status"] == "finished"
            assert session["provider_status"] == "Completed"
    # Once every delivery is recorded delivered, no second send can still be on its way.
    for session_id in finished:
        for replica in (first, second):
            delivered = replica.wait_for_delivery(session_id, lambda d: d["status"] != "pending")
            assert delivered["status"] == "delivered"
            assert [a["status_code"] for a in delivered["attempts"]] == [200]
    arrived = hooks.wait_for(SESSIONS)
    per_event = Counter(r.event_id for r in arrived)
    assert len(per_event) == SESSIONS
    assert set(per_event.values()) == {1}, f"delivered more than once: {per_event}"
    assert {r.json()["data"]["sessionId"] for r in arrived} == set(finished)
    now = second.now()
    for hook in arrived:
        verify_topiic_signature(SANDBOX_SECRET, hook.header("Topiic-Signature"), hook.body, now=now)


def test_the_sandbox_clock_is_shared(replicas: tuple[ServerProcess, ServerProcess]) -> None:
    first, second = replicas
    before = time.time()
    advanced = first.advance(3600)
    seen = second.now()
    assert advanced >= before + 3600
    assert abs(seen - advanced) < 60  # the same offset; only real time passed in between
    assert second.control("GET", "/clock")["offset"] == pytest.approx(3600)
    second.advance(600)  # and the other way round: both add to the one offset
    assert first.control("GET", "/clock")["offset"] == pytest.approx(4200)


def test_a_killed_replicas_claims_are_retaken_by_the_other(
    tmp_path: Path, redis_url: str, hooks: WebhookReceiver
) -> None:
    """A claims every delivery and dies with them in flight; B, running all along, sends each
    again once A's lease lapses (real time: the slowest provider timeout plus a margin)."""
    store = f"{redis_url}?prefix=takeover-{uuid.uuid4().hex}:"
    first = ServerProcess(tmp_path, store=store, name="replica-a")
    second = ServerProcess(tmp_path, store=store, name="replica-b")
    hooks.clear()
    hooks.delay = 3.0  # A's POSTs are still open at the kill (Topiic waits 10 s)
    try:
        first.start()
        first.set_webhook_url(hooks.hook_url)
        sessions = []
        with first.client() as on_a:
            for _ in range(5):
                entry = on_a.get(link_for(first, hooks))
                session_id = urlsplit(entry.headers["location"]).path.rsplit("/", 1)[-1]
                finish = on_a.post(
                    f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": "success"}
                )
                assert finish.status_code == 200, finish.text
                sessions.append(session_id)
        hooks.wait_for(len(sessions))  # A has claimed and sent each one
        second.start()  # B sees them leased to A and leaves them alone
        first.stop(kill=True)
        hooks.delay = 0.0
        for session_id in sessions:
            retaken = second.wait_for_delivery(
                session_id, lambda d: d["status"] != "pending", timeout=45
            )
            assert retaken["status"] == "delivered"
            # A's attempt died with A: the outbox holds only B's, made after the lease lapsed.
            assert [a["status_code"] for a in retaken["attempts"]] == [200]
        now = second.now()
    finally:
        hooks.delay = 0.0
        first.stop(kill=True)
        second.stop()

    per_event = Counter(r.event_id for r in hooks.received())
    assert len(per_event) == len(sessions)
    assert set(per_event.values()) == {2}, "each should arrive once from A, once from B"
    for hook in hooks.received():
        verify_topiic_signature(SANDBOX_SECRET, hook.header("Topiic-Signature"), hook.body, now=now)
