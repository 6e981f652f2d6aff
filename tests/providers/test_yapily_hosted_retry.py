"""Pay By Link retries over HTTP (spec yapily-hosted.md §5 [INF], §4.2): a link whose payment
failed or was cancelled opens again until it expires, each attempt a `payments[]` entry with its
own phases and webhook; a completed payment uses the link up. Every GET validates against
yapily.json (`read`)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.yapily_hosted_helpers import (
    REDIRECT,
    create,
    press,
    read,
    status_screen,
    to_bank,
)
from tests.support import Receiver

P_SUCCESS_HEAD = [
    "INITIATED",
    "INSTITUTION_SUBMITTED",
    "AUTHORISATION_INITIATED",
    "VALIDATION_COMPLETED",
    "AUTHORISATION_CREATED",
]
#: failing outcome → (redirect `error`, the attempt's last phases, webhook event type or None)
FAILURES = {
    "user_abort": ("cancelled_by_user", ["AUTHORISATION_REJECTED", "FINISHED"], None),
    "capture_failure": (
        "payment_rejected",
        ["SUBMITTED", "REJECTED", "FINISHED"],
        "hosted_pis.payment_status.failed.v1",
    ),
    "bad_config": ("configuration_error", ["INSTITUTION_SUBMITTED", "VALIDATION_FAILED"], None),
}


def names(phases: list[dict[str, str]]) -> list[str]:
    return [p["phaseName"] for p in phases]


async def attempt(client: httpx.AsyncClient, created: dict[str, Any], outcome: str) -> str:
    """Open the link, go to the bank, press `outcome`: where the status screen sends the user."""
    hop = await press(client, await to_bank(client, created), outcome)
    _, target = await status_screen(client, hop)
    return target


async def hooks(dispatcher: Dispatcher, receiver: Receiver) -> list[dict[str, Any]]:
    await dispatcher.run_once()
    return [json.loads(r.content) for r in receiver.requests]


@pytest.mark.parametrize("outcome", list(FAILURES))
async def test_a_failed_link_payment_is_retried_until_one_completes(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, outcome: str
) -> None:
    error, last, event_type = FAILURES[outcome]
    created = await create(client, "link")
    request_id = created["paymentRequestId"]
    target = await attempt(client, created, outcome)
    assert target.startswith(f"{REDIRECT}?paymentRequestId={request_id}&error={error}&")
    failed = await read(client, "link", request_id)
    assert failed["status"] == "ACTIVE"
    [first] = failed["payments"]
    assert (first["paymentStatus"], names(first["phases"])[-len(last) :]) == ("FAILED", last)
    sent = await hooks(dispatcher, receiver)
    assert [h["type"] for h in sent] == ([event_type] if event_type else [])
    if event_type:
        assert sent[0]["event"]["paymentId"] == first["paymentId"]

    await client.post("/_sandbox/clock/advance", json={"seconds": 60})
    again = await client.get(created["hostedUrl"])
    assert again.status_code == 200
    assert "did not go through (1 so far)" in again.text
    target = await attempt(client, created, "success")
    assert target == f"{REDIRECT}?paymentRequestId={request_id}"
    await client.post("/_sandbox/clock/advance", json={"seconds": 2})
    found = await read(client, "link", request_id)
    assert found["status"] == "INACTIVE"  # the link is used now
    kept, second = found["payments"]
    assert kept == first  # the failed attempt is left as it was
    assert second["paymentStatus"] == "COMPLETED"
    assert names(second["phases"])[:5] == P_SUCCESS_HEAD
    assert second["phases"][0]["phaseCreatedAt"] > first["phases"][-1]["phaseCreatedAt"]
    for key in ("paymentId", "hostedPaymentId", "consentId"):
        assert second[key] != first[key]
    [completed] = [h for h in await hooks(dispatcher, receiver) if h not in sent]
    assert completed["type"] == "hosted_pis.payment_status.completed.v1"
    assert completed["event"]["paymentId"] == second["paymentId"]
    used = await client.get(created["hostedUrl"])
    assert "already been used" in used.text
    assert "/bank" not in used.text


async def test_each_failed_attempt_is_an_entry_of_its_own(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    created = await create(client, "link")
    request_id = created["paymentRequestId"]
    for outcome in ("capture_failure", "user_abort", "capture_failure"):
        await attempt(client, created, outcome)
    found = await read(client, "link", request_id)
    assert found["status"] == "ACTIVE"
    assert [p["paymentStatus"] for p in found["payments"]] == ["FAILED"] * 3
    assert len({p["paymentId"] for p in found["payments"]}) == 3
    sent = await hooks(dispatcher, receiver)
    assert [h["event"]["paymentId"] for h in sent] == [
        found["payments"][0]["paymentId"],
        found["payments"][2]["paymentId"],
    ]


async def test_the_control_api_retries_a_failed_link_too(client: httpx.AsyncClient) -> None:
    created = await create(client, "link")
    request_id = created["paymentRequestId"]
    for outcome in ("user_abort", "success"):
        done = await client.post(
            f"/_sandbox/sessions/{request_id}/outcome", json={"outcome": outcome}
        )
        assert done.status_code == 200, done.text
    await client.post("/_sandbox/clock/advance", json={"seconds": 2})
    found = await read(client, "link", request_id)
    assert [p["paymentStatus"] for p in found["payments"]] == ["FAILED", "COMPLETED"]
    again = await client.post(
        f"/_sandbox/sessions/{request_id}/outcome", json={"outcome": "success"}
    )
    assert again.status_code == 409  # a paid link takes no further outcome


async def test_a_retried_link_expires_with_the_expired_page(client: httpx.AsyncClient) -> None:
    created = await create(client, "link")
    request_id = created["paymentRequestId"]
    await attempt(client, created, "user_abort")
    await client.post("/_sandbox/clock/advance", json={"seconds": 7 * 86400})
    page = await client.get(created["hostedUrl"])
    assert page.status_code == 200
    assert "This link has expired" in page.text
    assert "/bank" not in page.text
    found = await read(client, "link", request_id)
    assert found["status"] == "INACTIVE"
    assert [p["paymentStatus"] for p in found["payments"]] == ["FAILED"]


async def test_a_scenario_picked_for_one_attempt_does_not_answer_the_next(
    client: httpx.AsyncClient,
) -> None:
    created = await create(client, "link")
    request_id = created["paymentRequestId"]
    done = await client.post(
        f"/_sandbox/sessions/{request_id}/outcome", json={"scenario": "payment-failed"}
    )
    assert done.status_code == 200, done.text
    target = await attempt(client, created, "success")  # Yapily's page and the bank show again
    assert target == f"{REDIRECT}?paymentRequestId={request_id}"


async def test_a_magic_user_fails_every_attempt_at_once(client: httpx.AsyncClient) -> None:
    created = await create(client, "link", applicationUserId="qa+denied")
    for _ in range(2):
        opened = await client.get(created["hostedUrl"])
        assert opened.status_code == 303
    found = await read(client, "link", created["paymentRequestId"])
    assert [p["paymentStatus"] for p in found["payments"]] == ["FAILED", "FAILED"]


async def test_without_retries_a_failed_link_is_used_up(client: httpx.AsyncClient) -> None:
    off = await client.put("/_sandbox/providers/yapily/settings", json={"hosted_link_retry": False})
    assert off.status_code == 200, off.text
    created = await create(client, "link")
    await attempt(client, created, "capture_failure")
    again = await client.get(created["hostedUrl"])
    assert "already been used" in again.text
    assert "/bank" not in again.text
    done = await client.post(
        f"/_sandbox/sessions/{created['paymentRequestId']}/outcome", json={"outcome": "success"}
    )
    assert done.status_code == 409


async def test_a_failed_hosted_payment_request_is_not_retried(client: httpx.AsyncClient) -> None:
    created = await create(client, "payment")  # retries are a Pay By Link thing (§5)
    await attempt(client, created, "user_abort")
    again = await client.get(created["hostedUrl"])
    assert "already been used" in again.text
