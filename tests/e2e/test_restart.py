"""SQLite durability: a server killed with webhooks still failing leaves them in the outbox, and
the next server on the same file delivers every one of them, signed, with the same event ids."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.servers import ServerProcess, WebhookReceiver, link_for, verify_topiic_signature
from tests.support import parse_form

pytestmark = pytest.mark.slow

SESSIONS = 5


def create_session(http: httpx.Client, server: ServerProcess, hooks: WebhookReceiver) -> str:
    entry = http.get(link_for(server, hooks))
    assert entry.status_code == 303, entry.text
    return urlsplit(entry.headers["location"]).path.rsplit("/", 1)[-1]


def test_queued_webhooks_and_sessions_survive_kill_9(
    tmp_path: Path, hooks: WebhookReceiver
) -> None:
    store = f"sqlite:{tmp_path / 'state.db'}"
    first = ServerProcess(tmp_path, store=store, name="first")
    second = ServerProcess(tmp_path, store=store, name="second")
    hooks.respond(default=503)
    try:
        first.start()
        first.set_webhook_url(hooks.hook_url)
        with first.client() as http:
            finished = []
            for _ in range(SESSIONS):
                session_id = create_session(http, first, hooks)
                done = http.post(
                    f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": "success"}
                )
                assert done.status_code == 200, done.text
                finished.append(session_id)
            # One left open, its hosted page not yet visited.
            pending_entry = http.get(link_for(first, hooks))
            assert pending_entry.status_code == 303
            pending_page = urlsplit(pending_entry.headers["location"])

        # Every first attempt failed and was recorded: the retries sit in the outbox.
        event_ids = {}
        for session_id in finished:
            delivery = first.wait_for_delivery(session_id, lambda d: len(d["attempts"]) == 1)
            assert delivery["status"] == "pending"
            assert delivery["attempts"][0]["status_code"] == 503
            event_ids[delivery["event_id"]] = session_id
        assert len(event_ids) == SESSIONS
        assert {r.event_id for r in hooks.received()} == set(event_ids)

        first.stop(kill=True)
        hooks.clear()  # now answers 200
        second.start()

        for session_id in finished:
            session = second.session(session_id)
            assert session["status"] == "finished"
            assert session["provider_status"] == "Completed"
        second.advance(30)
        arrived = hooks.wait_for(SESSIONS)
        now = second.now()
        assert sorted(str(r.event_id) for r in arrived) == sorted(event_ids)
        for hook in arrived:
            verify_topiic_signature(
                SANDBOX_SECRET, hook.header("Topiic-Signature"), hook.body, now=now
            )
            assert hook.json()["data"]["sessionId"] == event_ids[str(hook.event_id)]
        for session_id in finished:
            delivered = second.wait_for_delivery(session_id, lambda d: d["status"] != "pending")
            assert delivered["status"] == "delivered"
            assert [a["status_code"] for a in delivered["attempts"]] == [503, 200]

        # The page-token secret and the settings are in the file too: the old page link works.
        with second.client() as http:
            page = http.get(f"{pending_page.path}?{pending_page.query}")
            assert page.status_code == 200, page.text
            form = parse_form(page.text)
            done = http.post(form.action, data={"t": form.token, "outcome": "user_abort"})
            assert done.status_code == 303
            assert done.headers["location"].endswith("&status=cancelled")
        hooks.wait_for(SESSIONS + 1)
    finally:
        first.stop(kill=True)
        second.stop()
