"""Yapily consents (spec §4.3, §5, §7): one-time tokens, status transitions incl. EXPIRED on
the sandbox clock, and the signed payment webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.yapily.settings import APPLICATION_KEY, WEBHOOK_ID, WEBHOOK_SECRET
from mockprovider.providers.yapily.webhooks import signature_value
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH, CALLBACK, consent, create, finish, jwt_claims, pick
from tests.support import RECEIVER, Receiver

OTT = "/consent-one-time-token"
#: §7.3 worked example, verbatim.
VECTOR_BODY = (
    b'{"id":"41285f64-5717-4562-b3fc-2c961236afa6","applicationId":"3fa85f64-5717-4562-b3fc-'
    b'2c963f66afa6","type":"payment.state.success","event":{"paymentId":"pv3-1a2b3c","status":'
    b'"COMPLETED"},"metadata":{"tracingId":"6cf5ef06-9f96-4f24-8bab-32ab09128010"}}'
)
VECTOR_HEX = "fc7584d8ae74b6daf8c3b62b0dfb286884191511db67474002252de326e66369"


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200


async def exchange(client: httpx.AsyncClient, token: str) -> httpx.Response:
    response = await client.post(f"/yapily{OTT}", json={"oneTimeToken": token}, auth=AUTH)
    status = response.status_code
    assert_matches(provider_document("yapily.json"), OTT, "post", status, response.json())
    return response


async def ott_flow(client: httpx.AsyncClient) -> tuple[dict[str, Any], str, str]:
    data = await create(client, oneTimeToken=True)
    final = await finish(client, "api", data, "success")
    token = dict(parse_qsl(urlsplit(final).query))["one-time-token"]
    return data, final, token


async def test_one_time_token_replaces_the_consent_and_is_exchanged_once(
    client: httpx.AsyncClient,
) -> None:
    data, final, token = await ott_flow(client)
    assert final == (
        f"{CALLBACK}&one-time-token={token}&application-user-id=user-42"
        f"&user-uuid={data['userUuid']}&institution=modelo-sandbox"
    )
    first = await exchange(client, token)
    assert first.status_code == 201
    body = first.json()
    assert "meta" not in body  # a bare Consent (§4.3)
    assert body["id"] == data["id"]
    assert body["status"] == "AUTHORIZED"
    assert jwt_claims(body["consentToken"])["CONSENT"] == data["id"]
    second = await exchange(client, token)
    assert second.status_code == 400
    error = second.json()["error"]
    assert (error["status"], error["message"]) == (
        "BAD_REQUEST",
        "The one-time token has already been used",
    )


async def test_a_late_or_unknown_one_time_token_is_refused(client: httpx.AsyncClient) -> None:
    _, _, token = await ott_flow(client)
    await advance(client, 600)
    late = await exchange(client, token)
    assert late.status_code == 400
    assert late.json()["error"]["message"] == "The one-time token has expired"
    for bogus in ("nope", token[:-1] + ("0" if token[-1] != "0" else "1")):
        response = await exchange(client, bogus)
        assert response.json()["error"]["message"] == "The one-time token is invalid"


async def test_ott_callbacks_can_leave_out_the_ids(client: httpx.AsyncClient) -> None:
    await client.put("/_sandbox/providers/yapily/settings", json={"one_time_token_ids": False})
    _, final, token = await ott_flow(client)
    assert final == f"{CALLBACK}&one-time-token={token}"


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("success", "AUTHORIZED"), ("user_abort", "REJECTED"), ("capture_failure", "FAILED")],
)
async def test_consent_statuses_follow_the_outcome(
    client: httpx.AsyncClient, outcome: str, status: str
) -> None:
    data = await create(client)
    assert (await consent(client, data["id"]))["status"] == "AWAITING_AUTHORIZATION"
    await pick(client, data["id"], outcome)
    assert (await consent(client, data["id"]))["status"] == status
    await advance(client, 3600)  # an answered request never expires
    assert (await consent(client, data["id"]))["status"] == status


@pytest.mark.parametrize("closed", [False, True], ids=["untouched", "closed-tab"])
async def test_an_unanswered_request_expires_after_the_window(
    client: httpx.AsyncClient, closed: bool
) -> None:
    data = await create(client)
    if closed:
        await pick(client, data["id"], "closed_tab")
    await advance(client, 599)
    assert (await consent(client, data["id"]))["status"] == "AWAITING_AUTHORIZATION"
    await advance(client, 1)
    assert (await consent(client, data["id"]))["status"] == "EXPIRED"
    page = await client.get(data["authorisationUrl"])
    assert page.status_code == 200
    assert "has expired" in page.text


async def test_unknown_consent_is_a_404(client: httpx.AsyncClient) -> None:
    path = "/yapily/consents/2d5c3632-1729-4a5e-bc69-c7fa1cbba815"
    response = await client.get(path, auth=AUTH)
    assert response.status_code == 404
    doc = provider_document("yapily.json")
    assert_matches(doc, "/consents/{consentId}", "get", 404, response.json())
    assert (await client.get(path)).status_code == 401


def test_signature_matches_the_spec_vector() -> None:
    assert signature_value(WEBHOOK_SECRET, VECTOR_BODY) == f"sha256={VECTOR_HEX}"
    assert signature_value(WEBHOOK_SECRET, VECTOR_BODY, "hex") == VECTOR_HEX
    base64_value = "/HWE2K50ttr4w7YrDfsoaIQZFRHbZ0dAAiUt4ybmY2k="
    assert signature_value(WEBHOOK_SECRET, VECTOR_BODY, "base64") == base64_value


async def pay(
    client: httpx.AsyncClient, user: str = "user-42"
) -> tuple[dict[str, Any], httpx.Response]:
    data = await create(client, "/payment-auth-requests", applicationUserId=user)
    final = await finish(client, "api", data, "success")
    token = dict(parse_qsl(urlsplit(final).query))["consent"]
    body = {"paymentIdempotencyId": "pay0001", "type": "DOMESTIC_PAYMENT"}
    response = await client.post(
        "/yapily/payments", json=body, auth=AUTH, headers={"consent": token}
    )
    return data, response


@pytest.mark.parametrize(
    ("user", "event_type", "status"),
    [
        ("user-42", "payment.state.success", "COMPLETED"),
        ("user+payment_failed", "payment.state.failed", "FAILED"),
    ],
)
async def test_payments_send_a_signed_webhook(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    user: str,
    event_type: str,
    status: str,
) -> None:
    data, response = await pay(client, user)
    assert response.status_code == 201, response.text
    assert_matches(provider_document("yapily.json"), "/payments", "post", 201, response.json())
    payment = response.json()["data"]
    assert payment["status"] == status
    assert (await consent(client, data["id"]))["status"] == "CONSUMED"
    await dispatcher.run_once()
    [hook] = receiver.requests
    assert str(hook.url) == RECEIVER
    mac = hmac.new(WEBHOOK_SECRET.encode(), hook.content, hashlib.sha256).hexdigest()
    assert hook.headers["X-Yapily-Signature"] == f"sha256={mac}"
    envelope = json.loads(hook.content)
    assert envelope["id"] == WEBHOOK_ID
    assert envelope["applicationId"] == APPLICATION_KEY
    assert envelope["type"] == event_type
    assert envelope["event"] == {"paymentId": payment["id"], "status": status}
    assert len(envelope["metadata"]["tracingId"]) == 32


async def test_a_payment_consent_is_single_use_and_base64_signatures_are_configurable(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    settings = {"signature_format": "base64", "signature_header": "Webhook-Signature"}
    await client.put("/_sandbox/providers/yapily/settings", json=settings)
    data, response = await pay(client)
    assert response.status_code == 201
    token = (await consent(client, data["id"]))["consentToken"]
    again = await client.post("/yapily/payments", json={}, auth=AUTH, headers={"consent": token})
    assert again.status_code == 403
    assert again.json()["error"]["message"] == "Consent is CONSUMED, not AUTHORIZED"
    await dispatcher.run_once()
    [hook] = receiver.requests
    mac = hmac.new(WEBHOOK_SECRET.encode(), hook.content, hashlib.sha256).digest()
    assert hook.headers["Webhook-Signature"] == base64.b64encode(mac).decode()
