"""Topiic hosted checkout flows (spec §2.3, §2.4, §2.8, §3.2): every outcome by button and by
control API, page and form tokens, automatic scenarios, test cards, escaping, several merchants
and members."""

from __future__ import annotations

import re
from typing import Any

import httpx
import markupsafe
import pytest
from itsdangerous import URLSafeSerializer

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.topiic.settings import (
    INACTIVE_PLAN,
    SANDBOX_MID,
    SANDBOX_PLAN,
    SANDBOX_SECRET,
)
from tests.providers.topiic_helpers import (
    PATHS,
    RET,
    advance,
    body_of,
    choose,
    deliveries,
    finish,
    form_fields,
    is_uuid,
    open_link,
    put_settings,
    session_view,
    signature_params,
    signature_verifies,
    start,
    submit,
)
from tests.support import T0, TOPIIC_CHOICES, Receiver, parse_form, topiic_link

EXP_ISO = "2026-01-27T00:13:20Z"
CAPTURE_FAILED = "Card capture failed"
#: (outcome or scenario, failureReason; a `...` suffix means "starts with" the documented text)
FAILURES = [
    ("user_abort", "User abandoned checkout."),
    ("capture_failure", CAPTURE_FAILED + "..."),
    ("provisioning-error", "Provisioning failed"),
    ("expiry", "Checkout session expired."),
]
SECOND_KEY = {
    "api_key_id": "5d0c6a4e-2f1b-4c3d-9e8f-7a6b5c4d3e2f",
    "signing_secret": "tss_SecondMerchantSecretForTests0123456789abc",
    "merchant_id": "c3b2a190-8f7e-4d6c-9b5a-4e3d2c1b0a98",
}
SECOND_PLAN = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTRIBUTE = '"><img src=x onerror=alert(1)>'


def assert_reason(reason: str, expected: str) -> None:
    if expected.endswith("..."):
        assert reason.startswith(expected.removesuffix("..."))
    else:
        assert reason == expected


async def sent(dispatcher: Dispatcher, receiver: Receiver) -> list[httpx.Request]:
    """Run the dispatcher once; the requests the receiver got so far."""
    await dispatcher.run_once()
    return receiver.requests


async def only_event(dispatcher: Dispatcher, receiver: Receiver, event_type: str) -> httpx.Request:
    requests = await sent(dispatcher, receiver)
    assert [body_of(r)["type"] for r in requests] == [event_type]
    return requests[0]


async def second_merchant(client: httpx.AsyncClient) -> None:
    settings = (await client.get("/_sandbox/providers/topiic/settings")).json()
    plan = {"id": SECOND_PLAN, "name": "Gym B", "active": True}
    await put_settings(
        client,
        additional_keys=[SECOND_KEY],
        plans=[*settings["plans"], plan | {"merchant_id": SECOND_KEY["merchant_id"]}],
    )


def second_merchant_link(**overrides: Any) -> str:
    return topiic_link(
        secret=SECOND_KEY["signing_secret"],
        akid=SECOND_KEY["api_key_id"],
        mid=SECOND_KEY["merchant_id"],
        plan=SECOND_PLAN,
        **overrides,
    )


# -- 3. outcomes, by button and by control API --------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("ret", "expected"),
    [
        (RET, RET + "&status=ok"),
        ("https://app.example/done", "https://app.example/done?status=ok"),
        ("https://app.example/done?x=1#top", "https://app.example/done?x=1&status=ok#top"),
        ("https://app.example/done#top", "https://app.example/done?status=ok#top"),
        ("myapp://done", "myapp://done?status=ok"),
        (
            "https://a.example/s?customer=42&cohort=spring-promo&utm_source=email",
            "https://a.example/s?customer=42&cohort=spring-promo&utm_source=email&status=ok",
        ),
    ],
    ids=["query", "no-query", "fragment", "fragment-no-query", "custom-scheme", "many-params"],
)
async def test_success_redirects_to_ret_with_status_ok(
    client: httpx.AsyncClient, path: str, ret: str, expected: str
) -> None:
    done = await finish(client, path, "success", ret=ret)
    assert done.location == expected
    view = await session_view(client, done.session_id)
    assert view["redirect_url"] == expected
    assert (view["status"], view["provider_status"], view["outcome"]) == (
        "finished",
        "Completed",
        "success",
    )


