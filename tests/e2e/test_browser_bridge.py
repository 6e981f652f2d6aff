"""A real browser through Bridge Connect: the integrator creates a user, a token and a Connect
session over the API; the browser picks Demo Bank in the bank list, logs in, presses an
outcome's button by its label and lands on the exact callback URL; the `BridgeApi-Signature`d
webhooks arrive and verify independently; the session's dashboard page shows them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from mockprovider.providers.bridge.settings import SANDBOX_WEBHOOK_SECRET
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
from tests.providers.bridge_helpers import APP, VERSION, verify_bridge

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page", "screenshots"]  # fixtures, used by name
API = "/bridge/v3/aggregation"


@dataclass(frozen=True)
class Button:
    label: str  # the visible text a tester clicks
    query: str  # what the callback URL adds ({item}, {user} filled in)
    events: tuple[str, ...]  # the webhooks, in order


#: A Demo Bank sync: its three accounts (checking, savings, deferred-debit card).
SYNCED = (
    "item.created",
    *["item.account.created"] * 3,
    "item.refreshed",
    *["item.account.updated"] * 3,
)
BUTTONS = {
    "success": Button(
        "Sync succeeds",
        "item_id={item}&user_uuid={user}&success=true&source=connect&context=ctx-7",
        SYNCED,
    ),
    "user_abort": Button(
        "Quit at this step",
        "item_id={item}&user_uuid={user}&success=false&step=sync_in_progress"
        "&source=connect&context=ctx-7",
        # Quitting while the sync runs leaves the item to finish syncing in the background.
        SYNCED,
    ),
    "capture_failure": Button("Sync fails", "user_uuid={user}", ("item.created", "item.refreshed")),
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
    server.control("PUT", "/providers/bridge/settings", {"webhook_url": hooks.hook_url})
    callback = f"{hooks.return_url}?shop=1"
    with server.client() as http:
        user = http.post(f"{API}/users", headers=APP, json={"external_user_id": "browser-1"})
        assert user.status_code == 201, user.text
        user_uuid = user.json()["uuid"]
        token = http.post(f"{API}/authorization/token", headers=APP, json={"user_uuid": user_uuid})
        bearer = VERSION | {"Authorization": f"Bearer {token.json()['access_token']}"}
        body = {"user_email": "e2e@example.com", "callback_url": callback, "context": "ctx-7"}
        created = http.post(f"{API}/connect-sessions", headers=bearer, json=body)
        assert created.status_code == 201, created.text
        session_id = created.json()["id"]

        with screenshots(page):
            page.goto(created.json()["url"])
            expect(page.locator(".sandbox-banner")).to_contain_text("SANDBOX")
            expect(page.get_by_role("heading", name="Choose your bank")).to_be_visible()
            page.get_by_role("button", name="Demo Bank", exact=True).click()
            expect(page.get_by_role("heading", name="Log in to Demo Bank")).to_be_visible()
            page.get_by_label("Login").fill("success")
            page.get_by_label("Password").fill("any")
            page.get_by_role("button", name="Connect", exact=True).click()
            expect(page.get_by_role("heading", name="Synchronisation in progress…")).to_be_visible()

            click_outcome(page, button.label)

            [item] = http.get(f"{API}/items", headers=bearer).json()["resources"]
            query = button.query.format(item=item["id"], user=user_uuid)
            expected = f"{callback}&{query}"
            land_on(page, expected)
            assert hooks.visits()[-1] == expected.removeprefix(hooks.base_url)

            received = hooks.wait_for(len(button.events))
            assert [r.json()["type"] for r in received] == list(button.events)
            for hook in received:
                signature = hook.header("BridgeApi-Signature")
                assert verify_bridge(hook.body, signature, [SANDBOX_WEBHOOK_SECRET]), signature
                assert hook.json()["content"]["user_uuid"] == user_uuid

            events = list(dict.fromkeys(button.events))
            check_dashboard(page, server, session_id, outcome, events, hooks.hook_url)
