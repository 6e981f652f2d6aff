"""The dashboard of a sandbox with an admin token, in real headless Chromium: the login page,
a wrong token, signing in, the dashboard working (live list, a POST form), signing out; and a
forged form on another origin changing nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from mockprovider.testing import SandboxClient
from tests.e2e.browser import Screenshots, browser, page, screenshots
from tests.e2e.servers import ServerProcess
from tests.support import topiic_link

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page", "screenshots"]  # fixtures, used by name

TOKEN = "browser-admin-token-0123456789"
COOKIE = "mockprovider_login"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKPROVIDER_")}
    server = ServerProcess(
        tmp_path_factory.mktemp("guarded"), env=env | {"MOCKPROVIDER_ADMIN_TOKEN": TOKEN}
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def control(guarded: ServerProcess) -> Iterator[SandboxClient]:
    client = SandboxClient(guarded.base_url, token=TOKEN)
    client.reset()
    yield client
    client.close()


def _sign_in(page: Page, token: str) -> None:
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def _open_checkout(url: str) -> str:
    """A Topiic session, opened like a browser would; its id."""
    link = topiic_link(base=f"{url}/topiic", ref="cust_7", exp=int(time.time()) + 1800)
    opened = httpx.get(link)
    assert opened.status_code == 303
    return str(httpx.URL(opened.headers["location"]).path.split("/")[-1])


def test_the_dashboard_asks_for_the_token_works_and_signs_out(
    guarded: ServerProcess, control: SandboxClient, page: Page, screenshots: Screenshots
) -> None:
    url = guarded.base_url
    with screenshots(page):
        first = page.goto(f"{url}/_sandbox/")
        assert first is not None
        assert first.status == 401
        expect(page.get_by_role("heading", name="Sign in to the sandbox")).to_be_visible()

        _sign_in(page, "not-the-admin-token-at-all")
        expect(page.get_by_role("alert")).to_have_text("That token is not valid here.")
        assert not [c for c in page.context.cookies() if c["name"] == COOKIE]

        _sign_in(page, TOKEN)
        page.wait_for_url(f"{url}/_sandbox/")
        expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
        [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (
            True,
            "Lax",
            "/_sandbox",
        )
        assert TOKEN not in cookie["value"]
        assert COOKIE not in page.evaluate("document.cookie")  # HttpOnly: scripts cannot read it

        session_id = _open_checkout(url)
        expect(page.get_by_text(session_id).first).to_be_visible()  # the live region, signed in
        page.get_by_label("Advance by").fill("2m")
        page.get_by_role("button", name="Advance", exact=True).click()
        expect(page.locator("nav.dash")).to_contain_text("(+120.0 s)")
        assert control.call("GET", "/clock")["offset"] == 120

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in to the sandbox")).to_be_visible()
        assert not [c for c in page.context.cookies() if c["name"] == COOKIE]
        again = page.goto(f"{url}/_sandbox/ui/providers")
        assert again is not None
        assert again.status == 401


def test_a_forged_form_on_another_origin_changes_nothing(
    guarded: ServerProcess, control: SandboxClient, page: Page, screenshots: Screenshots
) -> None:
    url = guarded.base_url
    # Same site (127.0.0.1), another origin: SameSite=Lax still sends the cookie, so the
    # Origin check is what refuses it.
    evil = "http://127.0.0.1:9/attack"
    attack = (
        f'<form method="post" action="{url}/_sandbox/ui/clock/advance">'
        '<input name="by" value="1h"></form><script>document.forms[0].submit()</script>'
    )
    with screenshots(page):
        page.goto(f"{url}/_sandbox/")
        _sign_in(page, TOKEN)
        page.wait_for_url(f"{url}/_sandbox/")
        page.route(evil, lambda route: route.fulfill(content_type="text/html", body=attack))
        with page.expect_response(f"{url}/_sandbox/ui/clock/advance") as answer:
            page.goto(evil)
        assert answer.value.status == 403
        expect(page.get_by_text("cross-site request refused")).to_be_visible()
    assert control.call("GET", "/clock")["offset"] == 0
