"""Every redirect and webhook fault a scenario file can ask for, against `mockprovider serve`
over real sockets: the scenarios are a user's `--scenarios` folder, sessions start at the
provider's own entry (Topiic's signed link, Gigs' Connect Sessions API), outcomes are pressed on
the hosted page, and a real receiver sees what each fault promises.

The in-process twin (tests/web/test_scenario_faults.py) pins the details with a frozen clock;
this module proves the same faults survive the real process, dispatcher and HTTP client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import standardwebhooks

from mockprovider.providers.gigs.settings import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET
from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.servers import (
    Received,
    ServerProcess,
    WebhookReceiver,
    link_for,
    verify_topiic_signature,
)
from tests.providers.gigs_helpers import CHECKOUT, svix_verify
from tests.support import FAULT_SCENARIOS, parse_form, write_fault_scenarios

pytestmark = pytest.mark.slow

REDIRECT_DELAY = 0.4  # seconds; the test checks the 303 took at least this long


@pytest.fixture(scope="module")
def fault_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server whose `--scenarios` folder holds every fault, for Topiic and for Gigs."""
    workdir = tmp_path_factory.mktemp("faults")
    folder = workdir / "qa-scenarios"
    folder.mkdir()
    write_fault_scenarios(folder, ("topiic", "gigs"), redirect_delay_ms=int(REDIRECT_DELAY * 1000))
    server = ServerProcess(
        workdir, store=f"sqlite:{workdir / 'state.db'}", args=["--scenarios", str(folder)]
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(fault_server: ServerProcess, hooks: WebhookReceiver) -> ServerProcess:
    hooks.clear()
    fault_server.reset()
    fault_server.set_webhook_url(hooks.hook_url)
    fault_server.control("PUT", "/providers/gigs/settings", {"webhook_url": hooks.hook_url})
    return fault_server


def press_topiic(
    server: ServerProcess, hooks: WebhookReceiver, choice: str
) -> tuple[str, httpx.Response]:
    """Signed link → hosted page → press `choice`; returns (session id, the final response)."""
    with server.client() as http:
        entry = http.get(link_for(server, hooks))
        assert entry.status_code == 303, entry.text
        page = http.get(entry.headers["location"])
        form = parse_form(page.text)
        assert choice in form.buttons, f"{choice!r} is not offered: {form.buttons}"
        done = http.post(form.action, data={"t": form.token, "outcome": choice})
    return entry.headers["location"].split("?")[0].rsplit("/", 1)[-1], done


def press_gigs(server: ServerProcess, hooks: WebhookReceiver, choice: str) -> str:
    """Create a Connect Session through the API, open its url, press `choice`; its id."""
    with server.client() as http:
        created = http.post(
            "/gigs/projects/gigs/connectSessions",
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            json={"intent": CHECKOUT, "callbackUrl": f"{hooks.return_url}?customer=42"},
        )
        assert created.status_code == 201, created.text
        session_id: str = created.json()["id"]
        entry = http.get(created.json()["url"])
        form = parse_form(http.get(entry.headers["location"]).text)
        done = http.post(form.action, data={"t": form.token, "outcome": choice})
        assert done.status_code == 303, done.text
    return session_id


def about(hooks: WebhookReceiver, session_id: str, count: int) -> list[Received]:
    return hooks.wait_for(count, where=lambda r: session_id.encode() in r.body)


def headers_of(hook: Received) -> dict[str, str]:
    return {name.lower(): value for name, value in hook.headers}


def test_redirect_delay_holds_the_303_back(server: ServerProcess, hooks: WebhookReceiver) -> None:
    started = time.monotonic()
    _, done = press_topiic(server, hooks, "slow-redirect")
    waited = time.monotonic() - started
    assert done.status_code == 303
    assert done.headers["location"].endswith("?customer=42&status=ok")
    assert waited >= REDIRECT_DELAY, f"the 303 came after {waited:.3f} s"


def test_redirect_drop_shows_the_return_url_instead(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    session_id, done = press_topiic(server, hooks, "no-redirect")
    assert done.status_code == 200
    assert "location" not in done.headers
    assert f"{hooks.return_url}?customer=42" in done.text
    about(hooks, session_id, 1)  # the webhook still goes out: only the browser is stranded


def test_dropped_webhook_is_never_queued(server: ServerProcess, hooks: WebhookReceiver) -> None:
    dropped, _ = press_topiic(server, hooks, "no-webhook")
    normal, _ = press_topiic(server, hooks, "success")
    about(hooks, normal, 1)
    # Deliveries are queued in the transaction that ends the session: none means none.
    assert server.webhooks(dropped) == []
    assert not [r for r in hooks.received() if dropped.encode() in r.body]


def test_delayed_webhook_waits_for_the_sandbox_clock(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    session_id, _ = press_topiic(server, hooks, "late")
    [delivery] = server.webhooks(session_id)
    assert delivery["status"] == "pending"
    assert delivery["attempts"] == []
    assert not [r for r in hooks.received() if session_id.encode() in r.body]
    server.advance(120)
    [hook] = about(hooks, session_id, 1)
    verify_topiic(hook, server)


def test_duplicated_webhook_arrives_twice_with_one_event_id(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    session_id, _ = press_topiic(server, hooks, "twice")
    first, second = about(hooks, session_id, 2)
    assert first.event_id == second.event_id
    assert first.body == second.body
    verify_topiic(first, server)
    verify_topiic(second, server)


def test_wrong_secret_fails_the_integrators_check(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    session_id, _ = press_topiic(server, hooks, "bad-secret")
    [hook] = about(hooks, session_id, 1)
    with pytest.raises(AssertionError, match="bad signature"):
        verify_topiic(hook, server)


def test_expired_timestamp_fails_the_tolerance_check_not_the_hmac(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    session_id, _ = press_topiic(server, hooks, "stale")
    [hook] = about(hooks, session_id, 1)
    verify_topiic(hook, server, tolerance=3600 + 60)  # the HMAC over the old `t` is right
    with pytest.raises(AssertionError, match="too far from now"):
        verify_topiic(hook, server)


def test_expired_timestamp_fails_gigs_standard_webhooks_verification(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    session_id = press_gigs(server, hooks, "stale")
    outcome_events = hooks.wait_for(2, where=lambda r: b"subscription" in r.body)
    now = server.now()
    for hook in outcome_events:
        with pytest.raises(standardwebhooks.WebhookVerificationError, match="too old"):
            svix_verify(headers_of(hook), hook.body, now, SANDBOX_WEBHOOK_SECRET)
    [created] = about(hooks, session_id, 1)  # sent before the outcome: not faulted
    svix_verify(headers_of(created), created.body, now, SANDBOX_WEBHOOK_SECRET)


def test_reordered_webhooks_arrive_last_first(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    press_gigs(server, hooks, "reversed")
    arrived = hooks.wait_for(3)
    types = [svix_verify(headers_of(h), h.body, server.now())["type"] for h in arrived]
    assert [t.rsplit(".", 2)[-2:] for t in types] == [
        ["connectSession", "created"],
        ["subscription", "activated"],
        ["subscription", "created"],
    ]


def verify_topiic(hook: Received, server: ServerProcess, *, tolerance: float = 300) -> None:
    verify_topiic_signature(
        SANDBOX_SECRET,
        hook.header("Topiic-Signature"),
        hook.body,
        now=server.now(),
        tolerance=tolerance,
    )


def test_the_fault_folder_is_what_the_sandbox_offers(fault_server: ServerProcess) -> None:
    """Guards the module's premise: `--scenarios` loaded every fault file, for both."""
    listed = fault_server.control("GET", "/providers")["providers"]
    offered = {(p["name"], s["name"]) for p in listed for s in p["scenarios"]}
    for name in FAULT_SCENARIOS:
        assert ("topiic", name) in offered
        assert ("gigs", name) in offered
