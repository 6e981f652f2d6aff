"""A real browser through Yapily's bank login: the integrator creates a payment authorisation
request over the API; the browser logs in on the bank page, presses an outcome's button by its
label, takes the `auth-redirect` hop and lands on the exact callback URL. Yapily sends no
webhook for an authorisation (only for payments, spec §7): after Allow the integrator executes
the payment and the signed `payment.state.success` arrives; after a failure nothing does. The
session's dashboard page shows either."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from mockprovider.providers.yapily.settings import (
    APPLICATION_KEY,
    APPLICATION_SECRET,
    WEBHOOK_SECRET,
)
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

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page", "screenshots"]  # fixtures, used by name
AUTH = (APPLICATION_KEY, APPLICATION_SECRET)
PAYMENT = {
    "paymentIdempotencyId": "pay0001",
    "type": "DOMESTIC_PAYMENT",
    "reference": "Invoice 42",
    "amount": {"amount": 12.5, "currency": "GBP"},
    "payee": {
        "name": "Jane Doe",
        "accountIdentifications": [
            {"type": "SORT_CODE", "identification": "123456"},
            {"type": "ACCOUNT_NUMBER", "identification": "12345678"},
        ],
    },
}


@dataclass(frozen=True)
class Button:
    label: str  # the visible text a tester clicks
    error: tuple[str, str, str] | None  # error, error-source, error-description; None: success


BUTTONS = {
    "success": Button("Allow", None),
    "user_abort": Button(
        "Cancel",
        ("access_denied", "user", "The user cancelled the transaction or failed to login"),
    ),
    "capture_failure": Button(
        "Bank error",
        (
            "invalid_grant",
            "institution",
            "The institution could not complete the authorisation (server_error)",
        ),
    ),
}


def yapily_signature(body: bytes) -> str:
    """The sandbox's documented scheme (§7.3), computed here: `sha256=<hex HMAC-SHA256>`."""
    return "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("outcome", list(BUTTONS))
def test_each_button_in_a_real_browser(
    server: ServerProcess,
    hooks: WebhookReceiver,
    page: Page,
    screenshots: Screenshots,
    outcome: str,
) -> None:
    button = BUTTONS[outcome]
    server.control("PUT", "/providers/yapily/settings", {"webhook_url": hooks.hook_url})
    callback = f"{hooks.return_url}?customer=42"
    body = {
        "applicationUserId": "user-42",
        "institutionId": "modelo-sandbox",
        "callback": callback,
        "paymentRequest": PAYMENT,
    }
    with server.client() as http:
        created = http.post("/yapily/payment-auth-requests", json=body, auth=AUTH)
        assert created.status_code == 201, created.text
        data = created.json()["data"]
        session_id = data["id"]

        with screenshots(page):
            page.goto(data["authorisationUrl"])
            expect(page.locator(".sandbox-banner")).to_contain_text("SANDBOX")
            expect(page.get_by_role("heading", name="Authorise a payment")).to_be_visible()
            page.get_by_label("User name").fill("mits")
            page.get_by_label("Password").fill("mits")

            click_outcome(page, button.label)

            fixed = f"application-user-id=user-42&user-uuid={data['userUuid']}"
            fixed += "&institution=modelo-sandbox"
            if button.error is None:
                page.wait_for_url(lambda url: url.startswith(f"{callback}&consent="))
                consent = dict(parse_qsl(urlsplit(page.url).query))["consent"]
                expected = f"{callback}&consent={consent}&{fixed}"
            else:
                error, source, text = button.error
                described = base64.encodebytes(text.encode()).decode().strip()
                query = {"error": error, "error-source": source, "error-description": described}
                expected = f"{callback}&{fixed}&{urlencode(query)}"
            land_on(page, expected)
            assert hooks.visits()[-1] == expected.removeprefix(hooks.base_url)

            if button.error is not None:
                assert server.webhooks(session_id) == []
                check_dashboard(page, server, session_id, outcome, [])
                return
            paid = http.post(
                "/yapily/payments",
                json={"paymentIdempotencyId": "pay0001", "type": "DOMESTIC_PAYMENT"},
                auth=AUTH,
                headers={"consent": consent},
            )
            assert paid.status_code == 201, paid.text
            [hook] = hooks.wait_for(1)
            assert hook.header("X-Yapily-Signature") == yapily_signature(hook.body)
            assert hook.json()["type"] == "payment.state.success", hook.json()
            check_dashboard(
                page, server, session_id, outcome, ["payment.state.success"], hooks.hook_url
            )
