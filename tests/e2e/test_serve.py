"""The README walkthrough against `mockprovider serve` over real sockets: signed link → 303 →
hosted page → outcome → 303 to `ret`, and the signed webhook at a real receiver."""

from __future__ import annotations

import hmac
import json
import signal
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mockprovider.config import HTTP_SERVERS
from mockprovider.providers.topiic.settings import SANDBOX_PLAN, SANDBOX_SECRET
from tests.e2e.servers import (
    Received,
    ServerProcess,
    WebhookReceiver,
    free_port,
    link_for,
    verify_topiic_signature,
    wait_until,
)
from tests.support import HostedForm, parse_form

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=HTTP_SERVERS)
def http_server(request: pytest.FixtureRequest) -> str:
    """The core flows run on each HTTP server `serve` offers (the other modules on the
    default one)."""
    server: str = request.param
    return server


@dataclass(frozen=True)
class Expected:
    status: str  # the `status` parameter on the return URL
    event_type: str
    failure_reason: str | None
    session_status: str
    provider_status: str


EXPECTED = {
    "success": Expected("ok", "checkout.completed", None, "finished", "Completed"),
    "user_abort": Expected(
        "cancelled", "checkout.failed", "User abandoned checkout.", "finished", "Failed"
    ),
    "capture_failure": Expected(
        "cancelled",
        "checkout.failed",
        "Card capture failed: the card was declined by the issuer.",
        "finished",
        "Failed",
    ),
    "provisioning-error": Expected(
        "cancelled", "checkout.failed", "Provisioning failed", "finished", "Failed"
    ),
    "expiry": Expected(
        "cancelled", "checkout.failed", "Checkout session expired.", "expired", "Expired"
    ),
}


@dataclass(frozen=True)
class Checkout:
    session_id: str
    page_url: str
    form: HostedForm


def open_checkout(http: httpx.Client, server: ServerProcess, link: str) -> Checkout:
    """GET the link (303 to the hosted page, not followed) and then the page."""
    entry = http.get(link)
    assert entry.status_code == 303, entry.text
    page_url = entry.headers["location"]
    assert page_url.startswith(f"{server.topiic_base}/s/"), page_url
    session_id = urlsplit(page_url).path.rsplit("/", 1)[-1]
    page = http.get(page_url)
    assert page.status_code == 200, page.text
    assert "SANDBOX" in page.text
    form = parse_form(page.text)
    assert form.action == f"{server.topiic_base}/s/{session_id}/outcome"
    return Checkout(session_id, page_url, form)


def choose(http: httpx.Client, checkout: Checkout, outcome: str) -> httpx.Response:
    return http.post(checkout.form.action, data={"t": checkout.form.token, "outcome": outcome})


def webhook_of(hooks: WebhookReceiver, session_id: str, count: int = 1) -> list[Received]:
    """Wait for `count` webhooks about `session_id` (earlier tests' stragglers are ignored)."""
    return hooks.wait_for(count, where=lambda r: session_id.encode() in r.body)


def check_topiic_webhook(
    hook: Received, server: ServerProcess, session_id: str, expected: Expected
) -> dict[str, object]:
    """Signature, headers and the envelope of one checkout.* webhook; returns `data`."""
    verify_topiic_signature(
        SANDBOX_SECRET, hook.header("Topiic-Signature"), hook.body, now=server.now()
    )
    assert hook.path == "/hooks/topiic"
    assert hook.header("Content-Type") == "application/json"
    assert hook.header("User-Agent") == "Topiic-Webhooks/1.0"
    envelope = hook.json()
    assert set(envelope) == {"id", "type", "createdAt", "data"}
    assert hook.header("Topiic-Event-Id") == envelope["id"]
    assert hook.header("Topiic-Idempotency-Key") == envelope["id"]
    uuid.UUID(envelope["id"])
    assert envelope["type"] == expected.event_type
    data: dict[str, object] = envelope["data"]
    assert data["sessionId"] == session_id
    assert data["externalRef"] == "cust_42"
    if expected.failure_reason is None:
        assert data["planId"] == SANDBOX_PLAN
        for key in ("memberId", "paymentMethodId", "subscriptionId"):
            uuid.UUID(str(data[key]))
    else:
        assert data["failureReason"] == expected.failure_reason
    return data


