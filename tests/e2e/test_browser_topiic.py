"""A real browser (Debian's Chromium, driven by Playwright) through the Topiic hosted checkout:
open the link, press each outcome's button by its label, land on the integrator's return page
(or the closed-tab page), the webhook arrives, and the session's dashboard page shows it.

Without /usr/bin/chromium the module is skipped, except under CI (`CI` set), where it fails:
CI must install it (`.ci/run` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.browser import Screenshots, browser, check_dashboard, page, screenshots
from tests.e2e.servers import ServerProcess, WebhookReceiver, link_for, verify_topiic_signature

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page", "screenshots"]  # fixtures, used by name


@dataclass(frozen=True)
class Button:
    label: str  # the visible text a tester clicks
    status: str | None  # `status` on the return URL; None: no redirect (closed tab)
    event_type: str | None


BUTTONS = {
    "success": Button("Pay", "ok", "checkout.completed"),
    "user_abort": Button("Cancel", "cancelled", "checkout.failed"),
    "capture_failure": Button("Decline card", "cancelled", "checkout.failed"),
    "provisioning-error": Button("Provisioning error", "cancelled", "checkout.failed"),
    "expiry": Button("Expire now", "cancelled", "checkout.failed"),
    "closed_tab": Button("Close tab", None, None),
}


@pytest.mark.parametrize("outcome", list(BUTTONS))
def test_each_button_in_a_real_browser(
    server: ServerProcess,
    hooks: WebhookReceiver,
    page: Page,
    screenshots: Screenshots,
    outcome: str,
) -> None:
    button = BUTTONS[outcome]
    ret = f"{hooks.return_url}?customer=42"
    with screenshots(page):
        page.goto(link_for(server, hooks, ret=ret))
        hosted = re.fullmatch(rf"{re.escape(server.topiic_base)}/s/([0-9a-f-]+)\?t=.+", page.url)
        assert hosted, f"not on the hosted page: {page.url}"
        session_id = hosted.group(1)
        expect(page.locator(".sandbox-banner")).to_contain_text("SANDBOX")

        page.get_by_role("button", name=button.label, exact=True).click()

        if button.status is None:
            expect(page.get_by_text("Nothing was sent back")).to_be_visible()
            assert page.url.startswith(server.topiic_base), page.url
            assert server.webhooks(session_id) == []
            assert server.session(session_id)["status"] == "abandoned"
            check_dashboard(page, server, session_id, outcome, [])
            return
        expected = f"{ret}&status={button.status}"
        page.wait_for_url(lambda url: url == expected)
        expect(page.locator("#status")).to_have_text(f"Checkout status: {button.status}")
        assert hooks.visits()[-1] == expected.removeprefix(hooks.base_url)

        [hook] = hooks.wait_for(1, where=lambda r: session_id.encode() in r.body)
        verify_topiic_signature(
            SANDBOX_SECRET, hook.header("Topiic-Signature"), hook.body, now=server.now()
        )
        assert hook.json()["type"] == button.event_type
        assert hook.json()["data"]["sessionId"] == session_id
        check_dashboard(page, server, session_id, outcome, [hook.json()["type"]], hooks.hook_url)
