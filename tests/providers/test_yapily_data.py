"""Yapily's financial data after the flow (yapily.json 12.13.0, "Financial Data"): accounts,
balances, paged transactions and identity with the `consent` header, every response checked
against the published contract, and the consent's state deciding who may read."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH, create, finish, pick
from tests.support import SANDBOX

TX = "/accounts/{accountId}/transactions"


async def authorised(client: httpx.AsyncClient, outcome: str = "success", **body: Any) -> str:
    """Create an AIS request, Allow it on the bank page (or pick `outcome`); the consent token."""
    data = await create(client, **body)
    if outcome == "success":
        final = await finish(client, "button", data, "success")
    else:
        hop = await pick(client, data["id"], outcome)
        assert hop is not None
        final = (await client.get(hop)).headers["location"]
    return dict(parse_qsl(urlsplit(final).query))["consent"]


async def call(
    client: httpx.AsyncClient,
    token: str,
    path: str,
    template: str,
    status: int = 200,
    **params: Any,
) -> Any:
    response = await client.get(
        f"/yapily{path}", params=params, headers={"consent": token}, auth=AUTH
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert_matches(provider_document("yapily.json"), template, "get", status, response.json())
    return response.json()


async def test_accounts_balances_and_transactions_agree(client: httpx.AsyncClient) -> None:
    token = await authorised(client)
    accounts = (await call(client, token, "/accounts", "/accounts"))["data"]
    assert [a["accountType"] for a in accounts] == ["CURRENT", "SAVINGS", "CREDIT_CARD"]
    current = accounts[0]
    ids = {i["type"]: i["identification"] for i in current["accountIdentifications"]}
    assert set(ids) == {"SORT_CODE", "ACCOUNT_NUMBER", "IBAN"}
    assert ids["IBAN"].endswith(ids["SORT_CODE"] + ids["ACCOUNT_NUMBER"])
    one = await call(client, token, f"/accounts/{current['id']}", "/accounts/{accountId}")
    assert one["data"] == current
    balances = await call(
        client, token, f"/accounts/{current['id']}/balances", "/accounts/{accountId}/balances"
    )
    booked, available = balances["data"]["balances"]
    assert balances["data"]["mainBalanceAmount"]["amount"] == current["balance"]
    assert booked["type"] == "CLOSING_BOOKED"
    txs = (await call(client, token, f"/accounts/{current['id']}/transactions", TX))["data"]
    pending = sum(round(t["amount"] * 100) for t in txs if t["status"] == "PENDING")
    assert pending < 0
    assert (
        round(available["balanceAmount"]["amount"] * 100)
        == round(booked["balanceAmount"]["amount"] * 100) + pending
    )
    assert {t["proprietaryBankTransactionCode"]["code"] for t in txs} >= {"SALARY", "RENT"}
    dates = [t["bookingDateTime"] for t in txs]
    assert dates == sorted(dates, reverse=True)


async def test_the_same_consent_reads_the_same_data_every_time(client: httpx.AsyncClient) -> None:
    token = await authorised(client)
    first = (await call(client, token, "/accounts", "/accounts"))["data"]
    again = (await call(client, token, "/accounts", "/accounts"))["data"]
    other = (await call(client, await authorised(client), "/accounts", "/accounts"))["data"]
    assert first == again
    assert [a["id"] for a in first] != [a["id"] for a in other]


async def test_ten_thousand_transactions_page_with_links(client: httpx.AsyncClient) -> None:
    token = await authorised(client, "huge-account")
    accounts = (await call(client, token, "/accounts", "/accounts"))["data"]
    huge = accounts[-1]
    assert huge["usageType"] == "BUSINESS"
    path = f"/accounts/{huge['id']}/transactions"
    seen: list[str] = []
    url: str | None = f"{SANDBOX}/yapily{path}?limit=1000"
    while url is not None:
        query = dict(parse_qsl(urlsplit(url).query))
        page = await call(client, token, path, TX, 200, **query)
        assert page["meta"]["pagination"]["totalCount"] == 10_000
        assert page["meta"]["count"] == len(page["data"]) == 1000
        seen += [t["id"] for t in page["data"]]
        assert page["links"]["self"].startswith(f"{SANDBOX}/yapily{path}?")
        url = page["links"].get("next")
    assert len(seen) == len(set(seen)) == 10_000
    oldest = await call(client, token, path, TX, sort="date", limit=2, offset=1)
    assert [t["id"] for t in oldest["data"]] == seen[::-1][1:3]
    assert oldest["meta"]["pagination"]["self"] == {"sort": "date", "limit": 2, "offset": 1}
    assert oldest["meta"]["pagination"]["next"]["offset"] == 3


async def test_from_and_before_bound_the_booking_date(client: httpx.AsyncClient) -> None:
    token = await authorised(client)
    account = (await call(client, token, "/accounts", "/accounts"))["data"][0]["id"]
    path = f"/accounts/{account}/transactions"
    every = (await call(client, token, path, TX))["data"]
    high, low = every[-10]["bookingDateTime"], every[-3]["bookingDateTime"]  # newest first
    bounded = await call(client, token, path, TX, **{"from": low, "before": high})
    assert [t["id"] for t in bounded["data"]] == [t["id"] for t in every[-10:-2]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "1001"},
        {"offset": "-1"},
        {"sort": "amount"},
        {"from": "yesterday"},
    ],
)
async def test_bad_paging_gets_the_legacy_400(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    token = await authorised(client)
    account = (await call(client, token, "/accounts", "/accounts"))["data"][0]["id"]
    body = await call(client, token, f"/accounts/{account}/transactions", TX, 400, **params)
    assert body["error"]["status"] == "BAD_REQUEST"


async def test_identity_needs_the_identity_feature(client: httpx.AsyncClient) -> None:
    narrow = await authorised(client)
    refused = await call(client, narrow, "/identity", "/identity", 403)
    assert "IDENTITY" in refused["error"]["message"]
    scope = {"featureScope": ["ACCOUNTS", "IDENTITY"]}
    wide = await authorised(client, accountRequest=scope)
    identity = (await call(client, wide, "/identity", "/identity"))["data"]
    owner = (await call(client, wide, "/accounts", "/accounts"))["data"][0]["accountNames"][0]
    assert identity["fullName"] == owner["name"]
    denied = await call(client, wide, "/accounts/x/transactions", TX, 403)
    assert "ACCOUNT_TRANSACTIONS" in denied["error"]["message"]


async def test_who_may_not_read(client: httpx.AsyncClient) -> None:
    token = await authorised(client)
    assert (await call(client, "not-a-token", "/accounts", "/accounts", 401))["error"][
        "code"
    ] == 401
    unknown = await call(client, token, "/accounts/nope", "/accounts/{accountId}", 404)
    assert unknown["error"]["status"] == "NOT_FOUND"


async def test_a_revoked_consent_reads_nothing(client: httpx.AsyncClient) -> None:
    data = await create(client)
    final = await finish(client, "button", data, "success")
    token = dict(parse_qsl(urlsplit(final).query))["consent"]
    await call(client, token, "/accounts", "/accounts")
    deleted = await client.delete(f"/yapily/consents/{data['id']}", auth=AUTH)
    assert deleted.status_code == 200
    refused = await call(client, token, "/accounts", "/accounts", 403)
    assert "REVOKED" in refused["error"]["message"]


async def test_a_data_failure_passes_the_institution_error_through(
    client: httpx.AsyncClient,
) -> None:
    token = await authorised(client, "data-failure")
    body = await call(client, token, "/accounts", "/accounts", 424)
    assert body["error"]["source"] == "INSTITUTION"
    assert body["error"]["institutionError"] == {
        "errorMessage": "Internal error at the ASPSP",
        "httpStatusCode": 500,
    }
