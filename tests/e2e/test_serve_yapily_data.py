"""What an app does after Yapily's flow, over real sockets against `mockprovider serve`: create
an auth request → bank page (log in, Allow) → callback → one-time-token exchange → accounts →
balances → every transaction, paged → revoke the consent → the next data call fails. Once with
the default data, once with data from a YAML scenario file, once through two Redis replicas."""

from __future__ import annotations

import base64
import json
import textwrap
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mockprovider.providers.yapily.settings import APPLICATION_KEY, APPLICATION_SECRET
from tests.e2e.servers import ServerProcess, WebhookReceiver
from tests.provider_openapi import assert_matches, provider_document
from tests.support import parse_form

pytestmark = pytest.mark.slow

AUTH = (APPLICATION_KEY, APPLICATION_SECRET)
TX = "/accounts/{accountId}/transactions"

SCENARIO = textwrap.dedent(
    """\
    name: two-accounts
    provider: yapily
    outcome: success
    description: A fixed current account and a generated savings account.
    match:
      any:
        applicationUserId: "+two_accounts"
    data:
      accounts:
        - name: Household
          id: household-1
          sort_code: "040004"
          account_number: "12345678"
          owner: Jane Doe
          balance: 1000
          transactions:
            - {id: t-salary, amount: 2500, days_ago: 1, counterparty: Acme, category: salary}
            - {id: t-rent, amount: -1200, days_ago: 2, counterparty: Landlord, category: rent}
            - {id: t-coffee, amount: -3.2, counterparty: Cafe, status: pending}
        - name: Rainy Day
          type: savings
          generate: 7
    """
)


def checked(response: httpx.Response, template: str, method: str = "get", status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert_matches(provider_document("yapily.json"), template, method, status, response.json())
    return response.json()


def authorise(create: httpx.Client, browser: httpx.Client, callback: str, user: str) -> str:
    """Create an OTT auth request through `create`, walk the bank page with `browser`, exchange
    the one-time token through `create`; the consent token."""
    body = {
        "applicationUserId": user,
        "institutionId": "modelo-sandbox",
        "callback": callback,
        "oneTimeToken": True,
    }
    data = checked(
        create.post("/yapily/account-auth-requests", json=body, auth=AUTH),
        "/account-auth-requests",
        "post",
        201,
    )["data"]
    page = browser.get(data["authorisationUrl"])
    if page.status_code == 200:  # no scenario matched: log in and press Allow
        form = parse_form(page.text)
        login = {"username": "mits", "password": "mits", "institution": "modelo-sandbox"}
        page = browser.post(form.action, data={"t": form.token, "outcome": "success", **login})
    assert page.status_code == 303, page.text
    landed = browser.get(page.headers["location"])  # the auth.yapily.com hop
    assert landed.status_code == 302
    final = landed.headers["location"]
    assert final.startswith(callback)
    assert browser.get(final).status_code == 200  # the integrator's page
    one_time = dict(parse_qsl(urlsplit(final).query))["one-time-token"]
    consent = checked(
        create.post("/yapily/consent-one-time-token", json={"oneTimeToken": one_time}, auth=AUTH),
        "/consent-one-time-token",
        "post",
        201,
    )
    assert consent["status"] == "AUTHORIZED"
    token: str = consent["consentToken"]
    return token


def read_everything(clients: list[httpx.Client], token: str) -> dict[str, Any]:
    """Accounts, balances and every transaction (pages of 50, following `links.next`),
    alternating between `clients`; {account id: (account, balances, transactions)}."""
    headers = {"consent": token}
    accounts = checked(clients[0].get("/yapily/accounts", headers=headers, auth=AUTH), "/accounts")
    found: dict[str, Any] = {}
    calls = 0
    for account in accounts["data"]:
        path = f"/yapily/accounts/{account['id']}"
        balances = checked(
            clients[1 % len(clients)].get(f"{path}/balances", headers=headers, auth=AUTH),
            "/accounts/{accountId}/balances",
        )
        txs: list[dict[str, Any]] = []
        url: str | None = f"{path}/transactions?limit=50"
        while url is not None:
            calls += 1
            http = clients[calls % len(clients)]
            page = checked(http.get(url, headers=headers, auth=AUTH), TX)
            txs += page["data"]
            total = page["meta"]["pagination"]["totalCount"]
            next_url = page["links"].get("next")
            url = (
                None
                if next_url is None
                else urlsplit(next_url)._replace(scheme="", netloc="").geturl()
            )
        assert len(txs) == total
        found[account["id"]] = (account, balances["data"], txs)
    return found


def revoke_and_fail(create: httpx.Client, data: httpx.Client, token: str, consent_id: str) -> None:
    deleted = create.delete(f"/yapily/consents/{consent_id}", auth=AUTH)
    checked(deleted, "/consents/{consentId}", "delete")
    refused = checked(
        data.get("/yapily/accounts", headers={"consent": token}, auth=AUTH), "/accounts", status=403
    )
    assert "REVOKED" in refused["error"]["message"]


def consent_id_of(token: str) -> str:
    """The `CONSENT` claim of a consent token (an app keeps the consent id from the create
    call; the walk reads it back from the token)."""
    claims = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["CONSENT"])


