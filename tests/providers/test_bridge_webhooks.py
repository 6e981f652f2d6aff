"""Bridge webhook signing (spec §1.6 vectors V1 to V5 and the negative cases), rotation, and the
retry schedule of spec §1.7 on the sandbox clock."""

from __future__ import annotations

import json

import httpx
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.core.webhooks.policy import SigningInput, Verdict
from mockprovider.providers.bridge import events
from tests.providers.bridge_helpers import choose, connect, delivered, put_settings, verify_bridge
from tests.support import Receiver

NEW, OLD = "whsec_sandbox_bridge_0001", "whsec_sandbox_bridge_0000"
V1_BODY = (
    b'{"content":{"account_types":"payment","full_refresh":true,"refresh_trigger":"connect",'
    b'"item_id":4568565,"status_code":0,"status_code_info":"ok",'
    b'"user_uuid":"766b2f5d-a942-492c-9ea7-2e5aa88cb672"},"timestamp":1612783550980,'
    b'"type":"item.refreshed"}'
)
V4_BODY = (
    b'{"content":{"item_id":4568477,"user_uuid":"766b2f5d-a942-492c-9ea7-2e5aa88cb672"},'
    b'"timestamp":1612782588323,"type":"item.created"}'
)
V1 = "v1=311DDC735CD08D2C44C44BEB3CAFAD1E50628BF20C20F46EFB380151FAC0ADFD"
V2 = "v1=5F3A63D010D00C4E8444934CF2A50EBBEB9D06FA67E63A6628C375092B19FB30"
V4 = "v1=48F3B71B0E45C840E8E3889AB960A122175373E1B28C5BDAD4795C99DCDAD44B"
V5 = "v1=D7A803A99BD4687D0877B8813EF0E9102A33ED0A3875B9D0448E283894BA2680"
VECTORS = [
    ("V1", [NEW], V1_BODY, V1),
    ("V2", [OLD], V1_BODY, V2),
    ("V3", [NEW, OLD], V1_BODY, f"{V1},{V2}"),
    ("V4", [NEW], V4_BODY, V4),
    ("V5", [NEW], b"{}", V5),
]


def test_v1_body_is_246_bytes() -> None:
    assert len(V1_BODY) == 246


@pytest.mark.parametrize(
    ("name", "secrets", "body", "header"), VECTORS, ids=[v[0] for v in VECTORS]
)
def test_vectors_sign_and_verify(name: str, secrets: list[str], body: bytes, header: str) -> None:
    assert events.signature_header(body, secrets) == header
    settings = {"webhook_secret": secrets[0], "previous_webhook_secret": secrets[1:] and secrets[1]}
    attempt = SigningInput(body, {}, "e", 0, settings, {})
    assert events.sign_attempt(attempt) == {"BridgeApi-Signature": header}
    assert verify_bridge(body, header, secrets)


def test_v3_verifies_with_either_secret_alone() -> None:
    assert verify_bridge(V1_BODY, f"{V1},{V2}", [NEW])
    assert verify_bridge(V1_BODY, f"{V1},{V2}", [OLD])


def test_a_v0_only_header_fails() -> None:
    assert not verify_bridge(V1_BODY, V1.replace("v1=", "v0="), [NEW])


def test_a_re_serialised_body_fails() -> None:
    spaced = json.dumps(json.loads(V1_BODY)).encode()
    assert spaced != V1_BODY
    assert not verify_bridge(spaced, V1, [NEW])


def test_lower_case_hex_passes() -> None:
    assert verify_bridge(V1_BODY, "v1=" + V1[3:].lower(), [NEW])


def test_only_exactly_200_is_a_success() -> None:
    assert events.judge(200, {}) is Verdict.DELIVERED
    for status in (201, 202, 204, 301, 400, 500):
        assert events.judge(status, {}) is Verdict.RETRY


def test_schedule_is_offsets_1m_5m_30m_2h_6h_12h_24h_36h() -> None:
    offsets = [sum(events.SCHEDULE[: i + 1]) for i in range(len(events.SCHEDULE))]
    assert offsets == [0, 60, 300, 1800, 7200, 21600, 43200, 86400, 129600]


async def test_delivered_webhooks_carry_a_valid_upper_hex_signature(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow = await connect(client)
    await choose(client, flow.session_id, "success")
    await delivered(clock, dispatcher, receiver)
    assert len(receiver.requests) == 8  # item.created, 3 + 1 + 3 for three accounts
    for request in receiver.requests:
        header = request.headers["BridgeApi-Signature"]
        assert header == events.signature(request.content, NEW)
        assert header[3:] == header[3:].upper()
        assert verify_bridge(request.content, header, [NEW])
        assert request.headers["Content-Type"] == "application/json"


async def test_rotation_sends_two_v1_values_new_first(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await put_settings(client, previous_webhook_secret=OLD)
    flow = await connect(client)
    await choose(client, flow.session_id, "demo-402")
    await delivered(clock, dispatcher, receiver)
    for request in receiver.requests:
        new, old = events.signature(request.content, NEW), events.signature(request.content, OLD)
        assert request.headers["BridgeApi-Signature"] == f"{new},{old}"
        assert verify_bridge(request.content, request.headers["BridgeApi-Signature"], [OLD])


async def test_non_200_is_retried_on_the_schedule_with_the_same_body(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.responses = [201, 500, 204]
    flow = await connect(client, callback_url=None)
    await put_settings(client, events=["item.created"])
    await choose(client, flow.session_id, "demo-1003")
    await delivered(clock, dispatcher, receiver)
    assert len(receiver.requests) == 1  # 201 is a failure: next attempt 1 min later
    clock.advance(59)
    assert await dispatcher.run_once() == 0
    clock.advance(1)
    await dispatcher.run_once()  # 500
    clock.advance(239)
    assert await dispatcher.run_once() == 0
    clock.advance(1)
    await dispatcher.run_once()  # 204: still a failure; next at 30 min after the first
    clock.advance(1500)
    await dispatcher.run_once()  # 200
    assert [r.content for r in receiver.requests] == [receiver.requests[0].content] * 4
    listed = await client.get("/_sandbox/webhooks", params={"session_id": flow.session_id})
    [delivery] = listed.json()["webhooks"]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [201, 500, 204, 200]
