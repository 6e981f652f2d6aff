"""Re-authorising a Yapily consent end to end, over real sockets against `mockprovider serve`
with a real headless Chromium on the bank page: auth request → bank (log in, Allow) → callback
→ one-time-token exchange → accounts → `PATCH /account-auth-requests` → the new bank URL (log
in, Allow) → callback → exchange → the same consent, renewed, its data still readable; then a
second re-authorisation cancelled at the bank leaves the consent as it was."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from mockprovider.providers.yapily.settings import APPLICATION_KEY, APPLICATION_SECRET
from tests.e2e.browser import Screenshots, browser, click_outcome, land_on, page, screenshots
from tests.e2e.servers import ServerProcess, WebhookReceiver
from tests.provider_openapi import assert_matches, provider_document

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "page", "screenshots"]  # fixtures, used by name
AUTH = (APPLICATION_KEY, APPLICATION_SECRET)
AUTH_REQUESTS = "/account-auth-requests"


def checked(response: httpx.Response, template: str, method: str, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert_matches(provider_document("yapily.json"), template, method, status, response.json())
    return response.json()


def bank(page: Page, url: str, button: str, status: str) -> dict[str, str]:
    """Open the bank URL (it shows the consent's `status`), log in as mits / mits, press
    `button`; the callback's query."""
    page.goto(url)
    expect(page.get_by_role("heading", name="Share your account information")).to_be_visible()
    expect(page.get_by_text("Consent status")).to_contain_text(status)
    page.get_by_label("User name").fill("mits")
    page.get_by_label("Password").fill("mits")
    click_outcome(page, button)
    page.wait_for_url(lambda landed: "/return?" in landed)
    land_on(page, page.url)
    return dict(parse_qsl(urlsplit(page.url).query, keep_blank_values=True))


def exchange(http: httpx.Client, one_time: str) -> dict[str, Any]:
    body = {"oneTimeToken": one_time}
    response = http.post("/yapily/consent-one-time-token", json=body, auth=AUTH)
    found: dict[str, Any] = checked(response, "/consent-one-time-token", "post", 201)
    return found


def read(http: httpx.Client, token: str) -> Any:
    """The accounts, and the first account's transactions, with `token`."""
    headers = {"consent": token}
    accounts = checked(http.get("/yapily/accounts", headers=headers, auth=AUTH), "/accounts", "get")
    first = accounts["data"][0]["id"]
    tx = http.get(f"/yapily/accounts/{first}/transactions", headers=headers, auth=AUTH)
    transactions = checked(tx, "/accounts/{accountId}/transactions", "get")
    return accounts["data"], transactions["data"]


def consent(http: httpx.Client, consent_id: str) -> dict[str, Any]:
    response = http.get(f"/yapily/consents/{consent_id}", auth=AUTH)
    found: dict[str, Any] = checked(response, "/consents/{consentId}", "get")["data"]
    return found


def test_re_authorise_in_a_real_browser_then_cancel_one(
    server: ServerProcess, hooks: WebhookReceiver, page: Page, screenshots: Screenshots
) -> None:
    callback = f"{hooks.return_url}?customer=42"
    body = {
        "applicationUserId": "user-42",
        "institutionId": "modelo-sandbox",
        "callback": callback,
        "oneTimeToken": True,
    }
    with server.client() as http, screenshots(page):
        created = checked(
            http.post(f"/yapily{AUTH_REQUESTS}", json=body, auth=AUTH), AUTH_REQUESTS, "post", 201
        )["data"]
        first = bank(page, created["authorisationUrl"], "Allow", "AWAITING_AUTHORIZATION")
        granted = exchange(http, first["one-time-token"])
        token = granted["consentToken"]
        data = read(http, token)
        server.advance(10 * 86400)

        patched = http.patch(f"/yapily{AUTH_REQUESTS}", headers={"consent": token}, auth=AUTH)
        again = checked(patched, AUTH_REQUESTS, "patch", 201)["data"]
        assert again["id"] == created["id"]
        assert again["status"] == "AWAITING_RE_AUTHORIZATION"
        assert again["authorisationUrl"] != created["authorisationUrl"]
        second = bank(page, again["authorisationUrl"], "Allow", "AWAITING_RE_AUTHORIZATION")
        assert set(second) == set(first)  # the same parameters as the first authorisation
        assert second["customer"] == "42"
        assert second["user-uuid"] == first["user-uuid"]
        renewed = exchange(http, second["one-time-token"])
        assert renewed["id"] == created["id"]
        assert renewed["consentToken"] == token  # [DOC]: id and token unchanged
        now = consent(http, created["id"])
        assert now["status"] == "AUTHORIZED"
        assert now["authorizedAt"] > granted["authorizedAt"]
        assert now["lastConfirmedAt"] == now["authorizedAt"]
        assert now["expiresAt"] > granted["expiresAt"]
        assert read(http, token) == data

        patched = http.patch(f"/yapily{AUTH_REQUESTS}", headers={"consent": token}, auth=AUTH)
        cancelled = checked(patched, AUTH_REQUESTS, "patch", 201)["data"]
        back = bank(page, cancelled["authorisationUrl"], "Cancel", "AWAITING_RE_AUTHORIZATION")
        assert back["error"] == "access_denied"
        assert back["error-source"] == "user"
        assert consent(http, created["id"]) == now  # as it was before the PATCH
        assert read(http, token) == data
