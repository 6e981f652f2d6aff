"""Deterministic, believable account data: same seed, anchor and spec, same data.

A checking account gets salary on the 25th (the Friday before when it falls on a weekend),
rent on the 1st, monthly bills, a transfer to savings and card payments most days; the newest
card payments are still pending. A savings account gets the monthly transfer and interest, a
card account card payments and a monthly repayment. Balances follow from the transactions.
"""

from __future__ import annotations

import hashlib
import random
import time

from mockprovider.core.accountdata.identifiers import eu_iban, uk_identifiers
from mockprovider.core.accountdata.model import Account, AccountKind, Transaction, TxStatus

DAY = 86400.0
#: (merchant, category, smallest and largest amount in minor units)
MERCHANTS = (
    ("Tesco", "groceries", 350, 9500),
    ("Sainsbury's", "groceries", 420, 8800),
    ("Pret A Manger", "eating_out", 280, 1450),
    ("Deliveroo", "eating_out", 1200, 4200),
    ("Uber", "transport", 650, 3400),
    ("TfL Travel", "transport", 170, 850),
    ("Amazon", "shopping", 599, 12999),
    ("Boots", "health", 250, 3200),
    ("Shell", "fuel", 3000, 8500),
    ("Netflix", "entertainment", 1099, 1099),
)
#: (day of month, counterparty, text, category, amount in minor units)
BILLS = (
    (1, "Oakwood Lettings", "RENT", "rent", -115000),
    (5, "British Gas", "ENERGY DD", "utilities", -8400),
    (12, "Vodafone", "MOBILE DD", "phone", -2600),
    (20, "Council Tax", "COUNCIL TAX DD", "tax", -14300),
)
SALARY = ("Acme Widgets Ltd", "SALARY", "salary", 285000)
NATURAL_CARD_PER_DAY = 1.6
#: The newest card payments of an account, if younger than `PENDING_WINDOW`, are pending.
PENDING_COUNT = 3
PENDING_WINDOW = 3 * DAY
CARD_ROWS = tuple((*m, f"CARD PAYMENT TO {m[0].upper()}") for m in MERCHANTS)


def _rng(*parts: str) -> random.Random:
    """A random source seeded from `parts` (stable across processes and Python runs)."""
    return random.Random(  # noqa: S311 (test data, not secrets)
        hashlib.sha256("|".join(parts).encode()).digest()
    )


def _days(anchor: float, days: int) -> list[float]:
    """Midnight UTC of each of the last `days` days, oldest first, the anchor's day last."""
    today = anchor - anchor % DAY
    return [today - (days - 1 - i) * DAY for i in range(days)]


def _salary_day(midnight: float) -> bool:
    """Whether salary is paid on this day: the 25th, or the Friday before when it is a weekend."""
    tm = time.gmtime(midnight)
    if not 23 <= tm.tm_mday <= 25:
        return False
    weekday_of_25th = (tm.tm_wday + 25 - tm.tm_mday) % 7
    payday = 25 - max(0, weekday_of_25th - 4)  # Saturday → 24th, Sunday → 23rd
    return tm.tm_mday == payday


Row = tuple[float, float, int, str, str, str, bool]


def _recurring(account: Account, rng: random.Random, days: list[float]) -> list[Row]:
    """Salary, rent, bills and transfers (checking, business), transfers in and interest
    (savings), the monthly repayment (card)."""
    rows: list[Row] = []

    def add(at: float, amount: int, who: str, text: str, category: str) -> None:
        rows.append((at, at, amount, who, text, category, False))

    kind = account.kind
    for midnight in days:
        mday = time.gmtime(midnight).tm_mday
        if kind in (AccountKind.CHECKING, AccountKind.BUSINESS):
            if _salary_day(midnight):
                add(midnight + 3 * 3600, SALARY[3], SALARY[0], SALARY[1], SALARY[2])
            for day, who, text, category, amount in BILLS:
                if mday == day:
                    add(midnight + 6 * 3600, amount, who, text, category)
            if mday == 26:
                add(midnight + 9 * 3600, -20000, "Own savings account", "TO SAVINGS", "transfer")
        elif kind is AccountKind.SAVINGS and mday == 26:
            add(midnight + 9 * 3600, 20000, "Own current account", "FROM CURRENT", "transfer")
        elif kind is AccountKind.SAVINGS and mday == 1:
            add(midnight + 7200, 300 + rng.randrange(400), "Modelo Bank", "INTEREST", "interest")
        elif kind is AccountKind.CARD and mday == 28:
            add(midnight + 8 * 3600, 45000, "Direct debit", "CARD REPAYMENT", "repayment")
    return rows