@pytest.mark.parametrize("path", PATHS)
async def test_success_delivers_one_signed_checkout_completed(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, path: str
) -> None:
    done = await finish(client, path, "success", ref="cust_777")
    assert receiver.requests == []
    request = await only_event(dispatcher, receiver, "checkout.completed")
    body = body_of(request)
    assert list(body) == ["id", "type", "createdAt", "data"]
    assert body["createdAt"] == "2026-01-26T23:43:20.000Z"
    assert list(body["data"]) == [
        "sessionId",
        "externalRef",
        "memberId",
        "paymentMethodId",
        "subscriptionId",
        "planId",
    ]
    data = body["data"]
    assert (data["sessionId"], data["externalRef"], data["planId"]) == (
        done.session_id,
        "cust_777",
        SANDBOX_PLAN,
    )
    ids = ("sessionId", "memberId", "paymentMethodId", "subscriptionId")
    assert all(is_uuid(data[k]) for k in ids)
    assert is_uuid(body["id"])
    assert str(request.url) == "http://receiver.test/hooks"
    assert request.method == "POST"
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Topiic-Webhooks/1.0"
    assert headers["Topiic-Event-Id"] == headers["Topiic-Idempotency-Key"] == body["id"]
    params = signature_params(headers["Topiic-Signature"])
    assert list(params) == ["t", "v1"]
    assert params["t"] == str(int(T0))
    assert re.fullmatch(r"[0-9a-f]{64}", params["v1"])
    assert signature_verifies(SANDBOX_SECRET, headers["Topiic-Signature"], request.content)
    stored = (await session_view(client, done.session_id))["data"]
    assert {k: stored[k] for k in ("memberId", "paymentMethodId", "subscriptionId")} == {
        k: data[k] for k in ("memberId", "paymentMethodId", "subscriptionId")
    }
    assert await dispatcher.run_once() == 0
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("outcome", "reason"), FAILURES, ids=[o for o, _ in FAILURES])
async def test_failure_redirects_with_status_cancelled_and_delivers_checkout_failed(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    path: str,
    outcome: str,
    reason: str,
) -> None:
    done = await finish(client, path, outcome, ref="cust_9")
    assert done.location == RET + "&status=cancelled"
    request = await only_event(dispatcher, receiver, "checkout.failed")
    body = body_of(request)
    assert list(body) == ["id", "type", "createdAt", "data"]
    assert list(body["data"]) == ["sessionId", "externalRef", "failureReason"]
    assert body["data"]["sessionId"] == done.session_id
    assert body["data"]["externalRef"] == "cust_9"
    assert_reason(body["data"]["failureReason"], reason)
    assert request.headers["Topiic-Event-Id"] == body["id"]
    assert signature_verifies(SANDBOX_SECRET, request.headers["Topiic-Signature"], request.content)
    view = await session_view(client, done.session_id)
    expected_state = ("expired", "Expired") if outcome == "expiry" else ("finished", "Failed")
    assert (view["status"], view["provider_status"]) == expected_state
    assert view["redirect_url"] == done.location


