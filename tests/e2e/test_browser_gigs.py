"""A real browser through Gigs Connect: the integrator creates a Connect Session over the API,
the browser opens its one-off url, presses an outcome's button by its label and lands on the
exact callback URL; the Svix-signed webhooks arrive and verify with the PyPI
`standardwebhooks` package; the session's dashboard page shows them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from mockprovider.providers.gigs.settings import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET
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
from tests.providers.gigs_helpers import PLAN, svix_verify

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page", "screenshots"]  # fixtures, used by name
CREATED = "com.gigs.connectSession.created"


@dataclass(frozen=True)
class Button:
    label: str  # the visible text a tester clicks
    status: str  # `status` on the callback URL
    events: tuple[str, ...]  # the webhooks of the session, in any order


BUTTONS = {
    "success": Button(
        "Complete",
        "success",
        (CREATED, "com.gigs.subscription.created", "com.gigs.subscription.activated"),
    ),
    "user_abort": Button("Cancel", "user_aborted", (CREATED,)),
    "bad_config": Button("Bad configuration", "bad_configuration", (CREATED,)),
    "expiry": Button("Expire now", "auth_expired", (CREATED,)),
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
    server.control("PUT", "/providers/gigs/settings", {"webhook_url": hooks.hook_url})
    callback = f"{hooks.return_url}?customer=42"
    with server.client() as http:
        created = http.post(
            "/gigs/projects/gigs/connectSessions",
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            json={
                "intent": {
                    "type": "checkoutNewSubscription",
                    "checkoutNewSubscription": {"plan": PLAN},
                },
                "callbackUrl": callback,
                "userDetails": {"email": "maya@example.com"},
            },
        )
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]

    with screenshots(page):
        page.goto(created.json()["url"])
        assert page.url.startswith(f"{server.base_url}/gigs/"), page.url
        expect(page.locator(".sandbox-banner")).to_contain_text("SANDBOX")
        expect(page.get_by_role("heading", name="Check out your new plan")).to_be_visible()

        click_outcome(page, button.label)

        expected = f"{callback}&session_id={session_id}&status={button.status}"
        land_on(page, expected)
        assert hooks.visits()[-1] == expected.removeprefix(hooks.base_url)

        received = hooks.wait_for(len(button.events))
        now = server.now()
        types = []
        for hook in received:
            headers = {k.lower(): v for k, v in hook.headers}
            types.append(svix_verify(headers, hook.body, now, SANDBOX_WEBHOOK_SECRET)["type"])
        assert sorted(types) == sorted(button.events)

        check_dashboard(page, server, session_id, outcome, list(button.events), hooks.hook_url)
