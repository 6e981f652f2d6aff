"""finAPI `DELETE /api/webForms/{id}` (spec §2.3, OpenAPI 2.430.0): 200 without a body, then
the form is gone everywhere: 404 `NOT_FOUND` for the API, the "not found" page for its link,
also when the page was already open, and no callback ever."""

from __future__ import annotations

import httpx

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.finapi_helpers import (
    API,
    BROWSER,
    advance,
    bearer,
    callbacks,
    new_form,
    page_url,
    press,
    user_token,
)
from tests.support import Receiver

WF = "finapi-webform2.yaml"
NOW = "2026-01-26T23:43:20.000+0000"


async def delete(client: httpx.AsyncClient, token: str, form_id: str) -> httpx.Response:
    headers = bearer(token) | {"X-Request-Id": "del-1"}
    return await client.delete(f"{API}/webForms/{form_id}", headers=headers)


async def test_delete_answers_200_without_a_body_then_404(client: httpx.AsyncClient) -> None:
    doc = provider_document(WF)
    token, form = await new_form(client)
    deleted = await delete(client, token, form["id"])
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert deleted.headers["x-request-id"] == "del-1"
    for method in ("get", "delete"):
        again = await client.request(method, f"{API}/webForms/{form['id']}", headers=bearer(token))
        assert again.status_code == 404
        assert again.json() == {
            "code": "NOT_FOUND",
            "description": f"Web form {form['id']} not found.",
            "timestamp": NOW,
            "endpoint": f"{method.upper()} /api/webForms/{form['id']}",
        }
        assert_matches(doc, "/api/webForms/{id}", method, 404, again.json())
    listed = await client.get(f"{API}/webForms", headers=bearer(token))
    assert listed.json()["items"] == []


async def test_only_the_owner_deletes(client: httpx.AsyncClient) -> None:
    doc = provider_document(WF)
    token, form = await new_form(client)
    other = await delete(client, await user_token(client, "qa-user-2"), form["id"])
    assert other.status_code == 404
    assert_matches(doc, "/api/webForms/{id}", "delete", 404, other.json())
    anonymous = await client.delete(f"{API}/webForms/{form['id']}")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHORIZED")
    assert_matches(doc, "/api/webForms/{id}", "delete", 401, anonymous.json())
    kept = await client.get(f"{API}/webForms/{form['id']}", headers=bearer(token))
    assert kept.status_code == 200


async def test_the_link_of_a_deleted_form_shows_not_found(client: httpx.AsyncClient) -> None:
    token, form = await new_form(client)
    await delete(client, token, form["id"])
    page = await client.get(page_url(form, BROWSER))
    assert page.status_code == 404
    assert "Web form not found" in page.text


async def test_a_page_open_when_its_form_is_deleted_ends_without_a_callback(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    token, form = await new_form(client)
    page = await client.get(page_url(form, BROWSER))
    assert page.status_code == 200
    await delete(client, token, form["id"])
    confirmed = await press(client, page, "success")  # no redirect to redirectUrl
    assert confirmed.status_code == 404
    assert "Web form not found" in confirmed.text
    assert "location" not in confirmed.headers
    assert await callbacks(dispatcher, receiver) == []
    await advance(client, 20 * 60)  # nor the EXPIRED callback at expiresAt
    assert await callbacks(dispatcher, receiver) == []
    gone = await client.get(f"{API}/webForms/{form['id']}", headers=bearer(token))
    assert gone.status_code == 404


async def test_the_control_api_cannot_complete_a_deleted_form(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    token, form = await new_form(client)
    await delete(client, token, form["id"])
    picked = await client.post(
        f"/_sandbox/sessions/{form['id']}/outcome", json={"outcome": "success"}
    )
    assert picked.status_code == 200, picked.text
    assert picked.json()["redirect_url"] is None
    assert picked.json()["session"]["provider_status"] == "deleted"
    assert await callbacks(dispatcher, receiver) == []
