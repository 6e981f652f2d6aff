"""Gigs webhooks (spec §1.5 to §1.7): the Svix vectors verbatim, real deliveries verified with the
PyPI `standardwebhooks` package, secret rotation, the Svix retry schedule on the sandbox clock,
`webhook-delivery: abort-message`, replay, and the webhook faults of the built-in scenarios."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest
import standardwebhooks

from mockprovider.clock import FrozenClock, iso_millis, iso_seconds
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.gigs import events
from tests.providers.gigs_helpers import (
    advance,
    deliver_due,
    deliveries,
    finish,
    new_session,
    put_settings,
    svix_verify,
)
from tests.support import T0, Receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_2_BODY = (
    b'{"object":"event","id":"evt_0SNlurA049MEWV5gNTcQ5A07h3Ol","data":{"object":"connectSession",'
    b'"id":"csn_0SNlurA049MEWV1GWxpaE5D0t2D6","callbackUrl":"https://example.com","intent":'
    b'{"type":"checkoutNewSubscription","checkoutNewSubscription":{"plan":"pln_0SNlurA049MEWV3V0q7gjQbM4EVo"}},'
    b'"url":null,"user":"usr_0SNlurA049MEWV4OpCwsNyC9Kn2d"},"datacontenttype":"application/json",'
    b'"project":"gigs","source":"https://api.gigs.com","specversion":"1.0","time":"2022-03-16T14:12:42Z",'
    b'"type":"com.gigs.connectSession.created","version":"2024-10-28"}'
)
#: Delay before attempts 2..8 and when attempts 1..8 happen (spec §1.7 [DOC G15]).
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
ATTEMPT_OFFSETS = (0, 5, 305, 2105, 9305, 27305, 63305, 99305)
SECOND = "whsec_" + "c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24="


@dataclass
class SvixReceiver(Receiver):
    """Answers with `webhook-delivery: abort-message` when `abort` is set; 3xx point elsewhere."""

    abort: bool = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        response = super().handler(request)
        if self.abort:
            response.headers["webhook-delivery"] = "abort-message"
        if 300 <= response.status_code < 400:
            response.headers["Location"] = "http://receiver.test/moved"
        return response


@pytest.fixture
def receiver() -> Receiver:
    return SvixReceiver()


def test_svix_vector_1_verbatim() -> None:
    got = events.signature(
        SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_svix_vector_2_verbatim_and_its_body_is_our_envelope() -> None:
    got = events.signature(SECRET, "msg_2Ks8Hn3QmZ0vXwYbCdEfGhIjKl", 1769472312, VECTOR_2_BODY)
    assert got == "v1,0FSTpuVTZUSSGsME5/I2gbSAhFZs60U4fqXk4bROmhI="
    session = {
        "callbackUrl": "https://example.com",
        "intent": {
            "type": "checkoutNewSubscription",
            "checkoutNewSubscription": {"plan": "pln_0SNlurA049MEWV3V0q7gjQbM4EVo"},
        },
        "user": "usr_0SNlurA049MEWV4OpCwsNyC9Kn2d",
        "url": "https://connect.gigs.com/checkout/entry?session=x&token=y",
    }
    data = events.created_data(session, "csn_0SNlurA049MEWV1GWxpaE5D0t2D6")
    body = events.envelope(
        "com.gigs.connectSession.created",
        data,
        "gigs",
        1647439962,
        "evt_0SNlurA049MEWV5gNTcQ5A07h3Ol",
    )
    assert body == VECTOR_2_BODY


def test_the_vectors_also_verify_with_standardwebhooks() -> None:
    headers = {
        "webhook-id": "msg_2Ks8Hn3QmZ0vXwYbCdEfGhIjKl",
        "webhook-timestamp": "1769472312",
        "webhook-signature": "v1,0FSTpuVTZUSSGsME5/I2gbSAhFZs60U4fqXk4bROmhI=",
    }
    assert (
        svix_verify(headers, VECTOR_2_BODY, 1769472312)["id"] == "evt_0SNlurA049MEWV5gNTcQ5A07h3Ol"
    )


async def test_real_deliveries_verify_with_standardwebhooks(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    done = await finish(client, "api", "success")
    assert await deliver_due(dispatcher, clock) == 3
    types = [svix_verify(r.headers, r.content, clock.now())["type"] for r in receiver.requests]
    assert types == [
        "com.gigs.connectSession.created",
        "com.gigs.subscription.created",
        "com.gigs.subscription.activated",
    ]
    assert {d["status"] for d in await deliveries(client, done.session_id)} == {"delivered"}
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        svix_verify(receiver.requests[0].headers, receiver.requests[0].content + b" ", clock.now())


async def test_a_rotation_signs_with_every_secret(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await put_settings(client, additional_webhook_secrets=[SECOND])
    await new_session(client)
    await dispatcher.run_once()
    [request] = receiver.requests
    entries = request.headers["webhook-signature"].split(" ")
    assert [e[:3] for e in entries] == ["v1,", "v1,"]
    for secret in (SECRET, SECOND):
        assert svix_verify(request.headers, request.content, T0, secret)["object"] == "event"


async def test_the_wrong_signature_scenario_does_not_verify(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    await finish(client, "api", "wrong-signature")
    await deliver_due(dispatcher, clock)
    created, *subscription = receiver.requests
    svix_verify(created.headers, created.content, clock.now())  # not an outcome event
    for request in subscription:
        with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
            svix_verify(request.headers, request.content, clock.now())


async def test_failures_retry_on_the_svix_schedule_resigned_then_fail(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    receiver.default = 500
    created = await new_session(client)
    assert await dispatcher.run_once() == 1
    for delay in RETRY_DELAYS:
        clock.advance(delay - 1)
        assert await dispatcher.run_once() == 0
        clock.advance(1)
        assert await dispatcher.run_once() == 1
    clock.advance(30 * 86400)
    assert await dispatcher.run_once() == 0

    [delivery] = await deliveries(client, created["id"])
    assert (delivery["status"], delivery["next_attempt_at"]) == ("failed", None)
    assert [a["at"] for a in delivery["attempts"]] == [iso_millis(T0 + o) for o in ATTEMPT_OFFSETS]
    requests = receiver.requests
    assert [r.headers["webhook-timestamp"] for r in requests] == [
        str(int(T0) + o) for o in ATTEMPT_OFFSETS
    ]
    assert {r.headers["webhook-id"] for r in requests} == {delivery["event_id"]}
    assert {r.content for r in requests} == {requests[0].content}
    assert len({r.headers["webhook-signature"] for r in requests}) == 8
    for request, offset in zip(requests, ATTEMPT_OFFSETS, strict=True):
        svix_verify(request.headers, request.content, T0 + offset)


@pytest.mark.parametrize("answer", [301, 302, 404, 500, httpx.ConnectError("refused")])
async def test_3xx_and_errors_are_retried(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FrozenClock,
    answer: int | Exception,
) -> None:
    receiver.responses = [answer]
    created = await new_session(client)
    await dispatcher.run_once()
    clock.advance(5)
    await dispatcher.run_once()
    [delivery] = await deliveries(client, created["id"])
    assert delivery["status"] == "delivered"
    assert len(receiver.requests) == 2
    assert [str(r.url) for r in receiver.requests] == [str(receiver.requests[0].url)] * 2


async def test_abort_message_stops_the_retries(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    assert isinstance(receiver, SvixReceiver)
    receiver.abort, receiver.default = True, 410
    created = await new_session(client)
    await dispatcher.run_once()
    clock.advance(86400)
    assert await dispatcher.run_once() == 0
    [delivery] = await deliveries(client, created["id"])
    assert (delivery["status"], len(delivery["attempts"])) == ("failed", 1)


async def test_replay_keeps_the_message_id_and_body_with_a_fresh_timestamp(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    created = await new_session(client)
    await dispatcher.run_once()
    [delivery] = await deliveries(client, created["id"])
    clock.advance(3600)
    response = await client.post(f"/_sandbox/webhooks/{delivery['id']}/replay")
    assert response.status_code in (200, 202), response.text
    await dispatcher.run_once()
    first, again = receiver.requests
    assert again.headers["webhook-id"] == first.headers["webhook-id"] == delivery["event_id"]
    assert again.content == first.content
    assert again.headers["webhook-timestamp"] == str(int(T0) + 3600)
    svix_verify(again.headers, again.content, T0 + 3600)


async def test_only_subscribed_event_types_are_sent(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    await put_settings(client, events=["com.gigs.subscription.activated"])
    await finish(client, "api", "success")
    await deliver_due(dispatcher, clock)
    assert [json.loads(r.content)["type"] for r in receiver.requests] == [
        "com.gigs.subscription.activated"
    ]


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("webhook-twice", ["created", "created", "activated", "activated"]),
        ("events-reordered", ["activated", "created"]),
    ],
)
async def test_delivery_fault_scenarios(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FrozenClock,
    scenario: str,
    expected: list[str],
) -> None:
    await put_settings(
        client, events=["com.gigs.subscription.created", "com.gigs.subscription.activated"]
    )
    done = await finish(client, "api", scenario)
    assert done.location is not None
    await deliver_due(dispatcher, clock)
    got = [json.loads(r.content)["type"].rsplit(".", 1)[1] for r in receiver.requests]
    assert got == expected


async def test_activation_arrives_activation_delay_later_on_the_sandbox_clock(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    await put_settings(client, activation_delay=30)
    await finish(client, "api", "success")
    outcome_at = clock.now()
    await deliver_due(dispatcher, clock)
    sent = [json.loads(r.content) for r in receiver.requests]
    assert [e["type"] for e in sent] == [
        "com.gigs.connectSession.created",
        "com.gigs.subscription.created",
    ]
    await advance(client, 29)
    assert await dispatcher.run_once() == 0
    await advance(client, 1)
    assert await dispatcher.run_once() == 1
    activated = json.loads(receiver.requests[-1].content)
    assert activated["type"] == "com.gigs.subscription.activated"
    assert activated["data"]["id"] == sent[1]["data"]["id"]
    assert activated["time"] == iso_seconds(outcome_at + 30)
    assert activated["data"]["activatedAt"] == activated["time"]
    assert activated["data"]["createdAt"] == sent[1]["data"]["createdAt"]
