"""Gigs Connect flows (spec §1.3, §1.4, §1.8; outcome table in specs/README.md): every outcome
by the hosted page's button and by the control API, exact redirects, the events each sends,
the one-off url (single use, TTL), the legacy status switch and the magic e-mails."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.gigs_helpers import (
    CALLBACK,
    PATHS,
    PLAN,
    choose,
    deliver_due,
    deliveries,
    finish,
    new_session,
    open_url,
    press,
    put_settings,
    session_view,
)
from tests.support import SANDBOX, Receiver, parse_form

CREATED = "com.gigs.connectSession.created"
SUBSCRIPTION = ["com.gigs.subscription.created", "com.gigs.subscription.activated"]
#: callbackUrl -> how `session_id=…&status=…` is joined to it [DOC seeds/gigs-connect-link-back]
CALLBACKS = {
    CALLBACK: CALLBACK + "?",
    "http://localhost:3000?error=connectSessionFailed": (
        "http://localhost:3000?error=connectSessionFailed&"
    ),
    "myapp://deep-link": "myapp://deep-link?",
}
#: outcome -> (redirect status or None, events after creation, session status)
OUTCOMES: dict[str, tuple[str | None, list[str], str]] = {
    "success": ("success", SUBSCRIPTION, "finished"),
    "user_abort": ("user_aborted", [], "finished"),
    "expiry": ("auth_expired", [], "expired"),
    "bad_config": ("bad_configuration", [], "finished"),
    "capture_failure": (None, [], "opened"),
    "closed_tab": (None, [], "abandoned"),
}
DECLINED = "Your card was declined. Try another card or cancel."


async def event_types(client: httpx.AsyncClient, session_id: str) -> list[str]:
    return [d["event_type"] for d in await deliveries(client, session_id)]


@pytest.mark.parametrize("callback", list(CALLBACKS))
@pytest.mark.parametrize("outcome", list(OUTCOMES))
@pytest.mark.parametrize("path", PATHS)
async def test_each_outcome_redirects_and_sends_exactly_its_events(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FrozenClock,
    path: str,
    outcome: str,
    callback: str,
) -> None:
    status, events, session_status = OUTCOMES[outcome]
    done = await finish(client, path, outcome, callbackUrl=callback)

    expected = f"{CALLBACKS[callback]}session_id={done.session_id}&status={status}"
    assert done.location == (expected if status else None)
    assert await event_types(client, done.session_id) == [CREATED, *events]
    await deliver_due(dispatcher, clock)
    sent = [r.headers["webhook-id"] for r in receiver.requests]
    assert sent == [d["event_id"] for d in await deliveries(client, done.session_id)]
    view = await session_view(client, done.session_id)
    expected_status = "created" if (path, outcome) == ("api", "capture_failure") else session_status
    assert view["status"] == expected_status
    if outcome == "capture_failure":
        problem = (
            done.response.json()["problem"]
            if path == "api"
            else re.search(r'role="alert">([^<]+)<', done.response.text).group(1)  # type: ignore[union-attr]
        )
        assert problem == DECLINED


async def test_success_events_describe_the_new_subscription(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    done = await finish(client, "api", "success", userDetails={"email": "maya@example.com"})
    await deliver_due(dispatcher, clock)
    bodies = [r.content for r in receiver.requests]
    created, activated = (json.loads(b) for b in bodies[1:])
    assert list(created) == [
        "object", "id", "data", "datacontenttype", "project", "source", "specversion", "time",
        "type", "version",
    ]  # fmt: skip
    sub = created["data"]
    assert re.fullmatch(r"sub_[A-Za-z0-9]{28}", sub["id"])
    assert re.fullmatch(r"usr_[A-Za-z0-9]{28}", sub["user"])
    assert (sub["plan"], sub["status"]) == ({"object": "plan", "id": PLAN}, "pending")
    assert activated["data"]["id"] == sub["id"]
    assert activated["data"]["status"] == "active"
    view = await session_view(client, done.session_id)
    assert view["data"]["subscription"] == sub["id"]


@pytest.mark.parametrize("intent", [{"type": "updatePaymentMethod"}, {"type": "viewSubscriptions"}])
async def test_success_of_other_intents_sends_no_domain_event(
    client: httpx.AsyncClient, intent: dict[str, Any]
) -> None:
    done = await finish(client, "api", "success", intent=intent)
    assert done.location == f"{CALLBACK}?session_id={done.session_id}&status=success"
    assert await event_types(client, done.session_id) == [CREATED]


@pytest.mark.parametrize("path", PATHS)
async def test_the_legacy_switch_sends_not_allowed(client: httpx.AsyncClient, path: str) -> None:
    await put_settings(client, legacy_not_allowed=True)
    done = await finish(client, path, "bad_config")
    assert done.location == f"{CALLBACK}?session_id={done.session_id}&status=not_allowed"


@pytest.mark.parametrize("outcome", ["success", "user_abort", "bad_config", "expiry"])
@pytest.mark.parametrize("path", PATHS)
async def test_without_callback_url_a_sandbox_page_shows_the_status(
    client: httpx.AsyncClient, path: str, outcome: str
) -> None:
    done = await finish(client, path, outcome, callbackUrl=None)
    assert done.location is None
    status = OUTCOMES[outcome][0]
    if path == "button":
        assert f'<code id="connect-status">{status}</code>' in done.response.text
        assert "SANDBOX" in done.response.text
    view = await session_view(client, done.session_id)
    assert view["provider_status"] == status


async def test_the_url_opens_the_connect_page_once_then_gives_auth_expired(
    client: httpx.AsyncClient,
) -> None:
    created = await new_session(client, callbackUrl="myapp://deep-link")
    first = await open_url(client, created["url"])
    second = await open_url(client, created["url"])

    assert first.status_code == 303
    assert first.headers["location"].startswith(f"{SANDBOX}/gigs/s/{created['id']}?t=")
    page = await client.get(first.headers["location"])
    assert "Gigs Connect" in page.text
    assert "SANDBOX" in page.text
    assert "checkoutNewSubscription" in page.text
    assert parse_form(page.text).buttons[:6] == [
        "success", "user_abort", "capture_failure", "expiry", "bad_config", "closed_tab",
    ]  # fmt: skip
    assert second.status_code == 303
    assert second.headers["location"] == (
        f"myapp://deep-link?session_id={created['id']}&status=auth_expired"
    )
    # The first tab's page still works: the flow goes on there.
    done = await press(client, first.headers["location"], "success")
    assert (
        done.headers["location"] == f"myapp://deep-link?session_id={created['id']}&status=success"
    )


@pytest.mark.parametrize("mover", ["control-api", "engine-at-open"])
async def test_opening_after_the_ttl_gives_auth_expired(
    client: httpx.AsyncClient, clock: FrozenClock, mover: str
) -> None:
    created = await new_session(client)
    if mover == "control-api":  # the expiry sweep ends it first
        await client.post("/_sandbox/clock/advance", json={"seconds": 900})
    else:  # nothing swept: the open itself notices
        clock.advance(900)
    response = await open_url(client, created["url"])

    assert (
        response.headers["location"] == f"{CALLBACK}?session_id={created['id']}&status=auth_expired"
    )
    assert (await session_view(client, created["id"]))["status"] == "expired"
    assert await event_types(client, created["id"]) == [CREATED]


async def test_just_before_the_ttl_the_url_still_opens(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await put_settings(client, session_ttl=60)
    created = await new_session(client)
    clock.advance(59)
    assert (await open_url(client, created["url"])).headers["location"].startswith(SANDBOX)


async def test_opening_a_finished_session_gives_auth_expired_without_a_callback_page(
    client: httpx.AsyncClient,
) -> None:
    created = await new_session(client, callbackUrl=None)
    await choose(client, created["id"], "user_abort")
    response = await open_url(client, created["url"])
    assert response.status_code == 200
    assert '<code id="connect-status">auth_expired</code>' in response.text


@pytest.mark.parametrize(
    ("query", "status"),
    [("token=" + "A" * 64, 403), ("", 403), ("session=csn_nope&token=x", 404)],
)
async def test_a_wrong_token_or_session_is_an_error_page_and_burns_nothing(
    client: httpx.AsyncClient, query: str, status: int
) -> None:
    created = await new_session(client)
    prefix = f"session={created['id']}&" if "session=" not in query else ""
    response = await client.get(f"/gigs/checkout/entry?{prefix}{query}")
    assert response.status_code == status
    assert (await open_url(client, created["url"])).status_code == 303


@pytest.mark.parametrize("then", ["success", "user_abort"])
@pytest.mark.parametrize("path", PATHS)
async def test_a_declined_card_stays_on_the_page_then_retry_or_abort(
    client: httpx.AsyncClient, path: str, then: str
) -> None:
    created = await new_session(client)
    page_url = (await open_url(client, created["url"])).headers["location"]
    if path == "button":
        declined = await press(client, page_url, "capture_failure")
        assert declined.status_code == 200
        assert DECLINED in declined.text
        assert "location" not in declined.headers
        done = await press(client, page_url, then)
        location = done.headers["location"]
    else:
        declined = await choose(client, created["id"], "capture_failure")
        assert (declined.json()["redirect_url"], declined.json()["problem"]) == (None, DECLINED)
        location = (await choose(client, created["id"], then)).json()["redirect_url"]
    status = OUTCOMES[then][0]
    assert location == f"{CALLBACK}?session_id={created['id']}&status={status}"
    expected = [CREATED, *OUTCOMES[then][1]]
    assert await event_types(client, created["id"]) == expected


async def test_a_closed_tab_sends_nothing_then_expires_silently(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    done = await finish(client, "button", "closed_tab")
    assert "You closed the tab" in done.response.text
    await client.post("/_sandbox/clock/advance", json={"seconds": 900})
    assert (await session_view(client, done.session_id))["status"] == "expired"
    assert await event_types(client, done.session_id) == [CREATED]


@pytest.mark.parametrize(
    ("magic", "status"),
    [
        ("+user_aborted", "user_aborted"),
        ("+auth_expired", "auth_expired"),
        ("+bad_configuration", "bad_configuration"),
    ],
)
async def test_magic_emails_pick_the_outcome_when_the_url_is_opened(
    client: httpx.AsyncClient, magic: str, status: str
) -> None:
    created = await new_session(client, userDetails={"email": f"maya{magic}@example.com"})
    entry = await open_url(client, created["url"])
    page = await client.get(entry.headers["location"])
    assert page.headers["location"] == f"{CALLBACK}?session_id={created['id']}&status={status}"
    assert await event_types(client, created["id"]) == [CREATED]


async def test_the_capture_failure_magic_shows_the_inline_error_and_allows_a_retry(
    client: httpx.AsyncClient,
) -> None:
    created = await new_session(client, userDetails={"email": "maya+capture_failure@example.com"})
    page_url = (await open_url(client, created["url"])).headers["location"]
    page = await client.get(page_url)
    assert page.status_code == 200
    assert DECLINED in page.text
    form = parse_form(page.text)
    done = await client.post(form.action, data={"t": form.token, "outcome": "success"})
    assert done.headers["location"] == f"{CALLBACK}?session_id={created['id']}&status=success"