def _cards(rng: random.Random, count: int, start: float, end: float) -> list[Row]:
    """`count` card payments at random times in [start, end), each with a value date up to
    two days before its booking date."""
    rnd, width, n = rng.random, end - start, len(CARD_ROWS)
    rows: list[Row] = []
    append = rows.append
    for _ in range(count):
        at = float(int(start + rnd() * width))
        who, category, low, high, text = CARD_ROWS[int(rnd() * n)]
        amount = low + int(rnd() * (high - low))
        append((at, at - int(rnd() * 3) * DAY, -amount, who, text, category, False))
    return rows


def _mark_pending(rows: list[Row], anchor: float) -> None:
    """The newest `PENDING_COUNT` card payments of the last `PENDING_WINDOW` become pending
    (value date = authorisation time). `rows` is oldest first."""
    marked = 0
    for i in range(len(rows) - 1, -1, -1):
        at, _, amount, who, text, category, _ = rows[i]
        if marked == PENDING_COUNT or anchor - at > PENDING_WINDOW:
            return
        if text.startswith("CARD PAYMENT"):
            rows[i] = (at, at, amount, who, text, category, True)
            marked += 1


def fill(account: Account, seed: str, anchor: float, count: int | None, days: int) -> None:
    """Generate `account`'s transactions over the last `days` days up to `anchor`: exactly
    `count` of them (the newest, when the recurring ones alone are more), or a natural number.
    They replace any it had; balances are not settled (see `balance_to`)."""
    rng = _rng(seed, account.id, "tx")
    span = _days(anchor, days)
    rows = [r for r in _recurring(account, rng, span) if r[0] <= anchor]
    if count is not None:
        cards = max(0, count - len(rows))
    elif account.kind is AccountKind.SAVINGS:
        cards = 0
    else:
        cards = int(NATURAL_CARD_PER_DAY * days)
    rows.extend(_cards(rng, cards, span[0], anchor - 60))
    rows.sort()
    if count is not None:
        rows = rows[len(rows) - count :] if count else []
    _mark_pending(rows, anchor)
    prefix, cur, booked, pending = (
        account.id.replace("-", "")[:12],
        account.currency,
        TxStatus.BOOKED,
        TxStatus.PENDING,
    )
    total = len(rows)
    account.transactions = [
        Transaction(
            f"{prefix}-{total - i:06d}",
            at,
            value,
            amount,
            cur,
            who,
            text,
            cat,
            pending if wait else booked,
        )
        for i, (at, value, amount, who, text, cat, wait) in enumerate(reversed(rows))
    ]


def new_account(
    seed: str, n: int, kind: AccountKind, name: str, currency: str, holder: str
) -> Account:
    """An account with ids, identifiers and a believable closing balance."""
    rng = _rng(seed, str(n), "account")
    account_id = "%08x-%04x-4%03x-a%03x-%012x" % (  # noqa: UP031 (a UUID from the seeded rng)
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(12),
        rng.getrandbits(12),
        rng.getrandbits(48),
    )
    account = Account(account_id, name, kind, currency, holder)
    if currency == "GBP":
        account.iban, account.sort_code, account.account_number = uk_identifiers(rng)
    else:
        account.iban = eu_iban(rng)
    return account


def closing_balance(account: Account, rng: random.Random) -> int:
    """A believable closing booked balance for an account of this kind."""
    if account.kind is AccountKind.SAVINGS:
        return rng.randrange(250_000, 1_500_000)
    if account.kind is AccountKind.CARD:
        return -rng.randrange(20_000, 90_000)
    return rng.randrange(60_000, 420_000)


def balance_to(account: Account, closing: int, *, sort: bool = False) -> None:
    """Choose the opening balance so the closing booked balance is `closing`, then settle
    (`sort`: the transactions are not yet newest first)."""
    booked = sum(t.amount_minor for t in account.transactions if t.status is TxStatus.BOOKED)
    account.opening_minor = closing - booked
    account.settle(sort=sort)
