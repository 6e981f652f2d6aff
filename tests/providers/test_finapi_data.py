"""finAPI Access data after a completed `BANK_CONNECTION_IMPORT` web form: the bank
connection of `payload.bankConnectionId`, its accounts, daily balances and transactions (filters
and paging), deletion; every answer validated against `finapi-access.yaml`."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.provider_openapi import assert_matches, provider_document_nullable
from tests.providers.finapi_helpers import (
    API,
    BROWSER,
    CB,
    bearer,
    create,
    finish,
    new_form,
    poll,
    user_token,
)
from tests.providers.test_finapi_access import assert_access_error

ACCESS = "finapi-access.yaml"


async def imported(client: httpx.AsyncClient, user: str = "qa-user-1") -> tuple[str, int]:
    """A user token and the id of the bank connection a completed import created."""
    token, form = await new_form(client, user)
    await finish(client, "api", form, "success", BROWSER)
    done = await poll(client, token, form["id"])
    assert done["status"] == "COMPLETED"
    return token, int(done["payload"]["bankConnectionId"])


async def get(client: httpx.AsyncClient, token: str, path: str, **params: Any) -> Any:
    answer = await client.get(f"{API}/v1/{path}", params=params, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_web_forms_bank_connection_and_its_accounts(client: httpx.AsyncClient) -> None:
    doc = provider_document_nullable(ACCESS)
    token, bcid = await imported(client)

    listed = await get(client, token, "bankConnections")
    one = await get(client, token, f"bankConnections/{bcid}")
    accounts = await get(client, token, "accounts")
    by_connection = await get(client, token, "accounts", bankConnectionIds=bcid)
    savings = await get(client, token, "accounts", accountTypes="Savings")
    account = await get(client, token, f"accounts/{accounts['accounts'][0]['id']}")

    assert_matches(doc, "/api/v1/bankConnections", "get", 200, listed)
    assert_matches(doc, "/api/v1/bankConnections/{id}", "get", 200, one)
    assert_matches(doc, "/api/v1/accounts", "get", 200, accounts)
    assert_matches(doc, "/api/v1/accounts/{id}", "get", 200, account)
    assert [c["id"] for c in listed["connections"]] == [bcid]
    assert one == listed["connections"][0]
    assert one["bankId"] == 280001
    assert one["accountIds"] == [a["id"] for a in accounts["accounts"]]
    assert [a["accountType"] for a in accounts["accounts"]] == ["Checking", "Savings", "CreditCard"]
    assert {a["bankConnectionId"] for a in accounts["accounts"]} == {bcid}
    assert {a["accountCurrency"] for a in accounts["accounts"]} == {"EUR"}
    assert by_connection == accounts
    assert [a["accountType"] for a in savings["accounts"]] == ["Savings"]
    assert account == accounts["accounts"][0]


async def test_transactions_page_filter_and_add_up_to_the_balances(
    client: httpx.AsyncClient,
) -> None:
    doc = provider_document_nullable(ACCESS)
    token, _ = await imported(client)
    accounts = (await get(client, token, "accounts"))["accounts"]
    checking = accounts[0]

    every = await get(
        client, token, "transactions", view="bankView", accountIds=checking["id"], perPage=500
    )
    first = await get(
        client, token, "transactions", view="userView", accountIds=checking["id"], perPage=7
    )
    second = await get(
        client,
        token,
        "transactions",
        view="userView",
        accountIds=checking["id"],
        perPage=7,
        page=2,
    )
    spending = await get(client, token, "transactions", view="bankView", direction="spending")
    big = await get(client, token, "transactions", view="bankView", minAmount=100, perPage=500)
    newest = await get(
        client, token, "transactions", view="bankView", order="bankBookingDate,desc", perPage=1
    )
    one = await get(client, token, f"transactions/{every['transactions'][0]['id']}")

    assert_matches(doc, "/api/v1/transactions", "get", 200, every)
    assert_matches(doc, "/api/v1/transactions/{id}", "get", 200, one)
    total = every["paging"]["totalCount"]
    assert total == len(every["transactions"]) > 7
    assert first["paging"] == {
        "page": 1,
        "perPage": 7,
        "pageCount": -(-total // 7),
        "totalCount": total,
    }
    assert first["transactions"] + second["transactions"] == every["transactions"][:14]
    assert {t["accountId"] for t in every["transactions"]} == {checking["id"]}
    assert every["balance"] == round(every["income"] + every["spending"], 2)
    assert all(t["amount"] < 0 for t in spending["transactions"])
    assert all(t["amount"] >= 100 for t in big["transactions"])
    everything = await get(client, token, "transactions", view="bankView", perPage=500)
    latest = max(t["bankBookingDate"] for t in everything["transactions"])
    assert newest["transactions"][0]["bankBookingDate"] == latest
    assert one == every["transactions"][0]


async def test_daily_balances_end_at_the_account_balance(client: httpx.AsyncClient) -> None:
    doc = provider_document_nullable(ACCESS)
    token, _ = await imported(client)
    checking = (await get(client, token, "accounts"))["accounts"][0]
    booked = await get(
        client, token, "transactions", view="bankView", accountIds=checking["id"], perPage=500
    )

    daily = await get(
        client, token, "accounts/dailyBalances", accountIds=checking["id"], perPage=500
    )

    assert_matches(doc, "/api/v1/accounts/dailyBalances", "get", 200, daily)
    days = daily["dailyBalances"]
    assert days[0]["date"] == daily["latestCommonBalanceTimestamp"]
    assert days[0]["balance"] == checking["balance"]
    listed = {t for d in days for t in d["transactions"]}
    assert listed == {t["id"] for t in booked["transactions"]}
    for newer, older in itertools.pairwise(days):
        change = round(newer["income"] + newer["spending"], 2)
        assert round(newer["balance"] - older["balance"], 2) == change, newer["date"]


async def test_deleting_the_connection_removes_its_data(client: httpx.AsyncClient) -> None:
    doc = provider_document_nullable(ACCESS)
    token, bcid = await imported(client)
    other, other_bcid = await imported(client, "qa-user-2")

    foreign = await client.get(f"{API}/v1/bankConnections/{bcid}", headers=bearer(other))
    deleted = await client.delete(f"{API}/v1/bankConnections/{bcid}", headers=bearer(token))
    gone = await client.get(f"{API}/v1/bankConnections/{bcid}", headers=bearer(token))

    assert foreign.status_code == 404
    assert_access_error(doc, "/api/v1/bankConnections/{id}", "get", 404, foreign.json())
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert gone.status_code == 404
    assert (await get(client, token, "accounts"))["accounts"] == []
    assert (await get(client, token, "transactions", view="bankView"))["transactions"] == []
    assert [c["id"] for c in (await get(client, other, "bankConnections"))["connections"]] == [
        other_bcid
    ]


async def test_transactions_need_a_view_and_a_user_token(client: httpx.AsyncClient) -> None:
    doc = provider_document_nullable(ACCESS)
    token, _ = await imported(client)

    no_view = await client.get(f"{API}/v1/transactions", headers=bearer(token))
    no_token = await client.get(f"{API}/v1/transactions", params={"view": "bankView"})

    assert no_view.status_code == 400
    assert_access_error(doc, "/api/v1/transactions", "get", 400, no_view.json())
    assert no_token.status_code == 401
    assert_matches(doc, "/api/v1/transactions", "get", 401, no_token.json())


ORDER = {
    "amount": {"value": "12.50", "currency": "EUR"},
    "recipient": {"name": "Ada", "iban": "DE02120300000000202051"},
    "purpose": "Invoice 7",
}


async def paid(client: httpx.AsyncClient, token: str, outcome: str) -> dict[str, Any]:
    made = await create(
        client,
        token,
        {"orders": [ORDER, ORDER], "callbacks": {"finalised": CB}},
        "standalonePayment",
    )
    assert made.status_code == 201, made.text
    await finish(client, "api", made.json(), outcome, BROWSER)
    form: dict[str, Any] = await poll(client, token, made.json()["id"])
    return form


async def test_payments_follow_the_scenarios_timeline(client: httpx.AsyncClient) -> None:
    doc = provider_document_nullable(ACCESS)
    token = await user_token(client)
    now_paid = await paid(client, token, "success")
    later = await paid(client, token, "payment-settles-later")
    await paid(client, token, "user_abort")

    before = await get(client, token, "payments")
    await client.post("/_sandbox/clock/advance", json={"seconds": 300})
    after = await get(client, token, "payments", status="SUCCESSFUL")

    assert_matches(doc, "/api/v1/payments", "get", 200, before)
    ids = [now_paid["payload"]["paymentId"], later["payload"]["paymentId"]]
    assert [p["id"] for p in before["payments"]] == sorted(ids)
    by_id = {p["id"]: p for p in before["payments"]}
    assert by_id[ids[0]]["status"] == "SUCCESSFUL"
    assert by_id[ids[1]]["status"] == "PENDING"
    assert by_id[ids[1]]["executionDate"] is None
    assert (by_id[ids[0]]["amount"], by_id[ids[0]]["orderCount"]) == (25.0, 2)
    assert {p["id"] for p in after["payments"]} == set(ids)
