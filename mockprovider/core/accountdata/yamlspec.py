"""The `data:` and `payment:` sections of a scenario file → `DataSpec` / `PaymentSpec`, every
problem reported at its line like the rest of the scenario loader."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from mockprovider.core.accountdata.model import AccountKind, PaymentStatus, TxStatus
from mockprovider.core.accountdata.spec import (
    HUGE_DEFAULT,
    MAX_TRANSACTIONS,
    DataFailure,
    DataSpec,
    FixedAccount,
    FixedTransaction,
    PaymentSpec,
)
from mockprovider.core.yamlcheck import (
    describe,
    expect_bool,
    expect_choice,
    expect_duration,
    expect_float,
    expect_int,
    expect_list,
    expect_map,
    expect_str,
)
from mockprovider.core.yamlsource import Located, LocatedScalar, Problems, join_key

DATA_KEYS = (
    "seed",
    "currency",
    "transactions",
    "accounts",
    "empty_account",
    "overdrawn_account",
    "huge_account",
    "failure",
)
ACCOUNT_KEYS = (
    "name",
    "type",
    "id",
    "currency",
    "iban",
    "sort_code",
    "account_number",
    "owner",
    "balance",
    "credit_limit",
    "transactions",
    "generate",
)
TRANSACTION_KEYS = (
    "amount",
    "id",
    "date",
    "days_ago",
    "value_date",
    "value_days_ago",
    "currency",
    "counterparty",
    "text",
    "category",
    "status",
)
FAILURE_KEYS = ("status", "message")
PAYMENT_KEYS = ("timeline",)
STEP_KEYS = ("status", "after")
CURRENCY = r"[A-Z]{3}"
KINDS = tuple(k.value for k in AccountKind)


def read_data(node: Located, problems: Problems) -> DataSpec | None:
    """The `data:` section, or None (problems added)."""
    spec = expect_map(node, "data", problems, optional=DATA_KEYS)
    if spec is None:
        return None
    before = len(problems.items)
    get = spec.get
    accounts = None
    if (raw := get("accounts")) is not None:
        items = expect_list(raw, "data.accounts", problems)
        found = (
            [_account(n, join_key("data.accounts", i), problems) for i, n in enumerate(items.items)]
            if items
            else []
        )
        accounts = tuple(a for a in found if a is not None)
    result = DataSpec(
        seed=_str(get("seed"), "data.seed", problems),
        currency=_str(get("currency"), "data.currency", problems, pattern=CURRENCY),
        transactions=_count(get("transactions"), "data.transactions", problems),
        accounts=accounts,
        empty_account=_flag(get("empty_account"), "data.empty_account", problems),
        overdrawn_account=_flag(get("overdrawn_account"), "data.overdrawn_account", problems),
        huge_account=_huge(get("huge_account"), problems),
        failure=_failure(get("failure"), problems),
    )
    return None if len(problems.items) > before else result


def read_payment(node: Located, problems: Problems) -> PaymentSpec | None:
    """The `payment:` section, or None (problems added)."""
    spec = expect_map(node, "payment", problems, required=PAYMENT_KEYS)
    raw = spec.get("timeline") if spec is not None else None
    steps = (
        expect_list(raw, "payment.timeline", problems, non_empty=True) if raw is not None else None
    )
    if steps is None:
        return None
    before = len(problems.items)
    timeline: list[tuple[float, PaymentStatus]] = []
    for i, item in enumerate(steps.items):
        key = join_key("payment.timeline", i)
        step = expect_map(item, key, problems, required=("status",), optional=("after",))
        if step is None or step.get("status") is None:
            continue
        status = expect_choice(
            step.entries["status"],
            join_key(key, "status"),
            problems,
            [s.value for s in PaymentStatus],
            what="payment status",
        )
        after_node = step.get("after")
        after = (
            0.0
            if after_node is None
            else expect_duration(after_node, join_key(key, "after"), problems)
        )
        if status is not None and after is not None:
            if timeline and after < timeline[-1][0]:
                problems.add(item.line, join_key(key, "after"), "expected steps in time order")
            timeline.append((after, PaymentStatus(status)))
    return None if len(problems.items) > before else PaymentSpec(tuple(timeline))


def _str(
    node: Located | None, key: str, problems: Problems, *, pattern: str | None = None
) -> str | None:
    return (
        None if node is None else expect_str(node, key, problems, pattern=pattern, non_empty=True)
    )


def _flag(node: Located | None, key: str, problems: Problems) -> bool:
    return node is not None and bool(expect_bool(node, key, problems))


def _count(node: Located | None, key: str, problems: Problems) -> int | None:
    return (
        None
        if node is None
        else expect_int(node, key, problems, minimum=0, maximum=MAX_TRANSACTIONS)
    )


def _minor(node: Located | None, key: str, problems: Problems) -> int | None:
    value = None if node is None else expect_float(node, key, problems)
    return None if value is None else round(value * 100)


def _huge(node: Located | None, problems: Problems) -> int:
    """`huge_account`: true (10,000 transactions), false, or a transaction count."""
    if node is None:
        return 0
    if isinstance(node, LocatedScalar) and isinstance(node.value, bool):
        return HUGE_DEFAULT if node.value else 0
    return expect_int(node, "data.huge_account", problems, minimum=1, maximum=MAX_TRANSACTIONS) or 0


def _failure(node: Located | None, problems: Problems) -> DataFailure | None:
    """`failure`: true (a 500 from the bank), or `{status, message}`."""
    if node is None:
        return None
    if isinstance(node, LocatedScalar) and isinstance(node.value, bool):
        return DataFailure() if node.value else None
    spec = expect_map(node, "data.failure", problems, optional=FAILURE_KEYS)
    if spec is None:
        return None
    status_node, message = (
        spec.get("status"),
        _str(spec.get("message"), "data.failure.message", problems),
    )
    status = (
        500
        if status_node is None
        else expect_int(status_node, "data.failure.status", problems, minimum=400, maximum=599)
    )
    return DataFailure(status or 500, message or DataFailure.message)


def _date(node: Located | None, key: str, problems: Problems) -> float | None:
    """An ISO date (`2026-01-05`, noon UTC) or date-time (UTC unless it says otherwise)."""
    if node is None:
        return None
    text = expect_str(node, key, problems)
    if text is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            text += "T12:00:00"
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.add(
            node.line,
            key,
            f"expected a date like 2026-01-05 or 2026-01-05T10:30:00Z, got {describe(node)}",
        )
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _days(node: Located | None, key: str, problems: Problems) -> float | None:
    return None if node is None else expect_float(node, key, problems, minimum=0)


def _account(node: Located, key: str, problems: Problems) -> FixedAccount | None:
    spec = expect_map(node, key, problems, required=("name",), optional=ACCOUNT_KEYS[1:])
    if spec is None:
        return None
    before = len(problems.items)
    get = spec.get
    kind = (
        None
        if get("type") is None
        else expect_choice(
            spec.entries["type"], join_key(key, "type"), problems, KINDS, what="account type"
        )
    )
    txs: list[FixedTransaction | None] = []
    if (raw := get("transactions")) is not None:
        items = expect_list(raw, join_key(key, "transactions"), problems)
        base = join_key(key, "transactions")
        txs = (
            [_transaction(n, join_key(base, i), problems) for i, n in enumerate(items.items)]
            if items
            else []
        )
    account = FixedAccount(
        name=_str(get("name"), join_key(key, "name"), problems) or "",
        kind=AccountKind(kind) if kind else AccountKind.CHECKING,
        id=_str(get("id"), join_key(key, "id"), problems),
        currency=_str(get("currency"), join_key(key, "currency"), problems, pattern=CURRENCY),
        iban=_str(
            get("iban"), join_key(key, "iban"), problems, pattern=r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}"
        ),
        sort_code=_str(get("sort_code"), join_key(key, "sort_code"), problems, pattern=r"\d{6}"),
        account_number=_str(
            get("account_number"), join_key(key, "account_number"), problems, pattern=r"\d{8}"
        ),
        owner=_str(get("owner"), join_key(key, "owner"), problems),
        balance_minor=_minor(get("balance"), join_key(key, "balance"), problems),
        credit_limit_minor=_minor(get("credit_limit"), join_key(key, "credit_limit"), problems)
        or 0,
        transactions=tuple(t for t in txs if t is not None),
        generate=_count(get("generate"), join_key(key, "generate"), problems) or 0,
    )
    return None if len(problems.items) > before else account


def _transaction(node: Located, key: str, problems: Problems) -> FixedTransaction | None:
    spec = expect_map(node, key, problems, required=("amount",), optional=TRANSACTION_KEYS[1:])
    if spec is None:
        return None
    before = len(problems.items)
    get = spec.get
    for a, b in (("date", "days_ago"), ("value_date", "value_days_ago")):
        if a in spec.entries and b in spec.entries:
            problems.add(spec.key_line(b), join_key(key, b), f'give "{a}" or "{b}", not both')
    status = (
        None
        if get("status") is None
        else expect_choice(
            spec.entries["status"],
            join_key(key, "status"),
            problems,
            [s.value for s in TxStatus],
            what="transaction status",
        )
    )
    tx = FixedTransaction(
        amount_minor=_minor(get("amount"), join_key(key, "amount"), problems) or 0,
        id=_str(get("id"), join_key(key, "id"), problems),
        date=_date(get("date"), join_key(key, "date"), problems),
        days_ago=_days(get("days_ago"), join_key(key, "days_ago"), problems),
        value_date=_date(get("value_date"), join_key(key, "value_date"), problems),
        value_days_ago=_days(get("value_days_ago"), join_key(key, "value_days_ago"), problems),
        currency=_str(get("currency"), join_key(key, "currency"), problems, pattern=CURRENCY),
        counterparty=_str(get("counterparty"), join_key(key, "counterparty"), problems) or "",
        text=_str(get("text"), join_key(key, "text"), problems) or "",
        category=_str(get("category"), join_key(key, "category"), problems) or "other",
        status=TxStatus(status) if status else TxStatus.BOOKED,
    )
    return None if len(problems.items) > before else tx
