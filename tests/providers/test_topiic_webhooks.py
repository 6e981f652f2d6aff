"""Topiic webhook delivery (spec §2.4, §2.5, §2.7): which events are sent, the retry schedule
on the sandbox clock, failures, replay, and the webhook faults of the built-in scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mockprovider.clock import FrozenClock, iso_millis
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.providers.topiic_helpers import (
    RET,
    advance,
    body_of,
    deliveries,
    finish,
    put_settings,
    signature_params,
    signature_verifies,
    verifies_with_sandbox_secret,
)
from tests.support import RECEIVER, T0, Receiver

#: Delay before attempts 2..8 (spec §2.7).
RETRY_DELAYS = (30, 2 * 60, 10 * 60, 3600, 6 * 3600, 24 * 3600, 24 * 3600)
#: When attempts 1..8 are made, counted from the first.
ATTEMPT_OFFSETS = (0, 30, 150, 750, 4350, 25950, 112350, 198750)
BOTH_EVENTS = ["checkout.completed", "checkout.failed"]


@dataclass
class RedirectingReceiver(Receiver):
    """A receiver whose 3xx answers point somewhere, so a followed redirect would show."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        response = super().handler(request)
        if 300 <= response.status_code < 400:
            response.headers["Location"] = RECEIVER + "/moved"
        return response


@pytest.fixture
def receiver() -> Receiver:
    return RedirectingReceiver()


async def move_time(
    mover: str, clock: FrozenClock, client: httpx.AsyncClient, seconds: int
) -> None:
    if mover == "clock":
        clock.advance(seconds)
    else:
        await advance(client, seconds)


async def only_delivery(client: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    found = await deliveries(client, session_id)
    assert len(found) == 1
    return found[0]


async def delivery_types(client: httpx.AsyncClient, session_id: str) -> list[str]:
    return [d["event_type"] for d in await deliveries(client, session_id)]


async def fail_all_attempts(dispatcher: Dispatcher, clock: FrozenClock) -> None:
    assert await dispatcher.run_once() == 1
    for delay in RETRY_DELAYS:
        clock.advance(delay)
        assert await dispatcher.run_once() == 1


# -- 5. which events are sent ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evts", "portal", "outcome", "expected"),
    [
        (["checkout.completed"], BOTH_EVENTS, "user_abort", []),
        (["checkout.completed"], BOTH_EVENTS, "success", ["checkout.completed"]),
        (BOTH_EVENTS, ["checkout.completed"], "capture_failure", []),
        (BOTH_EVENTS, ["checkout.completed"], "success", ["checkout.completed"]),
        (["checkout.failed"], BOTH_EVENTS, "success", []),
        (["checkout.failed"], ["checkout.completed"], "user_abort", []),
        ([], BOTH_EVENTS, "success", []),
        (BOTH_EVENTS, [], "user_abort", []),
        (BOTH_EVENTS, BOTH_EVENTS, "expiry", ["checkout.failed"]),
    ],
    ids=[
        "evts-without-failed",
        "evts-without-failed-success",
        "portal-without-failed",
        "portal-without-failed-success",
        "evts-without-completed",
        "in-neither",
        "evts-empty",
        "portal-empty",
        "both",
    ],
)
async def test_only_events_in_both_the_link_evts_and_the_portal_events_are_sent(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    evts: list[str],
    portal: list[str],
    outcome: str,
    expected: list[str],
) -> None:
    await put_settings(client, events=portal)
    done = await finish(client, "api", outcome, evts=evts)
    assert done.location == RET + ("&status=ok" if outcome == "success" else "&status=cancelled")
    assert await delivery_types(client, done.session_id) == expected
    await dispatcher.run_once()
    assert [body_of(r)["type"] for r in receiver.requests] == expected


@pytest.mark.parametrize("outcome", ["success", "user_abort"])
async def test_no_webhook_url_means_no_delivery_but_the_same_redirect(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, outcome: str
) -> None:
    await put_settings(client, webhook_url="")
    done = await finish(client, "button", outcome)
    assert done.location == RET + ("&status=ok" if outcome == "success" else "&status=cancelled")
    assert await deliveries(client, done.session_id) == []
    assert await dispatcher.run_once() == 0
    assert receiver.requests == []


