"""A real browser (Debian's Chromium, driven by Playwright) through the Topiic hosted checkout:
open the link, press each outcome's button by its label, land on the integrator's return page
(or the closed-tab page), and the webhook arrives.

Without /usr/bin/chromium the module is skipped, except under CI (`CI` set), where it fails:
CI must install it (`.ci/run` does).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.servers import ServerProcess, WebhookReceiver, link_for, verify_topiic_signature

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]
#: Playwright's own waits (clicks, navigations, expect): generous, they return as soon as done.
TIMEOUT_MS = 10_000


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

Screenshots = Callable[[Page], AbstractContextManager[None]]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must install it; .ci/run does)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Screenshots:
    """`with screenshots(page): …` turns a failed check or a timeout inside the block into an
    AssertionError naming a full-page screenshot saved under the test's `tmp_path`."""

    @contextlib.contextmanager
    def on_failure(page: Page) -> Iterator[None]:
        try:
            yield
        except (AssertionError, TimeoutError, PlaywrightTimeoutError) as exc:
            shot = tmp_path / "failure.png"
            try:
                page.screenshot(path=shot, full_page=True)
                saved = f"screenshot: {shot}"
            except PlaywrightError as error:
                saved = f"no screenshot ({error})"
            raise AssertionError(f"{exc}\n{saved}\nbrowser at: {page.url}") from exc

    return on_failure


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
