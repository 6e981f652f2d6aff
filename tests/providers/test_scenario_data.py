"""A scenario's `data:` section shapes what Bridge and finAPI read after the flow (and what
Bridge's webhooks announce), and its `failure` fails their data calls in each provider's shape."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers import bridge_helpers, finapi_helpers
from tests.support import RECEIVER, Receiver

SCENARIOS = {
    "bridge-one-account": """
name: bridge-one-account
provider: bridge
outcome: success
data:
  currency: EUR
  accounts:
    - name: Joint Account
      type: checking
      balance: 1234.56
      transactions:
        - {amount: -12.5, days_ago: 1, counterparty: Carrefour, category: groceries}
        - {amount: 2500, days_ago: 3, text: SALAIRE, category: salary}
""",
    "bridge-bank-down": """
name: bridge-bank-down
provider: bridge
outcome: success
data: {failure: {status: 503, message: The bank is down}}
""",
    "finapi-one-account": """
name: finapi-one-account
provider: finapi
outcome: success
data:
  currency: EUR
  accounts:
    - name: Girokonto
      type: checking
      balance: 99.5
      generate: 4
""",
}


@pytest.fixture
async def app(clock: FrozenClock, receiver: Receiver, tmp_path: Path) -> AsyncIterator[Starlette]:
    for name, text in SCENARIOS.items():
        (tmp_path / f"{name}.yaml").write_text(text.lstrip(), encoding="utf-8")
    hooks = {p.name: {"webhook_url": RECEIVER} for p in all_providers()}
    config = Config(store="memory", providers=hooks, scenario_dirs=[tmp_path])
    application = create_app(config, clock=clock, client=receiver.client(), dispatch=False)
    async with application.router.lifespan_context(application):
        yield application


async def test_bridge_reads_and_webhooks_follow_the_scenarios_accounts(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    flow = await bridge_helpers.connect(client)
    await bridge_helpers.choose(client, flow.session_id, "bridge-one-account")
    while await dispatcher.run_once():
        pass
    events = [json.loads(r.content) for r in receiver.requests]
    headers = bridge_helpers.user_headers(flow.token)

    accounts = await client.get(f"{bridge_helpers.BASE}/accounts", headers=headers)
    txs = await client.get(f"{bridge_helpers.BASE}/transactions", headers=headers)

    [account] = accounts.json()["resources"]
    assert (account["name"], account["balance"]) == ("Joint Account", 1234.56)
    assert [t["amount"] for t in txs.json()["resources"]] == [-12.5, 2500.0]
    [updated] = [e["content"] for e in events if e["type"] == "item.account.updated"]
    assert (updated["account_id"], updated["balance"]) == (account["id"], 1234.56)
    assert updated["nb_new_transactions"] == 2


async def test_a_bridge_data_failure_answers_in_the_v3_shape(client: httpx.AsyncClient) -> None:
    flow = await bridge_helpers.connect(client)
    await bridge_helpers.choose(client, flow.session_id, "bridge-bank-down")
    headers = bridge_helpers.user_headers(flow.token)

    answer = await client.get(f"{bridge_helpers.BASE}/accounts", headers=headers)

    assert answer.status_code == 503
    assert answer.json() == {"code": "provider_error", "message": "The bank is down"}


async def test_finapi_accounts_follow_the_scenario(client: httpx.AsyncClient) -> None:
    token, form = await finapi_helpers.new_form(client)
    await finapi_helpers.finish(client, "api", form, "finapi-one-account", finapi_helpers.BROWSER)
    auth = finapi_helpers.bearer(token)

    accounts = await client.get(f"{finapi_helpers.API}/v1/accounts", headers=auth)
    txs = await client.get(
        f"{finapi_helpers.API}/v1/transactions", params={"view": "bankView"}, headers=auth
    )

    [account] = accounts.json()["accounts"]
    assert (account["accountName"], account["balance"]) == ("Girokonto", 99.5)
    assert txs.json()["paging"]["totalCount"] == 4
