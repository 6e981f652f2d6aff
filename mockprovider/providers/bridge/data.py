"""A Bridge item's accounts and transactions, from the shared account-data engine
(`mockprovider.core.accountdata`), in Bridge's integer ids.

The first successful sync fixes the item's data: seeded by the Connect session (or the
scenario's `data.seed`), anchored at the sync's sandbox time, shaped by the scenario's `data:`
section or else by the bank (spec §1.9.3 [DOC B13]: the Demo Bank's checking, deferred-debit
card and savings accounts; the pro bank's business accounts). The webhooks of that sync
(`item.account.created` / `.updated`) and every later read are computed from the same engine
with the same inputs, so they agree: account ids, balances, `nb_new_transactions`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mockprovider.core.accountdata import (
    Account,
    AccountKind,
    DataSet,
    DataSpec,
    Transaction,
    data_set_for,
)
from mockprovider.core.accountdata.build import build
from mockprovider.core.accountdata.spec import FixedAccount
from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session
from mockprovider.errors import DataUnavailable

PRO_BANK_ID = 6  # the second demo bank of the `banks` setting
#: The Demo Bank's accounts [DOC B13 names checking, deferred debit and savings]: the engine's
#: default three (current, savings, card) in euros.
DEMO_SPEC = DataSpec(currency="EUR")
#: The pro bank: one business current account and a business card [INF].
PRO_SPEC = DataSpec(
    currency="EUR",
    accounts=(
        FixedAccount("Compte Pro", AccountKind.BUSINESS, generate=60, balance_minor=1_254_300),
        FixedAccount(
            "Carte Pro",
            AccountKind.CARD,
            generate=20,
            balance_minor=-84_250,
            credit_limit_minor=500_000,
        ),
    ),
)
#: Bridge account `type` per engine kind [INF: Bridge's v3 types include these words].
TYPES = {
    AccountKind.CHECKING: "checking",
    AccountKind.SAVINGS: "savings",
    AccountKind.CARD: "card",
    AccountKind.BUSINESS: "checking",
}


def spec_for(provider_id: int | None, scenario_spec: DataSpec | None) -> DataSpec:
    if scenario_spec is not None:
        return scenario_spec
    return PRO_SPEC if provider_id == PRO_BANK_ID else DEMO_SPEC


def built(session_id: str, data: Mapping[str, Any], spec: DataSpec) -> DataSet:
    """The data set, computed directly (inside `effects`, which cannot await the store)."""
    sync = data["sync"]
    return build(spec.seed or session_id, float(sync["anchor"]), spec)


async def item_data(sandbox: Sandbox, session: Session) -> DataSet | None:
    """The stored data set of the session's item, if its first sync succeeded;
    `DataUnavailable` when the scenario's `data.failure` says the bank fails."""
    sync = session.data.get("sync")
    if not sync:
        return None
    spec = scenario_spec(sandbox, session.provider, sync.get("scenario"), session.data)
    if spec.failure is not None:  # the scenario's bank fails every data call
        raise DataUnavailable(spec.failure.message, status=spec.failure.status)
    key = f"bridge-item-{session.data['item_id']}"
    seed = spec.seed or session.id
    return await data_set_for(
        sandbox.store, key, seed=seed, anchor=float(sync["anchor"]), spec=spec
    )


def scenario_spec(
    sandbox: Sandbox, provider: str, name: str | None, data: Mapping[str, Any]
) -> DataSpec:
    scenario = sandbox.scenarios.get(provider, name) if name else None
    provider_id = data.get("provider_id")
    return spec_for(provider_id, scenario.data if scenario is not None else None)


def account_id(item_id: int, index: int) -> int:
    """The n-th account of an item (0-based): `item_id * 100 + n + 1`."""
    return item_id * 100 + index + 1


def transaction_id(tx: Transaction) -> int:
    """A 14-digit integer id from the engine's (Bridge's are integers [DOC manage-your-
    transactions])."""
    return 10**13 + int(hashlib.sha256(tx.id.encode()).hexdigest()[:12], 16) % (9 * 10**13)


def instant_minor(account: Account) -> int:
    """Booked balance plus pending transactions (`instant_balance` [DOC manage-your-accounts])."""
    return account.booked_minor + sum(t.amount_minor for t in account.transactions if t.pending)