@pytest.mark.parametrize("outcome", list(EXPECTED))
def test_outcome_redirects_to_ret_and_delivers_a_signed_webhook(
    server: ServerProcess, hooks: WebhookReceiver, outcome: str
) -> None:
    expected = EXPECTED[outcome]
    with server.client() as http:
        checkout = open_checkout(http, server, link_for(server, hooks))
        assert outcome in checkout.form.buttons
        done = choose(http, checkout, outcome)

    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{hooks.return_url}?customer=42&status={expected.status}"
    [hook] = webhook_of(hooks, checkout.session_id)
    check_topiic_webhook(hook, server, checkout.session_id, expected)
    assert hook.answered == 200

    session = server.session(checkout.session_id)
    assert session["status"] == expected.session_status
    assert session["provider_status"] == expected.provider_status
    [delivery] = server.webhooks(checkout.session_id)
    assert delivery["event_id"] == hook.event_id


def test_closed_tab_sends_nothing_back_and_the_session_expires_silently(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    with server.client() as http:
        checkout = open_checkout(http, server, link_for(server, hooks))
        done = choose(http, checkout, "closed_tab")

    assert done.status_code == 200, done.text
    assert "location" not in done.headers
    assert "Nothing was sent back" in done.text
    # Deliveries are queued in the same transaction that ends the session: none means none.
    assert server.webhooks(checkout.session_id) == []
    assert server.session(checkout.session_id)["status"] == "abandoned"

    server.advance(1800 + 1)  # past exp
    session = server.session(checkout.session_id)
    assert session["status"] == "expired"
    assert session["provider_status"] == "Expired"
    assert server.webhooks(checkout.session_id) == []
    assert not [r for r in hooks.received() if checkout.session_id.encode() in r.body]


def test_a_page_left_open_past_exp_ends_as_an_expiry_when_submitted(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    """The clock expires an opened session silently; a submit from that page still ends the
    flow, as an expiry (spec §2.4): status=cancelled and checkout.failed. Only once."""
    with server.client() as http:
        checkout = open_checkout(http, server, link_for(server, hooks))
        assert server.session(checkout.session_id)["status"] == "opened"
        server.advance(1800 + 1)
        assert server.session(checkout.session_id)["status"] == "expired"
        assert server.webhooks(checkout.session_id) == []
        late = choose(http, checkout, "success")
        again = choose(http, checkout, "success")
        reloaded = http.get(checkout.page_url)

    assert late.status_code == 303, late.text
    assert late.headers["location"] == f"{hooks.return_url}?customer=42&status=cancelled"
    [hook] = webhook_of(hooks, checkout.session_id)
    check_topiic_webhook(hook, server, checkout.session_id, EXPECTED["expiry"])
    assert again.status_code == 403, again.text
    assert reloaded.status_code == 200
    assert "SANDBOX" in reloaded.text
    session = server.session(checkout.session_id)
    assert (session["status"], session["outcome"]) == ("expired", "expiry")
    assert len(server.webhooks(checkout.session_id)) == 1


def test_the_readme_walkthrough_with_the_cli_and_the_builtin_inbox(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    """README "Walkthrough: Topiic with curl", step by step, over real sockets."""
    # 1. Webhooks to the sandbox's own inbox.
    server.set_webhook_url(f"{server.base_url}/_sandbox/inbox")
    server.control("DELETE", "/inbox")
    # 2. A signed deep link, built by the CLI as the integrator's server would.
    ret = "https://app.example/subscribed?customer=42"
    printed = subprocess.run(
        [
            *(sys.executable, "-m", "mockprovider", "topiic", "link"),
            *("--base", server.topiic_base, "--ref", "cust_42", "--ret", ret),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    link = printed.stdout.strip()
    assert link.startswith(f"{server.topiic_base}/c?d=")
    with server.client() as http:
        # 3. Open it: 303 to the hosted page.  4. Pick an outcome as the page's button does.
        checkout = open_checkout(http, server, link)
        done = choose(http, checkout, "success")
        reused = http.get(link)
    assert done.status_code == 303
    assert done.headers["location"] == f"{ret}&status=ok"
    assert reused.status_code == 409  # every link has a one-time nonce

    # 5. The webhook as delivered, its signature checked as the README does with openssl.
    def arrived() -> dict[str, Any] | None:
        requests = server.control("GET", "/inbox")["requests"]
        return next((r for r in requests if checkout.session_id in r["body"]), None)

    inbox = wait_until(arrived, message="no webhook in /_sandbox/inbox")
    timestamp = inbox["headers"]["topiic-signature"].split(",")[0][2:]
    mac = hmac.new(SANDBOX_SECRET.encode(), f"{timestamp}.{inbox['body']}".encode(), "sha256")
    assert inbox["headers"]["topiic-signature"] == f"t={timestamp},v1={mac.hexdigest()}"
    assert json.loads(inbox["body"])["type"] == "checkout.completed"

    # 6. Every delivery with its attempts, and the session's timeline.
    delivery = server.wait_for_delivery(checkout.session_id, lambda d: d["status"] != "pending")
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    [session] = server.control("GET", "/sessions?provider=topiic")["sessions"]
    assert session["id"] == checkout.session_id
    assert [h["event"] for h in session["history"]][:2] == ["created", "opened"]
    assert session["status"] == "finished"

    # Headless instead of step 4: the control API, same effects.
    with server.client() as http:
        other = open_checkout(http, server, link_for(server, hooks, ret=ret))
    picked = server.control(
        "POST", f"/sessions/{other.session_id}/outcome", {"outcome": "user_abort"}
    )
    assert picked["redirect_url"] == f"{ret}&status=cancelled"
    assert picked["session"]["status"] == "finished"


def test_a_failed_webhook_is_retried_with_the_same_event_id_after_30_s(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    hooks.respond(500, default=200)
    with server.client() as http:
        checkout = open_checkout(http, server, link_for(server, hooks))
        assert choose(http, checkout, "success").status_code == 303

    [first] = webhook_of(hooks, checkout.session_id)
    assert first.answered == 500
    # The attempt is recorded after the receiver answered: wait for the record, then check.
    delivery = server.wait_for_delivery(checkout.session_id, lambda d: len(d["attempts"]) == 1)
    assert delivery["status"] == "pending"
    assert delivery["attempts"][0]["status_code"] == 500

    server.advance(30)
    first_t = verify_topiic_signature(
        SANDBOX_SECRET, first.header("Topiic-Signature"), first.body, now=server.now() - 30
    )
    # Within wait_for's 10 s: the dispatcher is woken by the clock, not by a real 30 s.
    _, second = webhook_of(hooks, checkout.session_id, count=2)
    assert second.answered == 200
    assert second.event_id == first.event_id
    assert second.header("Topiic-Idempotency-Key") == first.event_id
    assert second.body == first.body
    second_t = verify_topiic_signature(
        SANDBOX_SECRET, second.header("Topiic-Signature"), second.body, now=server.now()
    )
    assert second_t >= first_t + 30  # re-signed with a fresh t on the sandbox clock
    delivered = server.wait_for_delivery(checkout.session_id, lambda d: d["status"] != "pending")
    assert delivered["status"] == "delivered"
    assert [a["status_code"] for a in delivered["attempts"]] == [500, 200]


def test_sigterm_stops_the_server_promptly_while_webhooks_keep_failing(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    """Graceful stop with the dispatcher busy: every delivery is refused and retried. (The race
    that once hung granian's shutdown here, a cancel lost in `wait_for`, is pinned down by
    tests/core/test_dispatcher.py::test_run_forever_stops_when_cancelled_as_it_is_woken.)"""
    server.set_webhook_url(f"http://127.0.0.1:{free_port()}/nobody-listens")

    def complete(_: int) -> None:
        with server.client() as http:
            for _ in range(25):
                entry = http.get(link_for(server, hooks))
                assert entry.status_code == 303, entry.text
                session_id = urlsplit(entry.headers["location"]).path.rsplit("/", 1)[-1]
                path = f"/_sandbox/sessions/{session_id}/outcome"
                done = http.post(path, json={"outcome": "success"})
                assert done.status_code == 200, done.text

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(complete, range(8)))
    assert server.process is not None
    process = server.process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=8)
    except subprocess.TimeoutExpired:
        raise AssertionError(server.explain("serve did not stop within 8 s of SIGTERM")) from None
    server.stop()  # the fixture's bookkeeping (and any worker left, if one was)
