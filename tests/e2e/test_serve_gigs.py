"""Gigs Connect against `mockprovider serve` over real sockets: create a Connect Session via
the API → open the one-off url → press an outcome → exact Location → the Svix-signed webhooks
arrive at a real receiver and verify with the PyPI `standardwebhooks` package."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mockprovider.providers.gigs.settings import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET
from tests.e2e.servers import ServerProcess, WebhookReceiver
from tests.providers.gigs_helpers import svix_verify
from tests.support import parse_form

pytestmark = pytest.mark.slow
PLAN = "pln_0SNlurA049MEWV3V0q7gjQbM4EVo"


def test_create_open_complete_and_receive_verified_events(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    server.control("PUT", "/providers/gigs/settings", {"webhook_url": hooks.hook_url})
    callback = f"{hooks.return_url}?customer=42"
    with server.client() as http:
        created = http.post(
            "/gigs/projects/gigs/connectSessions",
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            json={
                "intent": {
                    "type": "checkoutNewSubscription",
                    "checkoutNewSubscription": {"plan": PLAN},
                },
                "callbackUrl": callback,
                "userDetails": {"email": "maya@example.com"},
            },
        )
        assert created.status_code == 201, created.text
        session = created.json()
        assert session["url"].startswith(
            f"{server.base_url}/gigs/checkout/entry?session={session['id']}&token="
        )
        entry = http.get(session["url"])
        assert entry.status_code == 303, entry.text
        page = http.get(entry.headers["location"])
        assert page.status_code == 200
        assert "SANDBOX" in page.text
        form = parse_form(page.text)
        done = http.post(form.action, data={"t": form.token, "outcome": "success"})
        again = http.get(session["url"])

    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{callback}&session_id={session['id']}&status=success"
    assert again.headers["location"] == f"{callback}&session_id={session['id']}&status=auth_expired"
    received = hooks.wait_for(
        3, where=lambda r: session["id"].encode() in r.body or b"sub_" in r.body
    )
    now = server.now()
    types = []
    for hook in received:
        headers = {k.lower(): v for k, v in hook.headers}
        assert urlsplit(hooks.hook_url).path == hook.path
        types.append(svix_verify(headers, hook.body, now, SANDBOX_WEBHOOK_SECRET)["type"])
    assert sorted(types) == [
        "com.gigs.connectSession.created",
        "com.gigs.subscription.activated",
        "com.gigs.subscription.created",
    ]
    ids = {d["event_id"] for d in server.webhooks(session["id"])}
    assert {{k.lower(): v for k, v in h.headers}["webhook-id"] for h in received} == ids


def test_after_the_flow_every_read_agrees_with_the_verified_events(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    """The integrator's whole path: create → url → Complete → redirect → verified
    subscription.created (pending) → reads → activation after `activation_delay` → reads."""
    server.control(
        "PUT", "/providers/gigs/settings", {"webhook_url": hooks.hook_url, "activation_delay": 60}
    )
    auth = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
    base = "/gigs/projects/gigs"
    with server.client() as http:
        session = http.post(
            f"{base}/connectSessions",
            headers=auth,
            json={
                "intent": {
                    "type": "checkoutNewSubscription",
                    "checkoutNewSubscription": {"plan": PLAN},
                },
                "callbackUrl": hooks.return_url,
                "userDetails": {"email": "maya@example.com"},
            },
        ).json()
        page = http.get(http.get(session["url"]).headers["location"])
        form = parse_form(page.text)
        done = http.post(form.action, data={"t": form.token, "outcome": "success"})
        assert done.headers["location"].endswith(f"session_id={session['id']}&status=success")

        [created] = hooks.wait_for(1, where=lambda r: b"subscription.created" in r.body)
        headers = {k.lower(): v for k, v in created.headers}
        event = svix_verify(headers, created.body, server.now(), SANDBOX_WEBHOOK_SECRET)
        subscription_id, user_id = event["data"]["id"], event["data"]["user"]
        read_session = http.get(f"{base}/connectSessions/{session['id']}", headers=auth).json()
        pending = http.get(f"{base}/subscriptions/{subscription_id}", headers=auth).json()
        user = http.get(f"{base}/users/{user_id}", headers=auth).json()

        server.advance(60)
        [activated] = hooks.wait_for(1, where=lambda r: b"subscription.activated" in r.body)
        headers = {k.lower(): v for k, v in activated.headers}
        later = svix_verify(headers, activated.body, server.now(), SANDBOX_WEBHOOK_SECRET)
        active = http.get(f"{base}/subscriptions/{subscription_id}", headers=auth).json()

    assert read_session["id"] == session["id"]
    assert read_session["url"] is None
    assert read_session["user"] == user_id
    assert pending["status"] == event["data"]["status"] == "pending"
    assert user["id"] == user_id
    assert user["email"] == "maya@example.com"
    assert pending["user"] == user
    assert later["data"]["id"] == subscription_id
    assert active["status"] == later["data"]["status"] == "active"
    assert active["activatedAt"] == later["data"]["activatedAt"]
    assert active["currentPeriod"] == later["data"]["currentPeriod"]
