"""Yapily's Webhooks API (spec §7.1): registrations decide where payment events go and with
which secret; every answer checked against yapily.json."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.yapily.settings import APPLICATION_KEY
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH
from tests.providers.test_yapily_payments import paid
from tests.support import Receiver

HOOK = "http://receiver.test/yapily-registered"


async def answer(
    client: httpx.AsyncClient, method: str, path: str, template: str, status: int, **kw: Any
) -> Any:
    response = await client.request(method, f"/yapily{path}", auth=AUTH, **kw)
    assert response.status_code == status, response.text
    assert_matches(provider_document("yapily.json"), template, method, status, response.json())
    return response.json()


def registration(url: str = HOOK, **extra: Any) -> dict[str, Any]:
    return {
        "applicationId": APPLICATION_KEY,
        "categories": ["payment.state.success"],
        "callbackUrl": {"main": {"url": url}},
        "metadata": {"team": "qa"},
        **extra,
    }


async def test_a_registration_receives_its_events_signed_with_its_secret(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    made = await answer(
        client, "POST", "/webhook/events", "/webhook/events", 201, json=registration()
    )
    hook = made["data"]
    listed = await answer(client, "GET", "/webhook/events", "/webhook/events", 200)
    assert listed["data"]["active"] == [{k: v for k, v in hook.items() if k != "webhookSecret"}]
    await client.put("/_sandbox/providers/yapily/settings", json={"webhook_url": ""})
    _, payment = await paid(client)
    await dispatcher.run_once()
    (sent,) = receiver.requests
    assert str(sent.url) == HOOK
    body = json.loads(sent.content)
    assert (body["id"], body["type"]) == (hook["id"], "payment.state.success")
    assert body["event"] == {
        "paymentId": payment["id"],
        "status": "COMPLETED",
        "metadata": {"team": "qa"},
    }
    mac = hmac.new(hook["webhookSecret"].encode(), sent.content, hashlib.sha256).hexdigest()
    assert sent.headers["X-Yapily-Signature"] == f"sha256={mac}"


async def test_a_new_secret_signs_later_events_and_a_deleted_hook_gets_none(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await client.put("/_sandbox/providers/yapily/settings", json={"webhook_url": ""})
    hook = (
        await answer(client, "POST", "/webhook/events", "/webhook/events", 201, json=registration())
    )["data"]
    rotated = await answer(
        client,
        "POST",
        f"/webhook/secrets/{hook['id']}",
        "/webhook/secrets/{webhook_id}",
        201,
        json={"delay": 0},
    )
    secret = rotated["data"]["webhookSecret"]
    assert secret != hook["webhookSecret"]
    await paid(client)
    await dispatcher.run_once()
    (sent,) = receiver.requests
    mac = hmac.new(secret.encode(), sent.content, hashlib.sha256).hexdigest()
    assert sent.headers["X-Yapily-Signature"] == f"sha256={mac}"
    gone = await answer(
        client, "DELETE", f"/webhook/events/{hook['id']}", "/webhook/events/{webhook_id}", 200
    )
    assert gone["data"]["id"] == hook["id"]
    await paid(client)
    await dispatcher.run_once()
    assert len(receiver.requests) == 1
    again = await answer(
        client, "DELETE", f"/webhook/events/{hook['id']}", "/webhook/events/{webhook_id}", 404
    )
    assert again["error"]["issues"][0]["code"] == "10800"


async def test_categories_and_refused_registrations(client: httpx.AsyncClient) -> None:
    found = await answer(
        client, "GET", "/webhook/events/categories", "/webhook/events/categories", 200
    )
    names = [c["name"] for c in found["data"]["categories"]]
    assert names == ["payment.state.success", "payment.state.failed"]
    for body in (
        registration(url=HOOK + "?x=1"),
        registration(url="javascript:alert(1)"),
        registration(categories=["consent.created"]),
        registration(applicationId="00000000-0000-4000-8000-000000000000"),
    ):
        refused = await answer(client, "POST", "/webhook/events", "/webhook/events", 400, json=body)
        assert refused["error"]["issues"][0]["type"] == "BAD_REQUEST"
    for _ in range(10):
        await answer(client, "POST", "/webhook/events", "/webhook/events", 201, json=registration())
    full = await answer(
        client, "POST", "/webhook/events", "/webhook/events", 406, json=registration()
    )
    assert full["error"]["issues"][0]["code"] == "14007"


async def test_bad_credentials_get_the_v2_401_these_operations_document(
    client: httpx.AsyncClient,
) -> None:
    for method, path, template in [
        ("GET", "/webhook/events", "/webhook/events"),
        ("GET", "/webhook/events/categories", "/webhook/events/categories"),
        ("DELETE", "/webhook/events/nope", "/webhook/events/{webhook_id}"),
    ]:
        response = await client.request(method, f"/yapily{path}", auth=("app", "wrong"))
        assert response.status_code == 401, response.text
        error = response.json()["error"]
        assert error["issues"] == [
            {
                "type": "CREDENTIALS",
                "code": "10700",
                "message": "Authorization header invalid or credentials not authenticated",
            }
        ]
        assert_matches(provider_document("yapily.json"), template, method, 401, response.json())
