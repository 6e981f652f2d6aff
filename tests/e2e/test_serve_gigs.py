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
