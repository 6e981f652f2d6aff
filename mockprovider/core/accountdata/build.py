"""A data set from a seed, an anchor time and a scenario's `DataSpec`."""

from __future__ import annotations

from mockprovider.core.accountdata import generate as gen
from mockprovider.core.accountdata.identifiers import owner
from mockprovider.core.accountdata.model import Account, AccountKind, DataSet, Transaction
from mockprovider.core.accountdata.spec import HISTORY_DAYS, DataSpec, FixedAccount

DEFAULT_CURRENCY = "GBP"
#: (kind, name) of the accounts a data set has when the scenario fixes none.
DEFAULT_ACCOUNTS = (
    (AccountKind.CHECKING, "Current Account"),
    (AccountKind.SAVINGS, "Instant Saver"),
    (AccountKind.CARD, "Rewards Credit Card"),
)


def build(seed: str, anchor: float, spec: DataSpec) -> DataSet:
    """Every account of the data set, each settled (sorted newest first, balances computed)."""
    currency = spec.currency or DEFAULT_CURRENCY
    holder = owner(gen._rng(seed, "owner"))
    accounts: list[Account] = []
    if spec.accounts is not None:
        for fixed in spec.accounts:
            accounts.append(_fixed(seed, anchor, len(accounts), fixed, currency, holder))
    else:
        for kind, name in DEFAULT_ACCOUNTS:
            accounts.append(
                _generated(seed, anchor, len(accounts), kind, name, spec, currency, holder)
            )
    if spec.empty_account:
        empty = gen.new_account(
            seed, len(accounts), AccountKind.SAVINGS, "Empty Saver", currency, holder
        )
        empty.settle(sort=False)
        accounts.append(empty)
    if spec.overdrawn_account:
        account = gen.new_account(
            seed, len(accounts), AccountKind.CHECKING, "Overdrawn Current Account", currency, holder
        )
        gen.fill(account, seed, anchor, spec.transactions, HISTORY_DAYS)
        account.credit_limit_minor = 100_000
        gen.balance_to(account, -gen._rng(seed, account.id, "od").randrange(5_000, 60_000))
        accounts.append(account)
    if spec.huge_account:
        account = gen.new_account(
            seed, len(accounts), AccountKind.BUSINESS, "Business Account", currency, holder
        )
        gen.fill(account, seed, anchor, spec.huge_account, HISTORY_DAYS)
        gen.balance_to(account, gen.closing_balance(account, gen._rng(seed, account.id, "bal")))
        accounts.append(account)
    return DataSet(seed, anchor, accounts)


def _generated(
    seed: str,
    anchor: float,
    n: int,
    kind: AccountKind,
    name: str,
    spec: DataSpec,
    currency: str,
    holder: str,
) -> Account:
    account = gen.new_account(seed, n, kind, name, currency, holder)
    count = spec.transactions
    if kind is AccountKind.SAVINGS and count is not None:
        count = max(1, count // 10)
    gen.fill(account, seed, anchor, count, HISTORY_DAYS)
    if kind is AccountKind.CARD:
        account.credit_limit_minor = 300_000
    gen.balance_to(account, gen.closing_balance(account, gen._rng(seed, account.id, "bal")))
    return account


def _fixed(
    seed: str, anchor: float, n: int, fixed: FixedAccount, currency: str, holder: str
) -> Account:
    cur = fixed.currency or currency
    account = gen.new_account(seed, n, fixed.kind, fixed.name, cur, fixed.owner or holder)
    account.id = fixed.id or account.id
    if fixed.iban is not None:
        account.iban = fixed.iban
    if fixed.sort_code is not None or fixed.account_number is not None:
        account.sort_code = fixed.sort_code or ""
        account.account_number = fixed.account_number or ""
    account.credit_limit_minor = fixed.credit_limit_minor
    if fixed.generate:
        gen.fill(account, seed, anchor, fixed.generate, HISTORY_DAYS)
    today = anchor - anchor % gen.DAY
    prefix = account.id.replace("-", "")[:12]
    for i, tx in enumerate(fixed.transactions, 1):
        booked = (
            tx.date if tx.date is not None else today - (tx.days_ago or 0) * gen.DAY + 12 * 3600
        )
        value = tx.value_date
        if value is None:
            value = (
                booked
                if tx.value_days_ago is None
                else today - tx.value_days_ago * gen.DAY + 12 * 3600
            )
        account.transactions.append(
            Transaction(
                tx.id or f"{prefix}-f{i:05d}",
                booked,
                value,
                tx.amount_minor,
                tx.currency or cur,
                tx.counterparty,
                tx.text,
                tx.category,
                tx.status,
            )
        )
    if fixed.balance_minor is None:
        account.opening_minor = 0
        account.settle()
    else:
        gen.balance_to(account, fixed.balance_minor, sort=True)
    return account
