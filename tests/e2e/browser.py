"""What every real-browser test shares: Debian's Chromium driven by Playwright (one browser per
module, a fresh context per test), the screenshot-on-failure helper and the dashboard check.

A test module imports the fixtures it uses (`from tests.e2e.browser import browser, page,
screenshots`); pytest finds fixtures in a module's namespace.

Without /usr/bin/chromium the browser tests are skipped, except under CI (`CI` set), where they
fail: CI must install it (`.ci/run` does).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.servers import ServerProcess

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

Screenshots = Callable[[Page], AbstractContextManager[None]]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
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
    """A page in a fresh browser context (no cookies from the previous test)."""
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


def click_outcome(page: Page, label: str) -> None:
    """Press the outcome panel's button with this visible label."""
    page.get_by_role("button", name=label, exact=True).click()


def land_on(page: Page, expected: str) -> None:
    """Wait until the browser is exactly at `expected` (the receiver's return page)."""
    page.wait_for_url(lambda url: url == expected)
    expect(page.get_by_role("heading", name="Back at the shop")).to_be_visible()


def check_dashboard(
    page: Page,
    server: ServerProcess,
    session_id: str,
    outcome: str,
    event_types: list[str],
    hook_url: str | None = None,
) -> None:
    """Open the session's timeline in the browser: it shows the outcome (or scenario) and each
    webhook of `event_types` (delivered, to `hook_url`), or says there are none."""
    for event_type in event_types:  # delivered as the sandbox records it, before looking
        server.wait_for_delivery(session_id, _delivered(event_type))
    page.goto(f"{server.base_url}/_sandbox/ui/sessions/{session_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(session_id)
    expect(page.locator("#session-h + p")).to_contain_text(outcome)  # or the scenario's name
    hooks = page.locator("section[aria-labelledby=hooks-h]")
    if not event_types:
        expect(hooks).to_contain_text("No webhooks for this session.")
        return
    summaries = hooks.locator("details > summary")
    for event_type in event_types:
        summary = summaries.filter(has=page.locator("code", has_text=re.compile(f"^{event_type}$")))
        expect(summary.first).to_contain_text("delivered")
        if hook_url is not None:
            expect(summary.first).to_contain_text(hook_url)


def _delivered(event_type: str) -> Callable[[dict[str, Any]], bool]:
    def check(delivery: dict[str, Any]) -> bool:
        return bool(delivery["event_type"] == event_type and delivery["status"] == "delivered")

    return check
