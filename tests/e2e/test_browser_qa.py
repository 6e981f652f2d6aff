"""What a tester sees, in real headless Chromium at a laptop's and a phone's size: every
provider's hosted page, its end pages and every dashboard view fit the viewport (no sideways
scrolling, no label wider than its button), log no console error and no failed request (the
favicon included); an inline problem is announced and in view; the dashboard's live region
shows what changed right after the page was rendered; the closed-tab page advances the clock.

Sessions are created the way `mockprovider trigger` creates them: through each provider's own
API with the sandbox credentials (the registry's starters), so no provider is named here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, expect

from mockprovider.app.registry import trigger_starters
from tests.e2e.browser import TIMEOUT_MS, browser
from tests.e2e.servers import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser"]  # fixtures, used by name

SIZES = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PROVIDERS = list(trigger_starters())
#: Elements wider than their own box: a label or token that does not fit.
OVERFLOWING = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth)
    out.push("page " + document.documentElement.scrollWidth + " > " + window.innerWidth);
  for (const el of document.querySelectorAll("button, h1, h2, p, label, summary, li")) {
    if (el.closest(".table-wrap, pre")) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      out.push(el.tagName + " " + JSON.stringify(el.textContent.trim().slice(0, 60)));
  }
  return out;
}"""


@dataclass
class Watched:
    """A page with everything that went wrong on it recorded."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def check(self, where: str) -> None:
        """The current page fits the viewport and nothing failed so far."""
        self.page.wait_for_load_state("load")
        overflowing = self.page.evaluate(OVERFLOWING)
        assert not overflowing, f"{where} at {self.page.url}: overflows {overflowing}"
        assert not self.problems, f"{where}: {self.problems}"


def watch(page: Page) -> Watched:
    watched = Watched(page)

    def console(message: ConsoleMessage) -> None:
        # A page's own status (an ended session's 410, the dashboard's 404) is logged by
        # Chromium as "Failed to load resource"; it is the page, not a failure on it.
        document = message.location.get("url") == page.url and "Failed to load" in message.text
        if message.type == "error" and not document:
            watched.problems.append(f"console error: {message.text} ({page.url})")

    def failed(request: Request) -> None:
        watched.problems.append(f"failed request: {request.url} ({request.failure})")

    def answered(response: Response) -> None:
        # 303s are the flow; an end page answering 4xx on purpose still loads (status kept).
        if response.status >= 500 or (response.status == 404 and "favicon" in response.url):
            watched.problems.append(f"{response.status} for {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
    page.on("requestfailed", failed)
    page.on("response", answered)
    return watched


@pytest.fixture(scope="module")
def qa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("qa")
    server = ServerProcess(workdir, store="memory")
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=list(SIZES))
def tester(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport=SIZES[request.param])  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield watch(context.new_page())
    finally:
        context.close()


def start(server: ServerProcess, provider: str) -> dict[str, Any]:
    """A new session of `provider`, created through its own API; its control-API view."""
    settings = server.control("GET", f"/providers/{provider}/settings")

    async def create() -> str:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            return await trigger_starters()[provider](http, settings)

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        session_id = pool.submit(asyncio.run, create()).result(timeout=30)
    session: dict[str, Any] = server.control("GET", f"/sessions/{session_id}")
    return session


def closed_tab_button(page: Page) -> Any:
    return page.locator("button[name=outcome][value=closed_tab]")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_hosted_and_end_pages_fit_and_log_no_error(
    qa_server: ServerProcess, tester: Watched, provider: str
) -> None:
    page = tester.page
    session = start(qa_server, provider)
    page.goto(session["hosted_url"])
    tester.check("hosted page")
    for bank in page.locator("button[data-do=bank]").all()[:1]:  # a funnel: into its bank
        bank.click()
        tester.check("bank step")
    closed_tab_button(page).click()
    expect(page.get_by_role("heading", name="You closed the tab")).to_be_visible()
    tester.check("closed-tab page")

    page.get_by_role("button", name="Advance the clock to this session's expiry").click()

    page.wait_for_url(f"**/_sandbox/ui/sessions/{session['id']}")
    expect(page.locator("#session-h + p")).to_contain_text("expired")
    tester.check("timeline after the expiry")
    page.goto(session["hosted_url"])
    tester.check("the page of an ended session")


@pytest.mark.parametrize(
    "path", ["/_sandbox/", "/_sandbox/ui/providers", "/_sandbox/ui/nope", "/_sandbox/ui/sessions/x"]
)
def test_dashboard_views_fit_and_log_no_error(
    qa_server: ServerProcess, tester: Watched, path: str
) -> None:
    for provider in PROVIDERS:  # a full table, with every provider's long statuses and ids
        session = start(qa_server, provider)
        qa_server.control("POST", f"/sessions/{session['id']}/outcome", {"outcome": "success"})

    tester.page.goto(qa_server.base_url + path)  # the last two: the dashboard's 404 pages

    tester.check(path)


def test_every_timeline_fits(qa_server: ServerProcess, tester: Watched) -> None:
    for provider in PROVIDERS:
        session = start(qa_server, provider)
        qa_server.control("POST", f"/sessions/{session['id']}/outcome", {"outcome": "success"})
        tester.page.goto(f"{qa_server.base_url}/_sandbox/ui/sessions/{session['id']}")
        tester.check(f"{provider} timeline")


#: How each provider's page shows an inline problem: the fields typed, the button pressed.
PROBLEMS = {
    "topiic": ({"#card_number": "4242 4242 4242 4241"}, "success", "not valid"),
    "gigs": ({}, "capture_failure", ""),
    "yapily": ({"#username": "someone", "#password": "wrong"}, "success", "Incorrect"),
    "finapi": ({"#tan": "000000"}, "success", "Wrong TAN"),
}


@pytest.mark.parametrize("provider", list(PROBLEMS))
def test_an_inline_problem_is_announced_focused_and_in_view(
    qa_server: ServerProcess, tester: Watched, provider: str
) -> None:
    fields, button, text = PROBLEMS[provider]
    page = tester.page
    page.goto(start(qa_server, provider)["hosted_url"])
    for selector, value in fields.items():
        page.locator(selector).fill(value)
    page.locator(f"button[name=outcome][value={button}]").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(text)
    expect(alert).to_be_focused()
    expect(alert).to_be_in_viewport()


def test_the_first_live_update_shows_what_changed_since_the_page_was_rendered(
    qa_server: ServerProcess, tester: Watched
) -> None:
    qa_server.reset()
    page = tester.page
    page.goto(f"{qa_server.base_url}/_sandbox/")
    expect(page.get_by_text("No sessions yet")).to_be_visible()

    created = [start(qa_server, provider)["id"] for provider in PROVIDERS[:3]]

    for session_id in created:  # the first poll (2 s) must bring them, not only record them
        expect(page.get_by_text(session_id)).to_be_visible(timeout=5_000)
    tester.check("live dashboard")


@dataclass(frozen=True)
class Finished:
    session_id: str
    delivery: dict[str, Any]


def finished_flow(server: ServerProcess, provider: str, webhook_url: str) -> Finished:
    """A `provider` session completed with success whose first webhook was attempted."""
    server.control("PUT", f"/providers/{provider}/settings", {"webhook_url": webhook_url})
    session_id = start(server, provider)["id"]
    server.control("POST", f"/sessions/{session_id}/outcome", {"outcome": "success"})
    delivery = server.wait_for_delivery(session_id, lambda d: bool(d["attempts"]))
    return Finished(session_id, delivery)


@pytest.fixture
def two_flows(qa_server: ServerProcess) -> tuple[Finished, Finished]:
    """A Topiic flow whose webhook was delivered (to the sandbox's inbox) and a Gigs flow whose
    webhooks fail (nothing listens on port 9)."""
    qa_server.reset()
    good = finished_flow(qa_server, "topiic", f"{qa_server.base_url}/_sandbox/inbox")
    bad = finished_flow(qa_server, "gigs", "http://127.0.0.1:9/hooks")
    return good, bad


def test_deliveries_show_what_a_tester_checks_and_filter(
    qa_server: ServerProcess, tester: Watched, two_flows: tuple[Finished, Finished]
) -> None:
    good, bad = two_flows
    page = tester.page
    page.goto(f"{qa_server.base_url}/_sandbox/")
    table = page.locator("section[aria-labelledby=hooks-h] table")
    headers = table.locator("thead th").all_inner_texts()
    assert headers[:6] == ["Time", "Provider", "Event", "Status", "Attempts", "Last response"]
    row = table.locator("tbody tr").filter(
        has=page.locator(f"a[href$='/_sandbox/ui/sessions/{good.session_id}']")
    )
    expect(row).to_contain_text("topiic")
    expect(row).to_contain_text("checkout.completed")
    expect(row).to_contain_text("delivered")
    expect(row).to_contain_text("HTTP 200")
    expect(row.locator("time")).to_have_text(good.delivery["attempts"][-1]["at"])
    tester.check("deliveries")

    page.locator("#f-hook-status").select_option("delivered")
    page.get_by_role("button", name="Filter deliveries").click()

    rows = table.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("checkout.completed")
    page.locator("#f-hook-status").select_option("")
    page.locator("#f-event").select_option(bad.delivery["event_type"])
    page.get_by_role("button", name="Filter deliveries").click()
    expect(rows.first).to_contain_text(bad.delivery["event_type"])
    assert all(bad.delivery["event_type"] in text for text in rows.all_inner_texts())

    rows.first.get_by_role("link").click()

    page.wait_for_url(f"**/_sandbox/ui/sessions/{bad.session_id}")
    tester.check("the session from its delivery")


def test_a_timeline_is_one_ordered_list_with_every_attempt(
    qa_server: ServerProcess, tester: Watched, two_flows: tuple[Finished, Finished]
) -> None:
    _, bad = two_flows
    page = tester.page
    page.goto(f"{qa_server.base_url}/_sandbox/ui/sessions/{bad.session_id}")
    qa_server.wait_for_delivery(
        bad.session_id,
        lambda d: d["event_type"] != bad.delivery["event_type"] and bool(d["attempts"]),
    )
    page.goto(f"{qa_server.base_url}/_sandbox/ui/sessions/{bad.session_id}")
    steps = page.get_by_role("list", name="Timeline").locator("li")
    titles = [s.locator("strong").inner_text() for s in steps.all()]
    assert titles, "no timeline"
    event = bad.delivery["event_type"]
    assert titles.index("created") < titles.index("finished") < titles.index("redirect")
    assert titles.index("finished") < titles.index("webhook queued")  # what the outcome queued
    for delivery in qa_server.webhooks(bad.session_id):  # every attempt, after its queueing
        for attempt in delivery["attempts"]:
            title = f"webhook {delivery['event_type']} attempt {attempt['number']}"
            assert title in titles, (title, titles)
    times = [s.locator("time").inner_text() for s in steps.all()]
    assert times == sorted(times)
    attempt = steps.filter(has_text=f"webhook {event} attempt 1")
    expect(attempt).to_contain_text(str(bad.delivery["attempts"][0]["error"]))
    expect(attempt).to_contain_text(f"in {bad.delivery['attempts'][0]['duration_ms']} ms")
    tester.check("timeline")


def test_bodies_are_pretty_with_the_exact_signed_bytes_and_copy_buttons(
    qa_server: ServerProcess, browser: Browser, two_flows: tuple[Finished, Finished]
) -> None:
    good, _ = two_flows
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tester = watch(context.new_page())
        page = tester.page
        page.goto(f"{qa_server.base_url}/_sandbox/ui/sessions/{good.session_id}")
        hook = page.locator("section[aria-labelledby=hooks-h] > details").first
        exact = hook.get_by_label("Body, exact bytes")
        expect(exact).to_be_hidden()
        expected = json.dumps(json.loads(good.delivery["body"]), indent=2, ensure_ascii=False)
        assert hook.get_by_label("Body, pretty-printed").inner_text() == expected

        hook.get_by_text("Exact bytes that were signed").click()

        expect(exact).to_be_visible()
        assert exact.inner_text() == good.delivery["body"]
        hook.get_by_role("button", name="Copy body").click()
        expect(hook.get_by_role("button", name="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == good.delivery["body"]
        hook.get_by_role("button", name="Copy headers").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        for name, value in good.delivery["headers"].items():  # the signature header among them
            assert f"{name}: {value}" in copied
        tester.check("bodies")
    finally:
        context.close()
