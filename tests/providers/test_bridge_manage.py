"""Bridge's user-management page (`POST /v3/aggregation/user-management-sessions` [DOC B3]):
the user's items listed, Refresh → `item.refreshed`, Delete → `item.deleted`, and the end of
the page: back (success), quit, no callback URL, closed tab, expiry."""

from __future__ import annotations

from typing import Any

import httpx

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.bridge_helpers import (
    BASE,
    CALLBACK,
    Connect,
    choose,
    connect,
    delivered,
    step,
    user_headers,
)
from tests.support import Receiver


async def with_item(client: httpx.AsyncClient) -> tuple[Connect, int]:
    flow = await connect(client)
    await choose(client, flow.session_id, "success")
    items = await client.get(f"{BASE}/items", headers=user_headers(flow.token))
    return flow, int(items.json()["resources"][0]["id"])


async def manage(client: httpx.AsyncClient, flow: Connect, **body: Any) -> dict[str, Any]:
    payload = {"user_email": "maya@example.com", "callback_url": CALLBACK} | body
    payload = {k: v for k, v in payload.items() if v is not None}
    made = await client.post(
        f"{BASE}/user-management-sessions", headers=user_headers(flow.token), json=payload
    )
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


async def test_the_page_lists_refreshes_and_deletes_the_users_items(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow, item = await with_item(client)
    await delivered(clock, dispatcher, receiver)
    session = await manage(client, flow, context="acct-9")
    assert session["url"].startswith("http://sandbox.test/bridge/manage/session/")
    assert session["id"] not in session["url"]

    page = await client.get(session["url"])
    refreshed = await step(client, session["url"], do="refresh", item=str(item))
    deleted = await step(client, session["url"], do="delete", item=str(item))
    after = await client.get(session["url"])
    done = await step(client, session["url"], do="done")
    sent = (await delivered(clock, dispatcher, receiver))[-2:]

    assert page.status_code == 200
    assert f"Item <code>{item}</code>" in page.text
    assert (refreshed.status_code, deleted.status_code) == (303, 303)
    assert f"Item <code>{item}</code>" not in after.text
    assert [e["type"] for e in sent] == ["item.refreshed", "item.deleted"]
    assert sent[0]["content"]["status_code"] == 0
    assert sent[0]["content"]["refresh_trigger"] == "connect"
    assert sent[1]["content"] == {"item_id": item, "user_uuid": flow.user_uuid}
    assert done.headers["location"] == (
        f"{CALLBACK}&user_uuid={flow.user_uuid}&success=true&source=user_management&context=acct-9"
    )
    items = await client.get(f"{BASE}/items", headers=user_headers(flow.token))
    assert items.json()["resources"] == []


async def test_quit_closed_tab_expiry_and_no_callback(client: httpx.AsyncClient) -> None:
    flow, _ = await with_item(client)
    quit_session = await manage(client, flow)
    tab = await manage(client, flow)
    late = await manage(client, flow)
    bare = await manage(client, flow, callback_url=None)

    quit_answer = await step(client, quit_session["url"], do="quit")
    closed = await choose(client, tab["id"], "closed_tab")
    status_page = await step(client, bare["url"], do="done")
    await client.post("/_sandbox/clock/advance", json={"seconds": 1801})
    expired = await client.get(late["url"])

    assert quit_answer.headers["location"] == (
        f"{CALLBACK}&user_uuid={flow.user_uuid}&success=false&step=items_list&source=user_management"
    )
    assert closed.json()["redirect_url"] is None
    assert expired.status_code == 410
    assert status_page.status_code == 200
    assert "location" not in status_page.headers
    assert "You can close this window." in status_page.text


async def test_the_body_is_checked_like_connects(client: httpx.AsyncClient) -> None:
    flow, _ = await with_item(client)
    headers = user_headers(flow.token)

    item_field = await client.post(
        f"{BASE}/user-management-sessions",
        headers=headers,
        json={"user_email": "maya@example.com", "item_id": 1},
    )
    unsafe = await client.post(
        f"{BASE}/user-management-sessions",
        headers=headers,
        json={"user_email": "maya@example.com", "callback_url": "javascript:alert(1)"},
    )
    no_token = await client.post(
        f"{BASE}/user-management-sessions",
        headers={"Bridge-Version": "2025-01-15"},
        json={"user_email": "maya@example.com"},
    )

    assert (item_field.status_code, item_field.json()["property"]) == (400, "item_id")
    assert (unsafe.status_code, unsafe.json()["code"]) == (400, "invalid_callback_url")
    assert (no_token.status_code, no_token.json()["code"]) == (401, "invalid_token")
