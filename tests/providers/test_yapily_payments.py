"""Yapily payments after the flow: `POST /payments` keeps the payment, `GET
/payments/{paymentId}/details` shows it with the status the scenario gives on the sandbox clock,
and the final status's webhook goes out when that status is reached."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH, create, finish, pick
from tests.support import Receiver

DETAILS = "/payments/{paymentId}/details"


async def paid(client: httpx.AsyncClient, scenario: str = "success") -> tuple[str, dict[str, Any]]:
    """Authorise a payment (Allow, or `scenario`) and execute it: (consent token, payment)."""
    data = await create(client, "/payment-auth-requests")
    if scenario == "success":
        final = await finish(client, "button", data, "success")
    else:
        hop = await pick(client, data["id"], scenario)
        assert hop is not None
        final = (await client.get(hop)).headers["location"]
    token = dict(parse_qsl(urlsplit(final).query))["consent"]
    body = {"paymentIdempotencyId": "pay0001"}
    made = await client.post("/yapily/payments", json=body, auth=AUTH, headers={"consent": token})
    assert made.status_code == 201, made.text
    assert_matches(provider_document("yapily.json"), "/payments", "post", 201, made.json())
    return token, made.json()["data"]


async def details(client: httpx.AsyncClient, token: str, payment_id: str, status: int = 200) -> Any:
    response = await client.get(
        f"/yapily/payments/{payment_id}/details", auth=AUTH, headers={"consent": token}
    )
    assert response.status_code == status, response.text
    assert_matches(provider_document("yapily.json"), DETAILS, "get", status, response.json())
    return response.json()


async def test_a_payment_shows_its_amount_payee_reference_and_status(
    client: httpx.AsyncClient,
) -> None:
    token, payment = await paid(client)
    assert payment["status"] == "COMPLETED"
    (found,) = (await details(client, token, payment["id"]))["data"]["payments"]
    assert found == payment
    assert (found["amount"], found["currency"], found["reference"]) == (12.5, "GBP", "Invoice 42")
    assert found["payeeDetails"] == {
        "name": "Jane Doe",
        "accountIdentifications": [
            {"type": "SORT_CODE", "identification": "123456"},
            {"type": "ACCOUNT_NUMBER", "identification": "12345678"},
        ],
    }
    assert found["paymentIdempotencyId"] == "pay0001"


async def test_pending_then_completed_on_the_sandbox_clock_with_the_webhook_then(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    token, payment = await paid(client, "payment-pending")
    assert payment["status"] == "PENDING"
    await dispatcher.run_once()
    assert receiver.requests == []
    await client.post("/_sandbox/clock/advance", json={"seconds": 299})
    assert (await details(client, token, payment["id"]))["data"]["payments"][0][
        "status"
    ] == "PENDING"
    await client.post("/_sandbox/clock/advance", json={"seconds": 1})
    (later,) = (await details(client, token, payment["id"]))["data"]["payments"]
    assert later["status"] == later["statusDetails"]["status"] == "COMPLETED"
    await dispatcher.run_once()
    (hook,) = receiver.requests
    sent = json.loads(hook.content)
    assert (sent["type"], sent["event"]) == (
        "payment.state.success",
        {"paymentId": payment["id"], "status": "COMPLETED"},
    )


async def test_a_failed_payment(client: httpx.AsyncClient) -> None:
    token, payment = await paid(client, "payment-failed")
    assert payment["status"] == "FAILED"
    assert (await details(client, token, payment["id"]))["data"]["payments"][0][
        "status"
    ] == "FAILED"


@pytest.mark.parametrize("which", ["unknown", "another consent's"])
async def test_a_payment_of_another_consent_is_not_found(
    client: httpx.AsyncClient, which: str
) -> None:
    token, payment = await paid(client)
    other, _ = await paid(client)
    payment_id = "pv3-unknown" if which == "unknown" else payment["id"]
    body = await details(client, other, payment_id, 404)
    assert body["error"]["status"] == "NOT_FOUND"
    del token
