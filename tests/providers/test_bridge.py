"""Bridge Connect outcomes (spec §1.4, §1.5, outcome table): by the funnel's own buttons and by
the control API, exact callback URLs and exact webhooks, status page, expiry."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.bridge_helpers import (
    BASE,
    CALLBACK,
    Connect,
    choose,
    connect,
    current_step,
    delivered,
    put_settings,
    step,
    user_headers,
    walk,
)
from tests.support import T0, Receiver, parse_form

TS = int(T0 * 1000)  # events are stamped when they happen (clock frozen at T0)
AUTH_EXPIRES = "2026-07-25T23:43:20.000Z"  # T0 + 180 days [DOC B5]


def created(flow: Connect, item: int) -> dict[str, Any]:
    return {
        "content": {"item_id": item, "user_uuid": flow.user_uuid},
        "timestamp": TS,
        "type": "item.created",
    }


def refreshed(flow: Connect, item: int, status: int, info: str) -> dict[str, Any]:
    content: dict[str, Any] = {
        "account_types": "payment",
        "full_refresh": True,
        "refresh_trigger": "connect",
        "item_id": item,
        "status_code": status,
        "status_code_info": info,
    }
    if status == 0:
        content["authentication_expires_at"] = AUTH_EXPIRES
    content["user_uuid"] = flow.user_uuid
    return {"content": content, "timestamp": TS, "type": "item.refreshed"}


def success_events(
    flow: Connect, item: int, accounts: list[tuple[int, float, int]]
) -> list[dict[str, Any]]:
    """The success sequence for `accounts` as the API reads them: (id, balance, number of
    transactions), each announced by `item.account.created` and `.updated`."""
    created_events = [
        {
            "content": {
                "account_id": account,
                "balance": balance,
                "item_id": item,
                "user_uuid": flow.user_uuid,
            },
            "timestamp": TS,
            "type": "item.account.created",
        }
        for account, balance, _ in accounts
    ]
    updated_events = [
        {
            "content": {
                "account_id": account,
                "balance": balance,
                "item_id": item,
                "nb_deleted_transactions": 0,
                "nb_new_transactions": count,
                "nb_updated_transactions": 0,
                "user_uuid": flow.user_uuid,
            },
            "timestamp": TS,
            "type": "item.account.updated",
        }
        for account, balance, count in accounts
    ]
    return [
        created(flow, item),
        *created_events,
        refreshed(flow, item, 0, "ok"),
        *updated_events,
    ]


async def read_accounts(client: httpx.AsyncClient, flow: Connect) -> list[tuple[int, float, int]]:
    """(id, balance, transactions) of each account, from the accounts and transactions API."""
    headers = user_headers(flow.token)
    accounts = (await client.get(f"{BASE}/accounts", headers=headers)).json()["resources"]
    found = []
    for account in accounts:
        query = {"account_id": account["id"], "limit": 500}
        txs = await client.get(f"{BASE}/transactions", params=query, headers=headers)
        assert txs.json()["pagination"]["next_uri"] is None
        found.append((account["id"], account["balance"], len(txs.json()["resources"])))
    return found


async def _item_from_api(client: httpx.AsyncClient, flow: Connect) -> int:
    items = (await client.get(f"{BASE}/items", headers=user_headers(flow.token))).json()
    return int(items["resources"][0]["id"])


async def item_status(client: httpx.AsyncClient, flow: Connect) -> tuple[int, str]:
    items = (await client.get(f"{BASE}/items", headers=user_headers(flow.token))).json()
    [item] = items["resources"]
    return item["status"], item["status_code_info"]


def full(flow: Connect, item: int | None, success: bool, step_name: str = "", ctx: str = "") -> str:
    params = [f"item_id={item}"] if item else []
    params.append(f"user_uuid={flow.user_uuid}")
    params.append(f"success={'true' if success else 'false'}")
    if not success:
        params.append(f"step={step_name}")
    params.append("source=connect")
    if ctx:
        params.append(f"context={ctx}")
    return CALLBACK + "&" + "&".join(params)


async def finish_by(client: httpx.AsyncClient, flow: Connect, path: str, login: str) -> str | None:
    """End with success or a sync failure through the funnel, or the same through the API."""
    failing = login != "success"
    if path == "funnel":
        await walk(client, flow.url, login)
        answer = await step(client, flow.url, do="back" if failing else "finish")
        assert answer.status_code in (200, 303), answer.text
        location: str | None = answer.headers.get("location")
        return location
    name = f"demo-{login}" if failing else "success"
    answer = await choose(client, flow.session_id, name)
    assert answer.status_code == 200, answer.text
    redirect: str | None = answer.json()["redirect_url"]
    return redirect


@pytest.mark.parametrize("path", ["funnel", "api"])
async def test_success_redirect_webhooks_and_item(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    path: str,
) -> None:
    flow = await connect(client, context="order-42")
    location = await finish_by(client, flow, path, "success")
    item = await _item_from_api(client, flow)
    assert location == full(flow, item, True, ctx="order-42")
    accounts = await read_accounts(client, flow)
    assert [a[0] for a in accounts] == [item * 100 + 1, item * 100 + 2, item * 100 + 3]
    assert await delivered(clock, dispatcher, receiver) == success_events(flow, item, accounts)
    assert await item_status(client, flow) == (0, "ok")


@pytest.mark.parametrize("path", ["funnel", "api"])
@pytest.mark.parametrize(
    ("login", "status", "info"),
    [
        ("429", 429, "NEEDS_HUMAN_ACTION"),
        ("1003", 1003, "COULD_NOT_REFRESH"),
        ("1010", 1010, "NEEDS_MANUAL_REFRESH"),
    ],
)
async def test_sync_failure_sends_user_uuid_only(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    path: str,
    login: str,
    status: int,
    info: str,
) -> None:
    flow = await connect(client, context="c-1")
    location = await finish_by(client, flow, path, login)
    assert location == f"{CALLBACK}&user_uuid={flow.user_uuid}"
    item = await _item_from_api(client, flow)
    assert await delivered(clock, dispatcher, receiver) == [
        created(flow, item),
        refreshed(flow, item, status, info),
    ]
    assert await item_status(client, flow) == (status, info)


async def test_closed_account_login_and_full_params_on_sync_failure(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await put_settings(client, full_params_on_exit=True)
    flow = await connect(client)
    await walk(client, flow.url, "1005_CLOSED_ACCOUNT")
    assert await current_step(client, flow.url) == "sync_error"
    answer = await step(client, flow.url, do="back")
    item = await _item_from_api(client, flow)
    assert answer.headers["location"] == full(flow, item, False, "sync_error")
    bodies = await delivered(clock, dispatcher, receiver)
    assert bodies[-1] == refreshed(flow, item, 1005, "CLOSED_ACCOUNT")


async def test_wrong_credentials_stay_on_the_form_and_can_retry(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow = await connect(client)
    await step(client, flow.url, do="bank", bank="574")
    await step(client, flow.url, do="credentials", login="402", password="x")
    page = await client.get(flow.url)
    assert "Wrong credentials" in page.text
    assert await current_step(client, flow.url) == "bank_creds_form"
    item = await _item_from_api(client, flow)
    assert await item_status(client, flow) == (402, "LOGIN_FAILED")
    quit_ = await step(client, flow.url, do="quit")
    assert quit_.headers["location"] == full(flow, item, False, "bank_creds_form")
    assert await delivered(clock, dispatcher, receiver) == [
        created(flow, item),
        refreshed(flow, item, 402, "LOGIN_FAILED"),
    ]


async def test_otp_fail_refuses_the_first_code_then_succeeds(client: httpx.AsyncClient) -> None:
    flow = await connect(client)
    await step(client, flow.url, do="bank", bank="574")
    await step(client, flow.url, do="credentials", login="otp_fail", password="x")
    await step(client, flow.url, do="otp", otp="1")
    assert "Wrong code" in (await client.get(flow.url)).text
    assert await current_step(client, flow.url) == "otp_form"
    await step(client, flow.url, do="otp", otp="2")
    assert await current_step(client, flow.url) == "sync_in_progress"


@pytest.mark.parametrize(
    ("moves", "step_name"),
    [([], "highlighted_banks"), ([{"do": "bank", "bank": "574"}], "bank_creds_form")],
)
async def test_quit_before_credentials_has_no_item_and_no_webhook(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    moves: list[dict[str, str]],
    step_name: str,
) -> None:
    flow = await connect(client, context="x-9")
    for move in moves:
        await step(client, flow.url, **move)
    answer = await step(client, flow.url, do="quit")
    assert answer.headers["location"] == full(flow, None, False, step_name, "x-9")
    assert await delivered(clock, dispatcher, receiver) == []
    items = await client.get(f"{BASE}/items", headers=user_headers(flow.token))
    assert items.json()["resources"] == []


@pytest.mark.parametrize("path", ["funnel", "api"])
async def test_quit_at_otp_sends_1010(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    path: str,
) -> None:
    flow = await connect(client)
    if path == "funnel":
        await step(client, flow.url, do="bank", bank="574")
        await step(client, flow.url, do="credentials", login="otp", password="x")
        location = (await step(client, flow.url, do="quit")).headers["location"]
    else:
        location = (await choose(client, flow.session_id, "otp-abandoned")).json()["redirect_url"]
    item = await _item_from_api(client, flow)
    assert location == full(flow, item, False, "otp_form")
    assert await delivered(clock, dispatcher, receiver) == [
        created(flow, item),
        refreshed(flow, item, 1010, "NEEDS_MANUAL_REFRESH"),
    ]
    assert await item_status(client, flow) == (1010, "NEEDS_MANUAL_REFRESH")


async def test_documented_sync_pending_example(client: httpx.AsyncClient) -> None:
    flow = await connect(client)
    location = (await choose(client, flow.session_id, "quit-sync-pending")).json()["redirect_url"]
    item = await _item_from_api(client, flow)
    assert location == full(flow, item, False, "sync_pending")


@pytest.mark.parametrize("setting", [False, True])
async def test_exit_link_sends_user_uuid_only_unless_full_params(
    client: httpx.AsyncClient, setting: bool
) -> None:
    await put_settings(client, full_params_on_exit=setting)
    flow = await connect(client, context="c-2")
    await step(client, flow.url, do="bank", bank="574")
    assert 'action="' + flow.url + '/exit"' in (await client.get(flow.url)).text
    answer = await client.post(flow.url + "/exit")
    assert answer.status_code == 303
    expected = full(flow, None, False, "bank_creds_form", "c-2") if setting else None
    assert answer.headers["location"] == (expected or f"{CALLBACK}&user_uuid={flow.user_uuid}")


async def test_outcome_panel_on_the_funnel_page(client: httpx.AsyncClient) -> None:
    flow = await connect(client)
    page = await client.get(flow.url)
    form = parse_form(page.text)
    for name in (
        "success",
        "user_abort",
        "capture_failure",
        "expiry",
        "closed_tab",
        "exit-link",
        "demo-402",
        "demo-1005-closed-account",
    ):
        assert name in form.buttons
    for do in ("bank", "quit"):
        assert f'data-do="{do}"' in page.text
    answer = await client.post(form.action, data={"t": form.token, "outcome": "success"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(CALLBACK + "&item_id=")
    again = await client.get(flow.url)
    assert "Nothing more can be chosen" in again.text


async def test_no_callback_url_ends_on_the_status_page(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow = await connect(client, callback_url=None)
    await walk(client, flow.url, "success")
    answer = await step(client, flow.url, do="finish")
    assert answer.status_code == 200
    assert "location" not in answer.headers
    assert "You can close this window." in answer.text
    sent = [e["type"] for e in await delivered(clock, dispatcher, receiver)]
    assert sent == [
        "item.created",
        *["item.account.created"] * 3,  # the Demo Bank's three accounts
        "item.refreshed",
        *["item.account.updated"] * 3,
    ]


async def test_expiry_shows_an_error_page_and_sends_nothing(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow = await connect(client)
    await client.get(flow.url)
    clock.advance(1799)
    assert (await client.get(flow.url)).status_code == 200
    clock.advance(1)
    page = await client.get(flow.url)
    assert page.status_code == 410
    assert "Session expired" in page.text
    assert "location" not in page.headers
    view = (await client.get(f"/_sandbox/sessions/{flow.session_id}")).json()
    assert (view["status"], view["redirect_url"]) == ("expired", None)
    assert await delivered(clock, dispatcher, receiver) == []
    assert (await client.post(flow.url, data={"do": "quit"})).status_code == 410


async def test_expiry_by_the_api_and_by_the_sweep(client: httpx.AsyncClient) -> None:
    flow = await connect(client)
    answer = (await choose(client, flow.session_id, "expiry")).json()
    assert answer["redirect_url"] is None
    other = await connect(client)
    await client.post("/_sandbox/clock/advance", json={"seconds": 1800})
    assert (await client.get(f"/_sandbox/sessions/{other.session_id}")).json()[
        "status"
    ] == "expired"
    assert (await client.get(other.url)).status_code == 410


@pytest.mark.parametrize(("login", "expected"), [(None, []), ("otp", [1010]), ("success", [0])])
async def test_closed_tab_sends_what_already_happened(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    dispatcher: Dispatcher,
    receiver: Receiver,
    login: str | None,
    expected: list[int],
) -> None:
    flow = await connect(client)
    if login:
        await step(client, flow.url, do="bank", bank="574")
        await step(client, flow.url, do="credentials", login=login, password="x")
    answer = (await choose(client, flow.session_id, "closed_tab")).json()
    assert answer["redirect_url"] is None
    bodies = await delivered(clock, dispatcher, receiver)
    statuses = [b["content"]["status_code"] for b in bodies if b["type"] == "item.refreshed"]
    assert statuses == expected
    assert [b["type"] for b in bodies][:1] == (["item.created"] if login else [])


async def test_context_and_existing_query_are_kept_exactly(client: httpx.AsyncClient) -> None:
    await put_settings(client, redirect_domains=["app.example"])
    flow = await connect(
        client, callback_url="https://app.example/r?a=1&b=x%20y#frag", context="Z-0"
    )
    location = (await choose(client, flow.session_id, "success")).json()["redirect_url"]
    item = await _item_from_api(client, flow)
    assert location == (
        f"https://app.example/r?a=1&b=x%20y&item_id={item}&user_uuid={flow.user_uuid}"
        "&success=true&source=connect&context=Z-0#frag"
    )