async def test_failure_reasons_setting_may_change_one_reason_and_keep_the_others(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await put_settings(client, failure_reasons={"user_abort": "User abandoned checkout. (QA)"})
    outcomes = {}
    for outcome in ("user_abort", "capture_failure", "expiry"):
        outcomes[(await finish(client, "api", outcome)).session_id] = outcome
    await dispatcher.run_once()
    reasons = {
        outcomes[body_of(r)["data"]["sessionId"]]: body_of(r)["data"]["failureReason"]
        for r in receiver.requests
    }
    assert reasons["user_abort"] == "User abandoned checkout. (QA)"
    assert reasons["capture_failure"].startswith(CAPTURE_FAILED)
    assert reasons["expiry"] == "Checkout session expired."


@pytest.mark.parametrize(
    "outcome", ["success", "user_abort", "capture_failure", "expiry", "provisioning-error"]
)
async def test_control_api_redirect_url_is_the_location_the_browser_gets(
    client: httpx.AsyncClient, outcome: str
) -> None:
    by_button = await finish(client, "button", outcome, ret="myapp://done?x=1#f")
    by_api = await finish(client, "api", outcome, ret="myapp://done?x=1#f")
    assert by_button.response.status_code == 303
    assert by_api.location == by_button.location


@pytest.mark.parametrize("path", PATHS)
async def test_expire_now_silent_setting_sends_nothing_back(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, path: str
) -> None:
    await put_settings(client, expire_now="silent")
    done = await finish(client, path, "expiry")
    assert done.location is None
    if path == "button":
        assert "This session has expired" in done.response.text
    view = await session_view(client, done.session_id)
    assert (view["status"], view["provider_status"], view["redirect_url"]) == (
        "expired",
        "Expired",
        None,
    )
    assert await sent(dispatcher, receiver) == []
    assert await deliveries(client, done.session_id) == []


@pytest.mark.parametrize("path", PATHS)
async def test_closed_tab_sends_nothing_and_the_session_expires_silently_at_exp(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, path: str
) -> None:
    done = await finish(client, path, "closed_tab")
    assert done.location is None
    if path == "button":
        page = done.response
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "Nothing was sent back: no redirect and no webhook." in page.text
        assert f'<time datetime="{EXP_ISO}">{EXP_ISO}</time>' in page.text
    view = await session_view(client, done.session_id)
    assert (view["status"], view["provider_status"]) == ("abandoned", "AwaitingPayment")
    await advance(client, 1799)
    assert (await session_view(client, done.session_id))["status"] == "abandoned"
    await advance(client, 1)
    view = await session_view(client, done.session_id)
    assert (view["status"], view["provider_status"], view["redirect_url"]) == (
        "expired",
        "Expired",
        None,
    )
    assert await sent(dispatcher, receiver) == []
    assert await deliveries(client, done.session_id) == []


@pytest.mark.parametrize("page_opened", [False, True], ids=["never-opened", "page-opened"])
async def test_session_left_alone_expires_silently_at_exp(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, page_opened: bool
) -> None:
    opened = await start(client)
    if page_opened:
        assert (await client.get(opened.page_url)).status_code == 200
        assert (await session_view(client, opened.session_id))["status"] == "opened"
    assert (await session_view(client, opened.session_id))["provider_status"] == "AwaitingPayment"
    await advance(client, 1800)
    view = await session_view(client, opened.session_id)
    assert (view["status"], view["provider_status"], view["outcome"]) == (
        "expired",
        "Expired",
        None,
    )
    assert await sent(dispatcher, receiver) == []
    assert await deliveries(client, opened.session_id) == []


async def test_submitting_the_form_after_exp_cancels_with_checkout_session_expired(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    opened = await start(client)
    page = await client.get(opened.page_url)
    form = parse_form(page.text)
    clock.advance(1801)
    response = await client.post(form.action, data={"t": form.token, "outcome": "success"})
    assert response.status_code == 303
    assert response.headers["location"] == RET + "&status=cancelled"
    request = await only_event(dispatcher, receiver, "checkout.failed")
    assert body_of(request)["data"]["failureReason"] == "Checkout session expired."
    assert (await session_view(client, opened.session_id))["status"] == "expired"


async def test_submitting_after_exp_once_the_expiry_sweep_ran_still_cancels(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    opened = await start(client)
    page = await client.get(opened.page_url)
    form = parse_form(page.text)
    await advance(client, 1801)
    response = await client.post(form.action, data={"t": form.token, "outcome": "success"})
    assert response.status_code == 303
    assert response.headers["location"] == RET + "&status=cancelled"
    request = await only_event(dispatcher, receiver, "checkout.failed")
    assert body_of(request)["data"]["failureReason"] == "Checkout session expired."
    again = await client.post(form.action, data={"t": form.token, "outcome": "success"})
    assert again.status_code == 403
    assert await dispatcher.run_once() == 0


async def test_hosted_page_shows_the_plan_prefilled_contact_and_one_button_per_choice(
    client: httpx.AsyncClient,
) -> None:
    opened = await start(client, ref="cust_page")
    page = await client.get(opened.page_url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Unlimited classes</h1>" in page.text
    assert "49.50 AUD" in page.text
    assert "<code>cust_page</code>" in page.text
    assert f'<time datetime="{EXP_ISO}">{EXP_ISO}</time>' in page.text
    fields = form_fields(page.text)
    assert {k: fields[k] for k in ("fn", "ln", "em", "ph")} == {
        "fn": "Maya",
        "ln": "Tan",
        "em": "maya@example.com",
        "ph": "+61 422 138 904",
    }
    assert parse_form(page.text).buttons == TOPIIC_CHOICES
    assert (await session_view(client, opened.session_id))["status"] == "opened"
    again = await client.get(opened.page_url)
    assert again.status_code == 200


async def test_hosted_page_of_a_finished_session_says_so_and_offers_no_form(
    client: httpx.AsyncClient,
) -> None:
    opened = await start(client)
    await choose(client, opened.session_id, "success")
    page = await client.get(opened.page_url)
    assert page.status_code == 200
    assert "This Topiic hosted checkout session is Completed" in page.text
    assert 'name="outcome"' not in page.text


# -- 4. tokens ----------------------------------------------------------------------------------


async def assert_untouched(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, session_id: str
) -> None:
    assert (await session_view(client, session_id))["status"] == "opened"
    assert await sent(dispatcher, receiver) == []


def forged_form_token(kind: str, real: str, session_id: str) -> str:
    if kind == "tampered":  # the first character: every one of its bits is significant
        return ("B" if real[0] != "B" else "C") + real[1:]
    signer = URLSafeSerializer("not-the-sandbox-secret", salt="mockprovider.outcome-form")
    return str(signer.dumps([session_id, "guessed-nonce"]))


@pytest.mark.parametrize("kind", ["tampered", "other-secret"])
async def test_forged_form_token_is_forbidden(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, kind: str
) -> None:
    opened = await start(client)
    form = parse_form((await client.get(opened.page_url)).text)
    token = forged_form_token(kind, form.token, opened.session_id)
    response = await client.post(form.action, data={"t": token, "outcome": "success"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    await assert_untouched(client, dispatcher, receiver, opened.session_id)


async def test_form_token_of_another_session_is_forbidden(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    first, second = await start(client), await start(client)
    first_form = parse_form((await client.get(first.page_url)).text)
    second_form = parse_form((await client.get(second.page_url)).text)
    response = await client.post(
        second_form.action, data={"t": first_form.token, "outcome": "success"}
    )
    assert response.status_code == 403
    await assert_untouched(client, dispatcher, receiver, second.session_id)
    assert (await session_view(client, first.session_id))["status"] == "opened"


async def test_page_token_cannot_be_used_as_a_form_token(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    opened = await start(client)
    form = parse_form((await client.get(opened.page_url)).text)
    page_token = opened.page_url.split("?t=", 1)[1]
    response = await client.post(form.action, data={"t": page_token, "outcome": "success"})
    assert response.status_code == 403
    await assert_untouched(client, dispatcher, receiver, opened.session_id)


async def test_replaying_a_used_form_is_forbidden_and_changes_nothing(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    opened = await start(client)
    form = parse_form((await client.get(opened.page_url)).text)
    data = {"t": form.token, "outcome": "success"}
    assert (await client.post(form.action, data=data)).status_code == 303
    before = await session_view(client, opened.session_id)
    for outcome in ("success", "user_abort"):
        replay = await client.post(form.action, data=data | {"outcome": outcome})
        assert replay.status_code == 403
        assert "already used" in replay.text
    assert await session_view(client, opened.session_id) == before
    assert len(await deliveries(client, opened.session_id)) == 1
    assert len(await sent(dispatcher, receiver)) == 1


@pytest.mark.parametrize(
    "token", ["forged", "", "other-session"], ids=["forged", "missing", "other-session"]
)
async def test_hosted_page_needs_its_own_page_token(client: httpx.AsyncClient, token: str) -> None:
    opened, other = await start(client), await start(client)
    if token == "other-session":
        token = other.page_url.split("?t=", 1)[1]
    page = await client.get(f"/topiic/s/{opened.session_id}", params={"t": token})
    assert page.status_code == 403
    assert 'name="outcome"' not in page.text
    assert (await session_view(client, opened.session_id))["status"] == "created"


async def test_control_api_outcome_on_a_finished_session_is_a_conflict(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    opened = await start(client)
    assert (await choose(client, opened.session_id, "success")).status_code == 200
    again = await choose(client, opened.session_id, "user_abort")
    assert again.status_code == 409
    assert again.json()["error"]["status"] == 409
    assert (await session_view(client, opened.session_id))["outcome"] == "success"
    assert len(await sent(dispatcher, receiver)) == 1


async def test_control_api_unknown_outcome_is_unprocessable_and_lists_valid_names(
    client: httpx.AsyncClient,
) -> None:
    opened = await start(client)
    response = await choose(client, opened.session_id, "teleport")
    assert response.status_code == 422
    assert response.json()["error"]["valid"] == TOPIIC_CHOICES
    assert (await session_view(client, opened.session_id))["status"] == "created"


async def test_unknown_outcome_button_value_is_unprocessable_and_lists_valid_names(
    client: httpx.AsyncClient,
) -> None:
    opened = await start(client)
    form = parse_form((await client.get(opened.page_url)).text)
    response = await client.post(form.action, data={"t": form.token, "outcome": "teleport"})
    assert response.status_code == 422
    assert f"Valid choices: {', '.join(TOPIIC_CHOICES)}." in response.text
    assert (await session_view(client, opened.session_id))["status"] == "opened"


# -- 7. scenarios -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "scenario", "reason"),
    [
        ({"contact": {"em": "maya+declined@example.com"}}, "declined", CAPTURE_FAILED + "..."),
        ({"ref": "cust_42+declined"}, "declined", CAPTURE_FAILED + "..."),
        ({"contact": {"em": "maya+cancel@example.com"}}, "cancelled", "User abandoned checkout."),
        ({"ref": "cust_42+cancel"}, "cancelled", "User abandoned checkout."),
        (
            {"contact": {"em": "maya+provisioning@example.com"}},
            "provisioning-error",
            "Provisioning failed",
        ),
        ({"ref": "cust_42+provisioning"}, "provisioning-error", "Provisioning failed"),
    ],
    ids=[
        "declined-email",
        "declined-ref",
        "cancel-email",
        "cancel-ref",
        "provisioning-email",
        "provisioning-ref",
    ],
)
async def test_matching_link_fields_pick_the_scenario_as_soon_as_the_page_opens(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    overrides: dict[str, Any],
    scenario: str,
    reason: str,
) -> None:
    opened = await start(client, **overrides)
    assert (await session_view(client, opened.session_id))["scenario"] == scenario
    page = await client.get(opened.page_url)
    assert page.status_code == 303
    assert page.headers["location"] == RET + "&status=cancelled"
    request = await only_event(dispatcher, receiver, "checkout.failed")
    assert_reason(body_of(request)["data"]["failureReason"], reason)
    view = await session_view(client, opened.session_id)
    assert (view["status"], view["provider_status"], view["scenario"]) == (
        "finished",
        "Failed",
        scenario,
    )


async def test_plain_link_fields_match_no_scenario(client: httpx.AsyncClient) -> None:
    opened = await start(client, ref="cust_declined", contact={"em": "declined@example.com"})
    assert (await session_view(client, opened.session_id))["scenario"] is None
    assert (await client.get(opened.page_url)).status_code == 200


@pytest.mark.parametrize("path", PATHS)
async def test_redirect_lost_shows_a_page_without_location_and_still_delivers(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, path: str
) -> None:
    done = await finish(client, path, "redirect-lost")
    assert done.location is None
    if path == "button":
        assert done.response.status_code == 200
        assert "location" not in done.response.headers
        assert "The redirect was dropped" in done.response.text
        assert f"<code>{RET}&amp;status=ok</code>" in done.response.text
    assert (await session_view(client, done.session_id))["redirect_url"] is None
    await only_event(dispatcher, receiver, "checkout.completed")


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("4000 0000 0000 0002", CAPTURE_FAILED + "..."),
        ("4000000000000119", "Provisioning failed"),
    ],
    ids=["0002-declines", "0119-provisioning"],
)
async def test_pay_with_a_sandbox_test_card_fails_checkout(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, card: str, reason: str
) -> None:
    opened = await start(client)
    response = await submit(client, opened.page_url, "success", card_number=card)
    assert response.status_code == 303
    assert response.headers["location"] == RET + "&status=cancelled"
    request = await only_event(dispatcher, receiver, "checkout.failed")
    assert_reason(body_of(request)["data"]["failureReason"], reason)


async def test_pay_with_the_prefilled_card_succeeds(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    opened = await start(client)
    page = await client.get(opened.page_url)
    assert form_fields(page.text)["card_number"] == "4242 4242 4242 4242"
    response = await submit(client, opened.page_url, "success")
    assert response.headers["location"] == RET + "&status=ok"
    await only_event(dispatcher, receiver, "checkout.completed")


async def test_pay_with_a_non_luhn_card_shows_an_inline_error_and_keeps_the_session_open(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    opened = await start(client)
    response = await submit(client, opened.page_url, "success", card_number="4242 4242 4242 4241")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert re.search(
        r'<p class="problem" role="alert">[^<]*Luhn check failed[^<]*</p>', response.text
    )
    assert form_fields(response.text)["card_number"] == "4242 4242 4242 4241"
    assert (await session_view(client, opened.session_id))["status"] == "opened"
    assert await sent(dispatcher, receiver) == []
    retry = await submit(client, opened.page_url, "success")
    assert retry.headers["location"] == RET + "&status=ok"


async def test_test_cards_setting_off_makes_pay_succeed_with_any_card(
    client: httpx.AsyncClient,
) -> None:
    await put_settings(client, test_cards=False)
    opened = await start(client)
    page = await client.get(opened.page_url)
    assert "Sandbox test cards" not in page.text
    response = await submit(client, opened.page_url, "success", card_number="4000000000000002")
    assert response.headers["location"] == RET + "&status=ok"


# -- 8. escaping --------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", [XSS_SCRIPT, XSS_ATTRIBUTE], ids=["script", "attribute"])
async def test_hostile_contact_and_ref_are_escaped_on_the_page(
    client: httpx.AsyncClient, hostile: str
) -> None:
    contact = {"fn": hostile, "ln": hostile, "em": hostile, "ph": hostile}
    opened = await start(client, ref=hostile, contact=contact)
    page = (await client.get(opened.page_url)).text
    assert hostile not in page
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert f"<code>{markupsafe.escape(hostile)}</code>" in page
    assert form_fields(page)["fn"] == hostile


async def test_hostile_form_values_are_escaped_when_the_page_is_shown_again(
    client: httpx.AsyncClient,
) -> None:
    opened = await start(client)
    response = await submit(
        client, opened.page_url, "success", fn=XSS_ATTRIBUTE, card_number="1234 5678 9012 3456"
    )
    assert response.status_code == 422
    assert XSS_ATTRIBUTE not in response.text
    assert "<img" not in response.text.lower()
    assert form_fields(response.text)["fn"] == XSS_ATTRIBUTE


# -- 9. several merchants -----------------------------------------------------------------------


async def test_second_merchant_key_accepts_its_links_and_signs_its_webhooks_with_its_secret(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await second_merchant(client)
    opened = await open_link(client, second_merchant_link(ref="gym_b_1"))
    assert "<h1>Gym B</h1>" in (await client.get(opened.page_url)).text
    done = await choose(client, opened.session_id, "success")
    assert done.json()["redirect_url"] == RET + "&status=ok"
    request = await only_event(dispatcher, receiver, "checkout.completed")
    assert body_of(request)["data"]["planId"] == SECOND_PLAN
    signature = request.headers["Topiic-Signature"]
    assert signature_verifies(SECOND_KEY["signing_secret"], signature, request.content)
    assert not signature_verifies(SANDBOX_SECRET, signature, request.content)


async def test_first_merchant_webhooks_stay_signed_with_the_first_secret(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await second_merchant(client)
    await finish(client, "api", "success")
    request = await only_event(dispatcher, receiver, "checkout.completed")
    signature = request.headers["Topiic-Signature"]
    assert signature_verifies(SANDBOX_SECRET, signature, request.content)
    assert not signature_verifies(SECOND_KEY["signing_secret"], signature, request.content)


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"secret": SANDBOX_SECRET}, 401),
        ({"mid": SANDBOX_MID}, 403),
        ({"plan": SANDBOX_PLAN}, 422),
        ({"plan": INACTIVE_PLAN}, 422),
    ],
    ids=["first-merchant-secret", "first-merchant-mid", "first-merchant-plan", "inactive-plan"],
)
async def test_second_merchant_links_are_checked_against_the_second_key(
    client: httpx.AsyncClient, overrides: dict[str, Any], status: int
) -> None:
    await second_merchant(client)
    settings: dict[str, Any] = {
        "secret": SECOND_KEY["signing_secret"],
        "akid": SECOND_KEY["api_key_id"],
        "mid": SECOND_KEY["merchant_id"],
        "plan": SECOND_PLAN,
    } | overrides
    assert (await client.get(topiic_link(**settings))).status_code == status


async def test_first_merchant_cannot_use_the_second_merchants_plan(
    client: httpx.AsyncClient,
) -> None:
    await second_merchant(client)
    assert (await client.get(topiic_link(plan=SECOND_PLAN))).status_code == 422


# -- 10. members ----------------------------------------------------------------------------------


async def member_of(client: httpx.AsyncClient, email: str, link: str | None = None) -> str:
    opened = await open_link(client, link or topiic_link(contact={"em": email}))
    done = await choose(client, opened.session_id, "success")
    member: str = done.json()["session"]["data"]["memberId"]
    assert is_uuid(member)
    return member


async def test_members_are_unique_per_merchant_by_email(client: httpx.AsyncClient) -> None:
    first = await member_of(client, "maya@example.com")
    again = await member_of(client, "maya@example.com")
    other = await member_of(client, "sam@example.com")
    assert first == again
    assert other != first


async def test_the_same_email_at_another_merchant_is_another_member(
    client: httpx.AsyncClient,
) -> None:
    await second_merchant(client)
    first = await member_of(client, "maya@example.com")
    elsewhere = await member_of(
        client, "", second_merchant_link(contact={"em": "maya@example.com"})
    )
    assert elsewhere != first


async def test_member_ids_are_delivered_in_the_webhook(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    member = await member_of(client, "maya@example.com")
    await member_of(client, "maya@example.com")
    await dispatcher.run_once()
    assert [body_of(r)["data"]["memberId"] for r in receiver.requests] == [member, member]
