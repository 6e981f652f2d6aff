"""Hosted Pages create calls and GETs: the V2 error envelope byte for byte (spec §2.5), the
validation of §2.1-§2.5 and §5, the hosted VRP walk, and the §6 signature vector."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockprovider.providers.yapily.hosted.events import COMPLETED, body
from mockprovider.providers.yapily.webhooks import signature_value
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import jwt_claims
from tests.providers.yapily_hosted_helpers import (
    AUTH,
    FLOWS,
    example,
    press,
    request_body,
    status_screen,
    to_bank,
)

VRP_PATH = "/hosted/vrp-requests/commercial"


def without_tracing(payload: Any) -> Any:
    payload["error"]["tracingId"] = "0c2d0973bdd24224a65e5d0f7d1b6154"
    return payload


@pytest.mark.parametrize("flow", list(FLOWS))
async def test_bad_credentials_get_the_documented_v2_401(
    client: httpx.AsyncClient, flow: str
) -> None:
    path = FLOWS[flow][0]
    answer = await client.post(f"/yapily{path}", json=request_body(flow), auth=("x", "y"))
    assert answer.status_code == 401
    assert without_tracing(answer.json()) == example("401-error-response")
    assert len(answer.json()["error"]["tracingId"]) == 32


async def test_malformed_json_gets_the_documented_400_verbatim(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/yapily/hosted/consent-requests",
        content=b"{not json",
        headers={"content-type": "application/json;charset=UTF-8"},
        auth=AUTH,
    )
    assert answer.status_code == 400
    assert without_tracing(answer.json()) == example("400-error-response")


@pytest.mark.parametrize("flow", list(FLOWS))
async def test_unknown_ids_get_the_documented_v2_404(client: httpx.AsyncClient, flow: str) -> None:
    path = FLOWS[flow][1].split("{")[0]
    answer = await client.get(f"/yapily{path}00000000-0000-0000-0000-000000000000", auth=AUTH)
    assert answer.status_code == 404
    assert without_tracing(answer.json()) == example("404-error-response")


@pytest.mark.parametrize(
    ("flow", "changes", "message"),
    [
        ("consent", {"redirectUrl": None}, "redirectUrl: is required"),
        ("consent", {"redirectUrl": "javascript:alert(1)"}, "redirectUrl uses the javascript:"),
        ("consent", {"institutionIdentifiers": {}}, "institutionCountryCode: is required"),
        (
            "consent",
            {"institutionIdentifiers": {"institutionCountryCode": "DE"}},
            "no institution in DE",
        ),
        ("consent", {"applicationUserId": None}, "either a userId or applicationUserId"),
        ("consent", {"authorisationExpiresAt": "2021-06-10T11:36:54.887Z"}, "between 10 minutes"),
        ("payment", {"paymentRequestDetails": None}, "paymentRequestDetails: is required"),
        ("link", {"authorisationExpiresAt": "28-07-2022 21:05:00"}, "ISO-8601"),
    ],
)
async def test_invalid_bodies_get_a_v2_400_naming_the_field(
    client: httpx.AsyncClient, flow: str, changes: dict[str, Any], message: str
) -> None:
    path = FLOWS[flow][0]
    sent = {k: v for k, v in (request_body(flow) | changes).items() if v is not None}
    answer = await client.post(f"/yapily{path}", json=sent, auth=AUTH)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["status"], error["source"], error["issues"][0]["code"]) == (
        "BAD_REQUEST",
        "YAPILY",
        10600,
    )
    assert message in error["issues"][0]["message"]


async def test_issue_codes_as_the_schema_types_them_validate_against_it(
    client: httpx.AsyncClient,
) -> None:
    await client.put(
        "/_sandbox/providers/yapily/settings", json={"hosted_issue_code_type": "string"}
    )
    answer = await client.post("/yapily/hosted/consent-requests", json={}, auth=AUTH)
    assert answer.status_code == 400
    assert_matches(
        provider_document("yapily.json"), "/hosted/consent-requests", "post", 400, answer.json()
    )


async def test_strict_mode_refuses_the_examples_extra_fields(client: httpx.AsyncClient) -> None:
    await client.put("/_sandbox/providers/yapily/settings", json={"hosted_strict": True})
    sent = request_body("link")  # the example sends amountToPay; the schema says amount
    answer = await client.post("/yapily/hosted/payment-requests/links", json=sent, auth=AUTH)
    assert answer.status_code == 400
    assert "amountDetails.amount" in answer.json()["error"]["issues"][0]["message"]


async def test_link_expiry_defaults_to_seven_days(client: httpx.AsyncClient) -> None:
    sent = request_body("link")
    answer = await client.post("/yapily/hosted/payment-requests/links", json=sent, auth=AUTH)
    data = answer.json()["data"]
    assert (data["createdAt"], data["authorisationExpiresAt"]) == (
        "2026-01-26T23:43:20.000Z",
        "2026-02-02T23:43:20.000Z",
    )


async def test_pages_escape_what_the_integrator_sent(client: httpx.AsyncClient) -> None:
    details = request_body("payment")["paymentRequestDetails"]
    details["payee"]["name"] = "<script>alert(1)</script>"
    sent = request_body("payment", paymentRequestDetails=details)
    created = (await client.post("/yapily/hosted/payment-requests", json=sent, auth=AUTH)).json()
    page = await client.get(created["data"]["hostedUrl"])
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)" in page.text


async def test_vrp_success_walks_to_the_redirect_with_the_consent_token(
    client: httpx.AsyncClient,
) -> None:
    document = provider_document("yapily.json")
    sent = document["paths"][VRP_PATH]["post"]["requestBody"]["content"]["application/json"][
        "example"
    ]
    sent = sent | {"oneTimeToken": False}  # the example asks for a one-time token
    answer = await client.post(f"/yapily{VRP_PATH}", json=sent, auth=AUTH)
    assert answer.status_code == 201, answer.text
    assert_matches(document, VRP_PATH, "post", 201, answer.json())
    created = answer.json()["data"]
    hop = await press(client, await to_bank(client, created), "success")
    _, target = await status_screen(client, hop)
    got = await client.get(f"/yapily{VRP_PATH}/{created['requestId']}", auth=AUTH)
    assert_matches(document, VRP_PATH + "/{requestId}", "get", 200, got.json())
    found = got.json()["data"]
    assert found["status"]["currentStatus"] == "succeed"
    assert found["status"]["tppNotified"]
    token = found["result"]["consentToken"]
    assert target == f"{sent['redirectUrl']}?requestId={created['requestId']}&consent={token}"
    assert jwt_claims(token)["CONSENT"] == found["result"]["consentId"]


async def test_vrp_user_abort_is_rejected(client: httpx.AsyncClient) -> None:
    document = provider_document("yapily.json")
    sent = document["paths"][VRP_PATH]["post"]["requestBody"]["content"]["application/json"][
        "example"
    ]
    created = (await client.post(f"/yapily{VRP_PATH}", json=sent, auth=AUTH)).json()["data"]
    hop = await press(client, await to_bank(client, created), "user_abort")
    _, target = await status_screen(client, hop)
    assert "&error=cancelled_by_user&error_source=USER&" in target
    found = (await client.get(f"/yapily{VRP_PATH}/{created['requestId']}", auth=AUTH)).json()
    assert found["data"]["status"]["currentStatus"] == "rejected"
    assert "result" not in found["data"]


def test_the_spec_signature_vector() -> None:
    """§6: the sandbox's body builder and signer reproduce the spec's vector byte for byte."""
    event = {
        "consentId": "2427faa9-08e2-404e-90f1-4a312dc5f80d",
        "institutionId": "mock-sandbox",
        "paymentId": "9c5f7701-5275-442f-9d86-80d3ddc5cccc",
        "paymentRequestId": "eb39f8ae-aeff-4ffa-a23d-d4a5b3eff406",
    }
    raw = body(
        COMPLETED,
        "b59e9533-24a0-4fd0-afc8-0c0c1a186f34",
        event,
        "a75620ec-8a74-408d-b13f-84227036cf43",
    )
    assert len(raw) == 349
    assert json.loads(raw)["event"] == event
    assert signature_value("sandbox-webhook-secret-0001", raw, "hex") == (
        "5b3e955aab75377454e25db50db240f75cab1d0749e02ee90ce47f90e616ad17"
    )
    assert signature_value("sandbox-webhook-secret-0001", raw, "base64") == (
        "Wz6VWqt1N3RU4l21DbJA91yrHQdJ4C7pDOR/kOYWrRc="
    )
