"""A real browser through finAPI's Web Form 2.0: the integrator gets a user token and creates
an import web form whose `finalised` callback points at a real receiver; the browser opens the
form with redirectUrl/abortRedirectUrl/errorRedirectUrl, fills bank login and TAN, presses an
outcome's button by its label and lands on the matching URL (after a bank error through the
error page's link); the callback `{"webFormId","status"}` arrives (its sandbox-only debug
signature verified independently) and the session's dashboard page shows it."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from mockprovider.providers.finapi.settings import CLIENT_ID, CLIENT_SECRET, SIGNATURE_HEADER
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
DEBUG_SECRET = "finapi-browser-debug"


@dataclass(frozen=True)
class Button:
    label: str  # the visible text a tester clicks
    status: str  # the web form's final status, in the callback
    lands: str  # the receiver path the browser ends on
    via_link: bool = False  # an error page first, whose link leads there


BUTTONS = {
    "success": Button("Confirm", "COMPLETED", "/return?from=finapi"),
    "user_abort": Button("Cancel", "ABORTED", "/return?from=finapi&aborted=1"),
    "capture_failure": Button(
        "Bank error", "COMPLETED_WITH_ERROR", "/return?from=finapi&error=1", via_link=True
    ),
}


def debug_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(DEBUG_SECRET.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("outcome", list(BUTTONS))
def test_each_button_in_a_real_browser(
    server: ServerProcess,
    hooks: WebhookReceiver,
    page: Page,
    screenshots: Screenshots,
    outcome: str,
) -> None:
    button = BUTTONS[outcome]
    settings = {
        "callback_url_check": "dev",
        "debug_signature": True,
        "debug_signature_secret": DEBUG_SECRET,
    }
    server.control("PUT", "/providers/finapi/settings", settings)
    callback = f"{hooks.base_url}/hooks/finapi?state=42"
    with server.client() as http:
        grant = {
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": "qa-user-1",
            "password": "qa-pass-1",
        }
        token = http.post("/finapi/api/v2/oauth/token", data=grant)
        assert token.status_code == 200, token.text
        made = http.post(
            "/finapi/api/webForms/bankConnectionImport",
            json={"bank": {"id": 280001}, "callbacks": {"finalised": callback}},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert made.status_code == 201, made.text
    form = made.json()
    browser_urls = {
        "redirectUrl": f"{hooks.return_url}?from=finapi",
        "abortRedirectUrl": f"{hooks.return_url}?from=finapi&aborted=1",
        "errorRedirectUrl": f"{hooks.return_url}?from=finapi&error=1",
    }

    with screenshots(page):
        page.goto(f"{form['url']}?{urlencode(browser_urls)}")
        expect(page.locator(".sandbox-banner")).to_contain_text("SANDBOX")
        page.get_by_label("Online banking user").fill("demo")
        page.get_by_label("PIN").fill("demo")
        page.get_by_label("TAN").fill("123456")

        click_outcome(page, button.label)

        expected = f"{hooks.base_url}{button.lands}"
        if button.via_link:
            link = page.locator("#return-link")
            expect(link).to_have_attribute("href", expected)
            link.click()
        land_on(page, expected)
        assert hooks.visits()[-1] == button.lands

        [hook] = hooks.wait_for(1)
        assert hook.path == "/hooks/finapi?state=42"
        assert hook.body == (
            b'{"webFormId":"'
            + form["id"].encode()
            + b'","status":"'
            + button.status.encode()
            + b'"}'
        )
        assert hook.header(SIGNATURE_HEADER) == debug_signature(hook.body)

        check_dashboard(page, server, form["id"], outcome, ["webForm.finalised"], callback)
