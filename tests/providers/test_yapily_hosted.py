"""Yapily Hosted Pages over HTTP (spec yapily-hosted.md): each outcome walked create →
hostedUrl → picker → bank → status screen → redirect, and through the control API; then the
GETs (validated against yapily.json) and the hosted_pis webhooks."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.test_yapily import jwt_claims
from tests.providers.yapily_hosted_helpers import (
    AUTH,
    REDIRECT,
    create,
    press,
    read,
    status_screen,
    to_bank,
)
from tests.support import Receiver

WALKS = ("browser-path", "control-api")
C_SUCCESS = [
    "INITIATED",
    "INSTITUTION_SUBMITTED",
    "AUTHORISATION_INITIATED",
    "AUTHORISATION_CREATED",
    "CONSENT_POLLING_STARTED",
    "CONSENT_POLLING_ENDED",
    "AUTHORISED",
    "FINISHED",
]
CANCELLED = (
    "error=cancelled_by_user&error_source=USER&error_description=Process%20cancelled%20by%20user"
)


async def finish(
    client: httpx.AsyncClient, created: dict[str, Any], id_key: str, outcome: str, walk: str
) -> str:
    if walk == "browser-path":
        hop = await press(client, await to_bank(client, created), outcome)
    else:
        done = await client.post(
            f"/_sandbox/sessions/{created[id_key]}/outcome", json={"outcome": outcome}
        )
        assert done.status_code == 200, done.text
        hop = done.json()["redirect_url"]
    _, target = await status_screen(client, hop)
    return target


def names(phases: list[dict[str, str]]) -> list[str]:
    return [p["phaseName"] for p in phases]


@pytest.mark.parametrize("walk", WALKS)
async def test_consent_success_hands_back_a_consent_the_consent_api_accepts(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, walk: str
) -> None:
    created = await create(client, "consent")
    assert created["hostedUrl"].startswith(
        "http://sandbox.test/yapily/hosted/consents?consentRequestId="
    )
    before = await read(client, "consent", created["consentRequestId"])
    assert (before["status"], names(before["phases"])) == ("AWAITING_AUTHORIZATION", ["INITIATED"])
    assert "consentId" not in before
    assert "consentToken" not in before
    target = await finish(client, created, "consentRequestId", "success", walk)
    found = await read(client, "consent", created["consentRequestId"])
    request_id, token = created["consentRequestId"], found["consentToken"]
    assert target == f"{REDIRECT}?consentRequestId={request_id}&consent={token}"
    assert (found["status"], names(found["phases"])) == ("AUTHORIZED", C_SUCCESS)
    assert jwt_claims(found["consentToken"]) == {
        "INSTITUTION": "modelo-sandbox",
        "CONSENT": found["consentId"],
        "APPLICATION_USER_ID": "string",
        "USER": created["userId"],
    }
    consent = await client.get(f"/yapily/consents/{found['consentId']}", auth=AUTH)
    assert consent.status_code == 200, consent.text
    assert consent.json()["data"]["id"] == found["consentId"]
    assert consent.json()["data"]["status"] == "AUTHORIZED"
    gone = await client.get(f"/yapily/consents/{created['consentRequestId']}", auth=AUTH)
    assert gone.status_code == 404  # the request id is not a consent id
    await dispatcher.run_once()
    assert receiver.requests == []  # no hosted consent webhook is documented (§6)
    accounts = await client.get("/yapily/accounts", auth=AUTH, headers={"Consent": token})
    assert accounts.status_code == 200, accounts.text  # the data API takes the hosted consent
    assert accounts.json()["data"]


@pytest.mark.parametrize("walk", WALKS)
@pytest.mark.parametrize(
    ("outcome", "params", "status", "last"),
    [
        ("user_abort", CANCELLED, "REJECTED", ["AUTHORISATION_REJECTED", "FINISHED"]),
        (
            "capture_failure",
            "error=invalid_grant&error_source=INSTITUTION&error_description=The%20institution%20could%20not%20complete%20the%20authorisation",
            "FAILED",
            ["AUTHORISATION_FAILED", "FINISHED"],
        ),
        (
            "bad_config",
            "error=configuration_error&error_source=INSTITUTION&error_description=The%20institution%20rejected%20the%20client",
            "FAILED",
            ["INSTITUTION_SUBMITTED", "AUTHORISATION_FAILED"],
        ),
    ],
)
async def test_consent_failures_redirect_with_the_error(
    client: httpx.AsyncClient, outcome: str, params: str, status: str, last: list[str], walk: str
) -> None:
    created = await create(client, "consent")
    target = await finish(client, created, "consentRequestId", outcome, walk)
    assert target == f"{REDIRECT}?consentRequestId={created['consentRequestId']}&{params}"
    found = await read(client, "consent", created["consentRequestId"])
    assert found["status"] == status
    assert names(found["phases"])[-len(last) :] == last
    assert "consentToken" not in found


async def test_consent_one_time_token_is_exchanged_once(client: httpx.AsyncClient) -> None:
    created = await create(client, "consent", oneTimeToken=True)
    target = await finish(client, created, "consentRequestId", "success", "browser-path")
    query = dict(parse_qsl(urlsplit(target).query))
    assert list(query) == ["consentRequestId", "one-time-token"]
    first = await client.post(
        "/yapily/consent-one-time-token", json={"oneTimeToken": query["one-time-token"]}, auth=AUTH
    )
    assert first.status_code == 201, first.text
    found = await read(client, "consent", created["consentRequestId"])
    assert first.json()["consentToken"] == found["consentToken"]
    again = await client.post(
        "/yapily/consent-one-time-token", json={"oneTimeToken": query["one-time-token"]}, auth=AUTH
    )
    assert again.status_code == 400


@pytest.mark.parametrize("walk", WALKS)
async def test_payment_success_settles_on_the_clock_and_sends_the_completed_webhook(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, walk: str
) -> None:
    created = await create(client, "payment")
    assert created["status"] == "ACTIVE"
    assert created["paymentRequestDetails"]["amountDetails"] == {
        "amountToPay": 10.0,
        "currency": "GBP",
    }
    target = await finish(client, created, "paymentRequestId", "success", walk)
    assert target == f"{REDIRECT}?paymentRequestId={created['paymentRequestId']}"
    pending = (await read(client, "payment", created["paymentRequestId"]))["payments"][0]
    assert pending["paymentStatus"] == "PENDING"
    assert [d["isoStatus"]["code"] for d in pending["statusDetails"]] == ["PDNG"]
    await dispatcher.run_once()
    assert receiver.requests == []  # not before the payment settles
    assert (await client.post("/_sandbox/clock/advance", json={"seconds": 2})).status_code == 200
    found = await read(client, "payment", created["paymentRequestId"])
    payment = found["payments"][0]
    assert found["status"] == "ACTIVE"
    assert payment["paymentStatus"] == "COMPLETED"
    assert names(payment["phases"])[-5:] == [
        "AUTHORISED",
        "SUBMITTED",
        "ACCEPTED",
        "SETTLEMENT_COMPLETED",
        "FINISHED",
    ]
    assert [d["isoStatus"]["code"] for d in payment["statusDetails"]] == ["PDNG", "ACSC"]
    await dispatcher.run_once()
    [hook] = receiver.requests
    body = json.loads(hook.content)
    assert list(body) == ["type", "applicationId", "id", "event"]
    assert body["type"] == "hosted_pis.payment_status.completed.v1"
    assert body["event"] == {
        "consentId": payment["consentId"],
        "institutionId": "modelo-sandbox",
        "paymentId": payment["paymentId"],
        "paymentRequestId": created["paymentRequestId"],
    }
    assert hook.headers["X-Yapily-Signature"].startswith("sha256=")


@pytest.mark.parametrize("walk", WALKS)
async def test_payment_rejected_at_execution_sends_the_failed_webhook(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, walk: str
) -> None:
    created = await create(client, "payment")
    target = await finish(client, created, "paymentRequestId", "capture_failure", walk)
    assert target == (
        f"{REDIRECT}?paymentRequestId={created['paymentRequestId']}&error=payment_rejected"
        "&error_source=INSTITUTION&error_description=The%20institution%20rejected%20the%20payment"
    )
    payment = (await read(client, "payment", created["paymentRequestId"]))["payments"][0]
    assert payment["paymentStatus"] == "FAILED"
    assert names(payment["phases"])[-4:] == ["AUTHORISED", "SUBMITTED", "REJECTED", "FINISHED"]
    assert [d["isoStatus"]["code"] for d in payment["statusDetails"]] == ["RJCT"]
    await dispatcher.run_once()
    [hook] = receiver.requests
    assert json.loads(hook.content)["type"] == "hosted_pis.payment_status.failed.v1"


@pytest.mark.parametrize("outcome", ["user_abort", "bad_config"])
async def test_payment_authorisation_failures_send_no_webhook(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, outcome: str
) -> None:
    created = await create(client, "payment")
    target = await finish(client, created, "paymentRequestId", outcome, "browser-path")
    assert "&error=" in target
    payment = (await read(client, "payment", created["paymentRequestId"]))["payments"][0]
    assert payment["paymentStatus"] == "FAILED"
    await dispatcher.run_once()
    assert receiver.requests == []


@pytest.mark.parametrize("flow", ["consent", "payment", "link"])
async def test_expiry_shows_the_expired_page_and_no_redirect(
    client: httpx.AsyncClient, flow: str
) -> None:
    created = await create(client, flow)
    id_key = "consentRequestId" if flow == "consent" else "paymentRequestId"
    done = await client.post(
        f"/_sandbox/sessions/{created[id_key]}/outcome", json={"outcome": "expiry"}
    )
    assert done.json()["redirect_url"] is None
    page = await client.get(created["hostedUrl"])
    assert page.status_code == 200
    assert "This link has expired" in page.text
    found = await read(client, flow, created[id_key])
    assert found["status"] == ("EXPIRED" if flow == "consent" else "INACTIVE")


async def test_an_unanswered_request_expires_on_the_sandbox_clock(
    client: httpx.AsyncClient,
) -> None:
    created = await create(client, "consent")
    await client.post("/_sandbox/clock/advance", json={"seconds": 601})
    assert (await read(client, "consent", created["consentRequestId"]))["status"] == "EXPIRED"
    page = await client.get(created["hostedUrl"])
    assert "This link has expired" in page.text
    assert "location" not in page.headers


@pytest.mark.parametrize("flow", ["consent", "payment"])
async def test_closed_tab_stays_awaiting_then_expires(client: httpx.AsyncClient, flow: str) -> None:
    created = await create(client, flow)
    id_key = "consentRequestId" if flow == "consent" else "paymentRequestId"
    await to_bank(client, created)
    done = await client.post(
        f"/_sandbox/sessions/{created[id_key]}/outcome", json={"outcome": "closed_tab"}
    )
    assert done.json()["redirect_url"] is None
    found = await read(client, flow, created[id_key])
    if flow == "consent":
        assert found["status"] == "AWAITING_AUTHORIZATION"
    else:
        assert (found["status"], found["payments"][0]["paymentStatus"]) == ("ACTIVE", "PENDING")
    await client.post("/_sandbox/clock/advance", json={"seconds": 601})
    found = await read(client, flow, created[id_key])
    assert found["status"] == ("EXPIRED" if flow == "consent" else "INACTIVE")


async def test_closed_tab_return_lost_is_authorised_for_polling(client: httpx.AsyncClient) -> None:
    created = await create(client, "consent")
    done = await client.post(
        f"/_sandbox/sessions/{created['consentRequestId']}/outcome",
        json={"scenario": "hosted-return-lost"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["redirect_url"] is None
    found = await read(client, "consent", created["consentRequestId"])
    assert found["status"] == "AUTHORIZED"
    assert found["consentToken"]


async def test_picker_lists_the_country_banks_and_skips_when_an_institution_is_given(
    client: httpx.AsyncClient,
) -> None:
    created = await create(
        client, "consent", institutionIdentifiers={"institutionCountryCode": "GB"}
    )
    page = await client.get(created["hostedUrl"])
    assert 'value="mock-sandbox"' in page.text
    assert "Choose your bank" in page.text
    bank = await to_bank(client, created, "mock-sandbox")
    assert "/yapily/bank/mock-sandbox/authorize?" in bank
    fixed = await create(client, "consent")
    assert 'name="institution"' not in (await client.get(fixed["hostedUrl"])).text


async def test_a_used_link_allows_no_second_payment(client: httpx.AsyncClient) -> None:
    created = await create(client, "link")
    await finish(client, created, "paymentRequestId", "success", "browser-path")
    again = await client.get(created["hostedUrl"])
    assert again.status_code == 200
    assert "already been used" in again.text
    assert "/bank" not in again.text
    await client.post("/_sandbox/clock/advance", json={"seconds": 2})
    assert (await read(client, "link", created["paymentRequestId"]))["status"] == "INACTIVE"


async def test_a_magic_user_ends_the_flow_when_hosted_url_opens(client: httpx.AsyncClient) -> None:
    created = await create(client, "consent", applicationUserId="qa+denied")
    opened = await client.get(created["hostedUrl"])
    assert opened.status_code == 303
    _, target = await status_screen(client, opened.headers["location"])
    assert target == f"{REDIRECT}?consentRequestId={created['consentRequestId']}&{CANCELLED}"


async def test_the_payment_failed_scenario_is_a_rejected_execution(
    client: httpx.AsyncClient,
) -> None:
    created = await create(client, "payment")
    request_id = created["paymentRequestId"]
    done = await client.post(
        f"/_sandbox/sessions/{request_id}/outcome", json={"scenario": "payment-failed"}
    )
    _, target = await status_screen(client, done.json()["redirect_url"])
    assert "&error=payment_rejected&" in target
    payment = (await read(client, "payment", request_id))["payments"][0]
    assert names(payment["phases"])[-2:] == ["REJECTED", "FINISHED"]


async def test_only_authorised_hosted_consents_are_listed(client: httpx.AsyncClient) -> None:
    authorised = await create(client, "consent", applicationUserId="lister")
    await create(client, "consent", applicationUserId="lister")  # never answered
    await create(client, "payment", applicationUserId="lister")
    await finish(client, authorised, "consentRequestId", "success", "control-api")
    found = await read(client, "consent", authorised["consentRequestId"])
    listed = await client.get(
        "/yapily/consents", params={"filter[applicationUserId]": "lister"}, auth=AUTH
    )
    assert [c["id"] for c in listed.json()["data"]] == [found["consentId"]]