def test_the_walk_with_the_default_data(server: ServerProcess, hooks: WebhookReceiver) -> None:
    with server.client() as http:
        token = authorise(http, http, f"{hooks.return_url}?app=1", "user-42")
        data = read_everything([http], token)
        kinds = [a["accountType"] for a, _, _ in data.values()]
        assert kinds == ["CURRENT", "SAVINGS", "CREDIT_CARD"]
        for account, balances, txs in data.values():
            booked = balances["balances"][0]["balanceAmount"]["amount"]
            assert booked == account["balance"]
            assert txs
            assert len({t["id"] for t in txs}) == len(txs)
        assert data == read_everything([http], token)  # stored once, the same on every read
        revoke_and_fail(http, http, token, consent_id_of(token))


def test_the_walk_with_data_from_a_scenario_file(tmp_path: Path, hooks: WebhookReceiver) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "two-accounts.yaml").write_text(SCENARIO, encoding="utf-8")
    server = ServerProcess(
        tmp_path, store=f"sqlite:{tmp_path / 's.db'}", args=["--scenarios", str(folder)]
    )
    try:
        server.start()
        with server.client() as http:
            token = authorise(http, http, hooks.return_url, "qa+two_accounts")
            data = read_everything([http], token)
            household, balances, txs = data["household-1"]
            assert household["balance"] == 1000
            assert [t["id"] for t in txs] == ["t-coffee", "t-salary", "t-rent"]
            assert balances["balances"][1]["balanceAmount"]["amount"] == 996.8  # pending coffee
            ids = {i["type"]: i["identification"] for i in household["accountIdentifications"]}
            assert (ids["SORT_CODE"], ids["ACCOUNT_NUMBER"]) == ("040004", "12345678")
            assert household["accountNames"] == [{"name": "Jane Doe"}]
            (savings,) = [v for k, v in data.items() if k != "household-1"]
            assert savings[0]["accountType"] == "SAVINGS"
            assert len(savings[2]) == 7
            revoke_and_fail(http, http, token, consent_id_of(token))
    finally:
        server.stop()


def test_the_walk_through_two_redis_replicas(
    tmp_path: Path, redis_url: str, hooks: WebhookReceiver
) -> None:
    store = f"{redis_url}?prefix=yapily-data-{uuid.uuid4().hex}:"
    first = ServerProcess(tmp_path, store=store, name="replica-a")
    second = ServerProcess(tmp_path, store=store, name="replica-b")
    try:
        first.start()
        second.start()
        with first.client() as on_a, second.client() as on_b:
            token = authorise(on_a, on_b, hooks.return_url, "user-42")
            both = read_everything([on_a, on_b], token)
            only_b = read_everything([on_b], token)
            assert both == only_b  # both replicas serve the one stored data set
            revoke_and_fail(on_a, on_b, token, consent_id_of(token))
    finally:
        first.stop()
        second.stop()