async def test_a_queued_event_keeps_the_url_it_was_queued_for(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    first = await finish(client, "api", "success")
    await put_settings(client, webhook_url="http://elsewhere.test/hooks")
    second = await finish(client, "api", "success")
    assert (await only_delivery(client, first.session_id))["url"] == RECEIVER
    assert (await only_delivery(client, second.session_id))["url"] == "http://elsewhere.test/hooks"
    await dispatcher.run_once()
    assert sorted(str(r.url) for r in receiver.requests) == [
        "http://elsewhere.test/hooks",
        RECEIVER,
    ]


# -- 6. retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mover", ["clock", "control-api"])
async def test_failed_deliveries_retry_on_the_documented_schedule_then_are_abandoned(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    mover: str,
) -> None:
    receiver.default = 500
    done = await finish(client, "api", "success")
    assert await dispatcher.run_once() == 1
    for delay in RETRY_DELAYS:
        await move_time(mover, clock, client, delay - 1)
        assert await dispatcher.run_once() == 0
        await move_time(mover, clock, client, 1)
        assert await dispatcher.run_once() == 1
        assert await dispatcher.run_once() == 0
    await move_time(mover, clock, client, 30 * 24 * 3600)
    assert await dispatcher.run_once() == 0

    delivery = await only_delivery(client, done.session_id)
    assert delivery["status"] == "abandoned"
    assert delivery["next_attempt_at"] is None
    attempts = delivery["attempts"]
    assert [a["number"] for a in attempts] == list(range(1, 9))
    assert [a["at"] for a in attempts] == [iso_millis(T0 + o) for o in ATTEMPT_OFFSETS]
    assert all(a["status_code"] == 500 and a["error"] is None for a in attempts)
    assert all(isinstance(a["duration_ms"], float) and a["duration_ms"] >= 0 for a in attempts)
    assert [signature_params(a["headers"]["Topiic-Signature"])["t"] for a in attempts] == [
        str(int(T0) + o) for o in ATTEMPT_OFFSETS
    ]

    requests = receiver.requests
    assert len(requests) == 8
    event_id = body_of(requests[0])["id"]
    assert delivery["event_id"] == event_id
    assert {r.content for r in requests} == {requests[0].content}
    assert {r.headers["Topiic-Event-Id"] for r in requests} == {event_id}
    assert {r.headers["Topiic-Idempotency-Key"] for r in requests} == {event_id}
    signatures = [r.headers["Topiic-Signature"] for r in requests]
    assert len(set(signatures)) == 8
    assert all(verifies_with_sandbox_secret(r) for r in requests)


@pytest.mark.parametrize(
    ("answer", "status_code", "error"),
    [
        (500, 500, None),
        (404, 404, None),
        (302, 302, None),
        (301, 301, None),
        (httpx.ConnectError("refused"), None, "ConnectError: refused"),
        (httpx.ReadTimeout("timed out"), None, "no response within 10 s"),
    ],
    ids=["500", "404", "302", "301", "connect-error", "timeout"],
)
async def test_a_failed_attempt_is_recorded_and_retried_after_30_seconds(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    answer: int | Exception,
    status_code: int | None,
    error: str | None,
) -> None:
    receiver.responses = [answer]
    done = await finish(client, "api", "success")
    assert await dispatcher.run_once() == 1
    assert len(receiver.requests) == 1
    delivery = await only_delivery(client, done.session_id)
    assert delivery["status"] == "pending"
    assert delivery["next_attempt_at"] == iso_millis(T0 + 30)
    [attempt] = delivery["attempts"]
    assert (attempt["status_code"], attempt["error"]) == (status_code, error)
    assert attempt["duration_ms"] >= 0
    clock.advance(30)
    assert await dispatcher.run_once() == 1
    delivery = await only_delivery(client, done.session_id)
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [status_code, 200]
    assert receiver.requests[0].content == receiver.requests[1].content


@pytest.mark.parametrize("status_code", [200, 201, 204, 299])
async def test_any_2xx_delivers_at_once(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    status_code: int,
) -> None:
    receiver.default = status_code
    done = await finish(client, "api", "success")
    assert await dispatcher.run_once() == 1
    delivery = await only_delivery(client, done.session_id)
    assert delivery["status"] == "delivered"
    assert delivery["next_attempt_at"] is None
    assert [(a["status_code"], a["error"]) for a in delivery["attempts"]] == [(status_code, None)]
    clock.advance(3 * 24 * 3600)
    assert await dispatcher.run_once() == 0
    assert len(receiver.requests) == 1


async def test_attempts_wait_at_most_10_seconds_and_do_not_follow_redirects(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.responses = [302]
    await finish(client, "api", "success")
    await dispatcher.run_once()
    [request] = receiver.requests
    assert request.extensions["timeout"] == {
        "connect": 10.0,
        "read": 10.0,
        "write": 10.0,
        "pool": 10.0,
    }


async def test_replay_resends_the_same_event_and_body_with_a_new_signature(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    done = await finish(client, "api", "success")
    await dispatcher.run_once()
    delivery = await only_delivery(client, done.session_id)
    clock.advance(3600)
    replay = await client.post(f"/_sandbox/webhooks/{delivery['id']}/replay")
    assert replay.status_code == 202
    assert replay.json() == {"status": "queued", "message": "webhook delivery replay queued"}
    assert await dispatcher.run_once() == 1
    first, again = receiver.requests
    assert again.content == first.content
    for header in ("Topiic-Event-Id", "Topiic-Idempotency-Key", "Content-Type", "User-Agent"):
        assert again.headers[header] == first.headers[header]
    assert again.headers["Topiic-Signature"] != first.headers["Topiic-Signature"]
    assert signature_params(again.headers["Topiic-Signature"])["t"] == str(int(T0) + 3600)
    assert verifies_with_sandbox_secret(again)
    assert len(await deliveries(client, done.session_id)) == 1


async def test_replay_of_an_abandoned_delivery_delivers_it(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.default = 500
    done = await finish(client, "api", "user_abort")
    await fail_all_attempts(dispatcher, clock)
    delivery = await only_delivery(client, done.session_id)
    assert delivery["status"] == "abandoned"
    receiver.default = 204
    clock.advance(7 * 24 * 3600)
    assert (await client.post(f"/_sandbox/webhooks/{delivery['id']}/replay")).status_code == 202
    assert await dispatcher.run_once() == 1
    replayed = await only_delivery(client, done.session_id)
    assert replayed["status"] == "delivered"
    assert [a["status_code"] for a in replayed["attempts"]] == [500] * 8 + [204]
    assert replayed["event_id"] == delivery["event_id"]
    assert receiver.requests[-1].content == receiver.requests[0].content
    assert receiver.requests[-1].headers["Topiic-Event-Id"] == delivery["event_id"]
    assert verifies_with_sandbox_secret(receiver.requests[-1])


async def test_replay_of_an_unknown_delivery_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.post("/_sandbox/webhooks/dlv_nope/replay")
    assert response.status_code == 404


# -- 7. webhook faults of the built-in scenarios --------------------------------------------------


async def test_webhook_twice_delivers_the_same_event_twice(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    done = await finish(client, "button", "webhook-twice")
    assert done.location == RET + "&status=ok"
    found = await deliveries(client, done.session_id)
    assert len(found) == 2
    assert found[0]["id"] != found[1]["id"]
    assert found[0]["event_id"] == found[1]["event_id"]
    assert await dispatcher.run_once() == 2
    first, second = receiver.requests
    assert first.content == second.content
    assert body_of(first)["type"] == "checkout.completed"
    assert first.headers["Topiic-Event-Id"] == second.headers["Topiic-Event-Id"]
    assert first.headers["Topiic-Event-Id"] == body_of(first)["id"]
    assert all(verifies_with_sandbox_secret(r) for r in receiver.requests)


async def test_wrong_signature_scenario_signs_with_a_secret_that_does_not_verify(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    done = await finish(client, "api", "wrong-signature")
    assert done.location == RET + "&status=ok"
    await dispatcher.run_once()
    [request] = receiver.requests
    assert body_of(request)["type"] == "checkout.completed"
    params = signature_params(request.headers["Topiic-Signature"])
    assert params["t"] == str(int(T0))
    assert len(params["v1"]) == 64
    assert not signature_verifies(
        SANDBOX_SECRET, request.headers["Topiic-Signature"], request.content
    )


@pytest.mark.parametrize("mover", ["clock", "control-api"])
async def test_late_webhook_is_due_only_40_seconds_after_the_redirect(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    mover: str,
) -> None:
    done = await finish(client, "button", "late-webhook")
    assert done.location == RET + "&status=ok"
    assert (await only_delivery(client, done.session_id))["next_attempt_at"] == iso_millis(T0 + 40)
    assert await dispatcher.run_once() == 0
    await move_time(mover, clock, client, 39)
    assert await dispatcher.run_once() == 0
    await move_time(mover, clock, client, 1)
    assert await dispatcher.run_once() == 1
    [request] = receiver.requests
    assert body_of(request)["type"] == "checkout.completed"
    assert signature_params(request.headers["Topiic-Signature"])["t"] == str(int(T0) + 40)
    assert verifies_with_sandbox_secret(request)
