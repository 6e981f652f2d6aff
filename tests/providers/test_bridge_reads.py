"""Bridge v3 reads after the Connect flow: accounts and transactions (paging, filters,
`next_uri`), `transactions/updated`, item and user deletion with their webhooks, providers, and
the v3 errors (401 token, 404 another user's, 400 version). Shapes are checked against the
examples of Bridge's guides, kept here verbatim."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.bridge_helpers import (
    APP,
    BASE,
    VERSION,
    Connect,
    choose,
    connect,
    delivered,
    user_headers,
)
from tests.support import Receiver

#: docs.bridgeapi.io/docs/manage-your-accounts, the first account of its example, verbatim.
ACCOUNT_EXAMPLE = json.loads("""{
"id": 48178048,
"name": "Compte Courant 1",
"balance": 1489.54,
"accounting_balance": 1489.54,
"instant_balance": 1463.89,
"updated_at": "2024-11-20T16:10:09.429Z",
"last_refresh_status": "failed",
"type": "checking",
"currency_code": "EUR",
"item_id": 10154848,
"provider_id": 574,
"data_access": "enabled",
"pro": false,
"iban": "FR6914508000303386763591H62",
"iban_filled_manually": false
}""")
#: docs.bridgeapi.io/docs/manage-your-transactions, its v3 example as far as the page shows it.
TRANSACTION_EXAMPLE = json.loads("""{
"id": 33000191035700,
"clean_description": "CB Mad Cours Marjane M.m G",
"provider_description": "PAIEMENT PAR CARTE 09/11/2024 73.6 MAD COURS 0.09402 MARJANE M.M G",
"amount": -6.92,
"date": "2024-11-09",
"booking_date": "2024-11-09",
"transaction_date": "2024-11-09",
"value_date": "2024-11-09"
}""")


async def synced(client: httpx.AsyncClient, **body: Any) -> tuple[Connect, int]:
    flow = await connect(client, **body)
    answer = await choose(client, flow.session_id, "success")
    assert answer.status_code == 200, answer.text
    items = await client.get(f"{BASE}/items", headers=user_headers(flow.token))
    return flow, int(items.json()["resources"][0]["id"])


def same_shape(ours: dict[str, Any], documented: dict[str, Any]) -> None:
    for key, value in documented.items():
        assert key in ours, key
        if ours[key] is not None:
            assert type(ours[key]) is type(value), (key, ours[key])


async def test_accounts_have_the_documented_shape_and_agree_with_the_webhooks(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow, item = await synced(client)
    headers = user_headers(flow.token)
    events = await delivered(clock, dispatcher, receiver)

    listed = (await client.get(f"{BASE}/accounts", headers=headers)).json()
    by_item = await client.get(f"{BASE}/accounts", params={"item_id": item}, headers=headers)
    one = await client.get(f"{BASE}/accounts/{item * 100 + 2}", headers=headers)

    accounts = listed["resources"]
    assert list(accounts[0]) == list(ACCOUNT_EXAMPLE)
    same_shape(accounts[0], ACCOUNT_EXAMPLE)
    assert [a["type"] for a in accounts] == ["checking", "savings", "card"]
    assert {a["currency_code"] for a in accounts} == {"EUR"}
    assert listed["pagination"] == {"next_uri": None}
    assert by_item.json() == listed
    assert one.json() == accounts[1]
    announced = [e["content"] for e in events if e["type"] == "item.account.created"]
    assert [(c["account_id"], c["balance"]) for c in announced] == [
        (a["id"], a["balance"]) for a in accounts
    ]


async def test_transactions_page_with_limit_and_next_uri_and_match_the_counts_sent(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow, item = await synced(client)
    headers = user_headers(flow.token)
    events = await delivered(clock, dispatcher, receiver)
    first = item * 100 + 1

    seen: list[dict[str, Any]] = []
    uri: str | None = f"/v3/aggregation/transactions?account_id={first}&limit=25"
    pages = 0
    while uri is not None:
        page = (await client.get(f"/bridge{uri}", headers=headers)).json()
        assert len(page["resources"]) <= 25
        seen += page["resources"]
        uri = page["pagination"]["next_uri"]
        pages += 1

    [updated] = [
        e["content"]
        for e in events
        if e["type"] == "item.account.updated" and e["content"]["account_id"] == first
    ]
    assert len(seen) == updated["nb_new_transactions"]
    assert pages == -(-len(seen) // 25)
    assert len({t["id"] for t in seen}) == len(seen)
    assert [t["date"] for t in seen] == sorted((t["date"] for t in seen), reverse=True)
    assert {t["account_id"] for t in seen} == {first}
    assert list(seen[0])[: len(TRANSACTION_EXAMPLE)] == list(TRANSACTION_EXAMPLE)
    same_shape(seen[0], TRANSACTION_EXAMPLE)
    booked = round(sum(t["amount"] for t in seen if not t["future"]), 2)
    [account] = [
        a
        for a in (await client.get(f"{BASE}/accounts", headers=headers)).json()["resources"]
        if a["id"] == first
    ]
    instant = round(sum(t["amount"] for t in seen), 2)
    assert round(account["instant_balance"] - account["accounting_balance"], 2) == round(
        instant - booked, 2
    )


async def test_date_and_update_filters(client: httpx.AsyncClient) -> None:
    flow, _ = await synced(client)
    headers = user_headers(flow.token)
    everything = (
        await client.get(f"{BASE}/transactions", params={"limit": 500}, headers=headers)
    ).json()["resources"]
    updated_at = everything[0]["updated_at"]
    dates = sorted({t["date"] for t in everything})
    low, high = dates[len(dates) // 3], dates[2 * len(dates) // 3]

    window = await client.get(
        f"{BASE}/transactions",
        params={"min_date": low, "max_date": high, "limit": 500},
        headers=headers,
    )
    before = await client.get(
        f"{BASE}/transactions/updated",
        params={"since": "2020-01-01T00:00:00.000Z", "limit": 500},
        headers=headers,
    )
    after = await client.get(
        f"{BASE}/transactions/updated", params={"since": updated_at}, headers=headers
    )
    bad = await client.get(f"{BASE}/transactions", params={"min_date": "soon"}, headers=headers)

    assert {t["date"] for t in window.json()["resources"]} <= {d for d in dates if low <= d <= high}
    assert len(window.json()["resources"]) == len(
        [t for t in everything if low <= t["date"] <= high]
    )
    assert {t["id"] for t in before.json()["resources"]} == {t["id"] for t in everything}
    assert after.json() == {"resources": [], "pagination": {"next_uri": None}}
    assert (bad.status_code, bad.json()["property"]) == (400, "min_date")


async def test_the_pro_bank_has_business_accounts(client: httpx.AsyncClient) -> None:
    flow = await connect(client, provider_id=6)
    await choose(client, flow.session_id, "success")

    accounts = (await client.get(f"{BASE}/accounts", headers=user_headers(flow.token))).json()

    assert [(a["name"], a["pro"], a["provider_id"]) for a in accounts["resources"]] == [
        ("Compte Pro", True, 6),
        ("Carte Pro", False, 6),
    ]
    assert accounts["resources"][0]["balance"] == 12543.0


async def test_deleting_an_item_sends_item_deleted_and_its_data_goes(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow, item = await synced(client)
    headers = user_headers(flow.token)
    await delivered(clock, dispatcher, receiver)
    other, _ = await synced(client)

    foreign = await client.delete(f"{BASE}/items/{item}", headers=user_headers(other.token))
    deleted = await client.delete(f"{BASE}/items/{item}", headers=headers)
    again = await client.delete(f"{BASE}/items/{item}", headers=headers)
    sent = (await delivered(clock, dispatcher, receiver))[-1]

    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert again.status_code == 404
    assert sent == {
        "content": {"item_id": item, "user_uuid": flow.user_uuid},
        "timestamp": sent["timestamp"],
        "type": "item.deleted",
    }
    assert (await client.get(f"{BASE}/items/{item}", headers=headers)).status_code == 404
    assert (await client.get(f"{BASE}/accounts", headers=headers)).json()["resources"] == []
    assert (await client.get(f"{BASE}/transactions", headers=headers)).json()["resources"] == []


async def test_users_list_get_and_delete(
    client: httpx.AsyncClient, clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow, _ = await synced(client, user_email="qa@example.com")
    await delivered(clock, dispatcher, receiver)
    await client.post(f"{BASE}/users", headers=APP, json={"external_user_id": "qa-2"})

    page = await client.get(f"{BASE}/users", params={"limit": 1}, headers=APP)
    rest = await client.get(f"/bridge{page.json()['pagination']['next_uri']}", headers=APP)
    one = await client.get(f"{BASE}/users/{flow.user_uuid}", headers=APP)
    no_app = await client.get(f"{BASE}/users", headers=VERSION)
    deleted = await client.delete(f"{BASE}/users/{flow.user_uuid}", headers=APP)
    gone = await client.get(f"{BASE}/users/{flow.user_uuid}", headers=APP)
    token = await client.get(f"{BASE}/items", headers=user_headers(flow.token))
    sent = (await delivered(clock, dispatcher, receiver))[-1]

    assert page.status_code == 200
    assert page.json()["resources"] == [{"uuid": flow.user_uuid, "external_user_id": None}]
    assert [u["external_user_id"] for u in rest.json()["resources"]] == ["qa-2"]
    assert rest.json()["pagination"]["next_uri"] is None
    assert one.json() == {"uuid": flow.user_uuid, "external_user_id": None}
    assert (no_app.status_code, no_app.json()["code"]) == (401, "invalid_client_credentials")
    assert (deleted.status_code, gone.status_code) == (204, 404)
    assert (token.status_code, token.json()["code"]) == (401, "invalid_token")
    assert (sent["type"], sent["content"]) == ("user.deleted", {"user_uuid": flow.user_uuid})


async def test_providers_are_the_funnels_demo_banks(client: httpx.AsyncClient) -> None:
    listed = await client.get("/bridge/v3/providers", headers=APP)
    one = await client.get("/bridge/v3/providers/574", headers=APP)
    unknown = await client.get("/bridge/v3/providers/1", headers=APP)

    assert [(p["id"], p["name"]) for p in listed.json()["resources"]] == [
        (574, "Demo Bank"),
        (6, "Demo Bank (pro)"),
    ]
    assert one.json() == listed.json()["resources"][0]
    assert one.json()["capabilities"] == ["aggregation"]
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 400, "missing_bridge_version"),
        ({"Bridge-Version": "2021-06-01"}, 400, "invalid_bridge_version"),
        (VERSION, 401, "invalid_token"),
        (VERSION | {"Authorization": "Bearer nope"}, 401, "invalid_token"),
    ],
)
async def test_reads_answer_v3_errors(
    client: httpx.AsyncClient, headers: dict[str, str], status: int, code: str
) -> None:
    for path in ("/accounts", "/transactions", "/transactions/updated"):
        answer = await client.get(f"{BASE}{path}", headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), path


async def test_an_expired_token_and_another_users_account(client: httpx.AsyncClient) -> None:
    flow, item = await synced(client)
    other, _ = await synced(client)
    foreign = await client.get(
        f"{BASE}/accounts/{item * 100 + 1}", headers=user_headers(other.token)
    )
    await client.post("/_sandbox/clock/advance", json={"seconds": 7200})
    expired = await client.get(f"{BASE}/accounts", headers=user_headers(flow.token))

    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    assert (expired.status_code, expired.json()) == (
        401,
        {"code": "invalid_token", "message": "the access token has expired"},
    )
