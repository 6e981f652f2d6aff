"""Yapily Hosted Pages in a real browser, one test per outcome: the integrator creates a hosted
payment request over the API; the browser opens hostedUrl, picks the bank on Yapily's page,
logs in at the sandbox bank, presses the outcome's button, sees Yapily's status screen and is
sent on to redirectUrl by it. Then the GET shows the status and phases, and the hosted_pis
webhook arrives signed (success after the payment settles on the sandbox clock). The same per
outcome for a hosted consent (its redirect, status and phases; on success the consent API accepts
the consent), and a Pay By Link whose failed payment is retried (§5)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    Screenshots,
    browser,
    check_dashboard,
    click_outcome,
    land_on,
    page,
    screenshots,
)
from tests.e2e.servers import ServerProcess, WebhookReceiver
from tests.e2e.test_browser_yapily import AUTH, yapily_signature
from tests.providers.yapily_hosted_helpers import request_body

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page", "screenshots"]  # fixtures, used by name


def _error(code: str, source: str, text: str) -> str:
    return f"&error={code}&error_source={source}&error_description={quote(text)}"


#: outcome → (bank button, redirect params after the id or None, paymentStatus, webhook)
OUTCOMES = {
    "success": ("Allow", "", "COMPLETED", "hosted_pis.payment_status.completed.v1"),
    "user_abort": (
        "Cancel",
        _error("cancelled_by_user", "USER", "Process cancelled by user"),
        "FAILED",
        None,
    ),
    "capture_failure": (
        "Bank error",
        _error("payment_rejected", "INSTITUTION", "The institution rejected the payment"),
        "FAILED",
        "hosted_pis.payment_status.failed.v1",
    ),
    "bad_config": (
        "Bank rejects client",
        _error("configuration_error", "INSTITUTION", "The institution rejected the client"),
        "FAILED",
        None,
    ),
    "expiry": ("Expire now", None, "PENDING", None),
    "closed_tab": ("Close tab", None, "PENDING", None),
}


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_outcome_of_a_hosted_payment_in_a_real_browser(
    server: ServerProcess,
    hooks: WebhookReceiver,
    page: Page,
    screenshots: Screenshots,
    outcome: str,
) -> None:
    label, params, payment_status, event_type = OUTCOMES[outcome]
    server.control("PUT", "/providers/yapily/settings", {"webhook_url": hooks.hook_url})
    server.control("PUT", "/providers/yapily/settings", {"hosted_status_screen_seconds": 1})
    redirect = f"{hooks.return_url}?customer=42"
    body = request_body(
        "payment", redirectUrl=redirect, institutionIdentifiers={"institutionCountryCode": "GB"}
    )
    with server.client() as http:
        created = http.post("/yapily/hosted/payment-requests", json=body, auth=AUTH)
        assert created.status_code == 201, created.text
        request_id = created.json()["data"]["paymentRequestId"]

        with screenshots(page):
            page.goto(created.json()["data"]["hostedUrl"])
            expect(page.get_by_role("heading", name="Confirm your payment")).to_be_visible()
            expect(page.get_by_text("10.0 GBP")).to_be_visible()
            page.get_by_label("Modelo Sandbox").check()
            page.get_by_role("button", name="Continue to bank").click()
            expect(page.get_by_role("heading", name="Authorise a payment")).to_be_visible()
            page.get_by_label("User name").fill("mits")
            page.get_by_label("Password").fill("mits")
            click_outcome(page, label)
            if params is None:  # expiry, closed tab: no redirect, a page says so
                heading = "This link has expired" if outcome == "expiry" else "You closed the tab"
                expect(page.get_by_role("heading", name=heading)).to_be_visible()
                assert hooks.visits() == []
            else:
                ok = "Payment submitted" if outcome == "success" else "Not completed"
                expect(page.get_by_role("heading", name=ok)).to_be_visible()
                land_on(page, f"{redirect}&paymentRequestId={request_id}{params}")  # by itself

        if outcome == "success":
            server.control("POST", "/clock/advance", {"seconds": 2})
        found = http.get(f"/yapily/hosted/payment-requests/{request_id}", auth=AUTH).json()
        assert found["data"]["payments"][0]["paymentStatus"] == payment_status
        events = [event_type] if event_type else []
        with screenshots(page):
            check_dashboard(page, server, request_id, outcome, events, hooks.hook_url)
        if event_type:
            [hook] = hooks.wait_for(1)
            assert hook.header("X-Yapily-Signature") == yapily_signature(hook.body)
            assert hook.json()["event"]["paymentRequestId"] == request_id
        else:
            assert server.webhooks(request_id) == []


#: consent outcome → (bank button, redirect params after the id or None, status, last phases)
CONSENT_OUTCOMES = {
    "success": ("Allow", "&consent=", "AUTHORIZED", ["AUTHORISED", "FINISHED"]),
    "user_abort": (
        "Cancel",
        _error("cancelled_by_user", "USER", "Process cancelled by user"),
        "REJECTED",
        ["AUTHORISATION_CREATED", "AUTHORISATION_REJECTED", "FINISHED"],
    ),
    "capture_failure": (
        "Bank error",
        _error(
            "invalid_grant", "INSTITUTION", "The institution could not complete the authorisation"
        ),
        "FAILED",
        ["AUTHORISATION_CREATED", "AUTHORISATION_FAILED", "FINISHED"],
    ),
    "bad_config": (
        "Bank rejects client",
        _error("configuration_error", "INSTITUTION", "The institution rejected the client"),
        "FAILED",
        ["INITIATED", "INSTITUTION_SUBMITTED", "AUTHORISATION_FAILED"],
    ),
    # no phase marks expiry or a closed tab (§4.4): the phases stay those of the hand-off
    "expiry": (
        "Expire now",
        None,
        "EXPIRED",
        ["AUTHORISATION_INITIATED", "AUTHORISATION_CREATED"],
    ),
    "closed_tab": (
        "Close tab",
        None,
        "AWAITING_AUTHORIZATION",
        ["AUTHORISATION_INITIATED", "AUTHORISATION_CREATED"],
    ),
}


@pytest.mark.parametrize("outcome", list(CONSENT_OUTCOMES))
def test_each_outcome_of_a_hosted_consent_in_a_real_browser(
    server: ServerProcess,
    hooks: WebhookReceiver,
    page: Page,
    screenshots: Screenshots,
    outcome: str,
) -> None:
    label, params, status, last = CONSENT_OUTCOMES[outcome]
    server.control("PUT", "/providers/yapily/settings", {"webhook_url": hooks.hook_url})
    server.control("PUT", "/providers/yapily/settings", {"hosted_status_screen_seconds": 1})
    redirect = f"{hooks.return_url}?customer=42"
    body = request_body("consent", redirectUrl=redirect)  # institutionId given: no picker
    with server.client() as http:
        created = http.post("/yapily/hosted/consent-requests", json=body, auth=AUTH).json()["data"]
        request_id = created["consentRequestId"]
        returned = f"{redirect}&consentRequestId={request_id}"
        with screenshots(page):
            page.goto(created["hostedUrl"])
            expect(
                page.get_by_role("heading", name="Share your account information")
            ).to_be_visible()
            expect(page.get_by_label("Modelo Sandbox")).to_have_count(0)
            page.get_by_role("button", name="Continue to bank").click()
            page.get_by_label("User name").fill("mits")
            page.get_by_label("Password").fill("mits")
            click_outcome(page, label)
            if params is None:  # expiry, closed tab: no redirect, a page says so
                heading = "This link has expired" if outcome == "expiry" else "You closed the tab"
                expect(page.get_by_role("heading", name=heading)).to_be_visible()
                assert hooks.visits() == []
            else:
                ok = "Consent authorised" if outcome == "success" else "Not completed"
                expect(page.get_by_role("heading", name=ok)).to_be_visible()
                page.wait_for_url(lambda url: url.startswith(returned))  # by itself
        found = http.get(f"/yapily/hosted/consent-requests/{request_id}", auth=AUTH).json()["data"]
        assert found["status"] == status
        assert [p["phaseName"] for p in found["phases"]][-len(last) :] == last
        if outcome == "success":
            land_on(page, f"{returned}&consent={found['consentToken']}")
            consent = http.get(f"/yapily/consents/{found['consentId']}", auth=AUTH)
            assert consent.status_code == 200, consent.text
            assert consent.json()["data"]["status"] == "AUTHORIZED"
        else:
            assert "consentToken" not in found
            if params is not None:
                land_on(page, returned + params)
        with screenshots(page):
            check_dashboard(page, server, request_id, outcome, [], hooks.hook_url)
        assert server.webhooks(request_id) == []  # no hosted consent webhook (§6)


def test_a_failed_pay_by_link_is_retried_in_a_real_browser(
    server: ServerProcess, hooks: WebhookReceiver, page: Page, screenshots: Screenshots
) -> None:
    server.control("PUT", "/providers/yapily/settings", {"webhook_url": hooks.hook_url})
    server.control("PUT", "/providers/yapily/settings", {"hosted_status_screen_seconds": 0})
    redirect = f"{hooks.return_url}?customer=42"
    body = request_body("link", redirectUrl=redirect)  # institutionId given: no picker
    with server.client() as http:
        created = http.post("/yapily/hosted/payment-requests/links", json=body, auth=AUTH)
        assert created.status_code == 201, created.text
        link = created.json()["data"]
        request_id = link["paymentRequestId"]
        returned = f"{redirect}&paymentRequestId={request_id}"
        rejected = _error("payment_rejected", "INSTITUTION", "The institution rejected the payment")
        with screenshots(page):
            for button, expected in (("Bank error", returned + rejected), ("Allow", returned)):
                page.goto(link["hostedUrl"])
                expect(page.get_by_role("heading", name="Pay by link")).to_be_visible()
                retry = page.get_by_role("status").filter(has_text="did not go through")
                expect(retry).to_have_count(0 if button == "Bank error" else 1)
                page.get_by_role("button", name="Pay by Bank").click()
                expect(page.get_by_role("heading", name="Authorise a payment")).to_be_visible()
                page.get_by_label("User name").fill("mits")
                page.get_by_label("Password").fill("mits")
                click_outcome(page, button)
                land_on(page, expected)
            server.control("POST", "/clock/advance", {"seconds": 2})
            page.goto(link["hostedUrl"])
            expect(
                page.get_by_role("heading", name="This link has already been used")
            ).to_be_visible()
        found = http.get(f"/yapily/hosted/payment-requests/{request_id}", auth=AUTH).json()
        assert found["data"]["status"] == "INACTIVE"
        payments = found["data"]["payments"]
        assert [p["paymentStatus"] for p in payments] == ["FAILED", "COMPLETED"]
        sent = hooks.wait_for(2)
        assert [h.json()["type"] for h in sent] == [
            "hosted_pis.payment_status.failed.v1",
            "hosted_pis.payment_status.completed.v1",
        ]
        assert [h.json()["event"]["paymentId"] for h in sent] == [p["paymentId"] for p in payments]
        for hook in sent:
            assert hook.header("X-Yapily-Signature") == yapily_signature(hook.body)
