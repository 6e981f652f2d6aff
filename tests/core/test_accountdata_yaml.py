"""A scenario's `data:` and `payment:` sections: read into specs, every mistake reported at its
file, line and key, and the published JSON Schema agreeing with the loader."""

from __future__ import annotations

import textwrap
from pathlib import Path

import jsonschema
import pytest

from mockprovider.core.accountdata import AccountKind, DataFailure, PaymentStatus, TxStatus
from mockprovider.core.scenario_loader import read_scenario
from mockprovider.core.scenarios import ProviderInfo, schema
from mockprovider.core.yamlsource import load_yaml

PROVIDERS = {"yapily": ProviderInfo(outcomes=("success", "user_abort"), match_fields=())}
HEAD = "name: shaped\nprovider: yapily\noutcome: success\n"

SHAPED = HEAD + textwrap.dedent(
    """\
    data:
      seed: fixed-seed
      currency: EUR
      transactions: 12
      empty_account: true
      overdrawn_account: true
      huge_account: 10000
      accounts:
        - name: Joint Account
          type: business
          id: acc-1
          currency: GBP
          sort_code: "040004"
          account_number: "12345678"
          owner: Jane Doe
          balance: 1234.56
          credit_limit: 500
          generate: 5
          transactions:
            - {amount: -12.5, date: 2026-01-05, counterparty: Tesco, category: groceries}
            - {amount: 2500, days_ago: 2, value_days_ago: 3, text: SALARY, status: pending}
    payment:
      timeline:
        - {status: pending}
        - {status: completed, after: 5m}
    """
)


def read(tmp_path: Path, text: str) -> tuple[object, list[str]]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    scenario, problems = read_scenario(path, PROVIDERS)
    return scenario, [str(p).replace(str(path), "FILE") for p in problems]


def test_a_shaped_data_section_is_read(tmp_path: Path) -> None:
    scenario, problems = read(tmp_path, SHAPED)
    assert problems == []
    data = scenario.data  # type: ignore[attr-defined]
    assert (data.seed, data.currency, data.transactions) == ("fixed-seed", "EUR", 12)
    assert (data.empty_account, data.overdrawn_account, data.huge_account) == (True, True, 10000)
    (joint,) = data.accounts
    assert (joint.kind, joint.balance_minor, joint.credit_limit_minor) == (
        AccountKind.BUSINESS,
        123456,
        50000,
    )
    assert (joint.sort_code, joint.account_number, joint.generate) == ("040004", "12345678", 5)
    groceries, salary = joint.transactions
    assert (groceries.amount_minor, groceries.date) == (-1250, 1767614400.0)
    assert (salary.days_ago, salary.value_days_ago, salary.status) == (2, 3, TxStatus.PENDING)
    assert scenario.payment.timeline == (  # type: ignore[attr-defined]
        (0.0, PaymentStatus.PENDING),
        (300.0, PaymentStatus.COMPLETED),
    )


def test_failure_forms(tmp_path: Path) -> None:
    plain, _ = read(tmp_path, HEAD + "data: {failure: true}\n")
    given, _ = read(tmp_path, HEAD + "data: {failure: {status: 503, message: Down}}\n")
    assert plain.data.failure == DataFailure()  # type: ignore[attr-defined]
    assert given.data.failure == DataFailure(503, "Down")  # type: ignore[attr-defined]


BROKEN = HEAD + textwrap.dedent(
    """\
    data:
      currency: euro
      transactions: -1
      huge_acount: true
      failure: {status: 200}
      accounts:
        - type: cheque
          sort_code: 12-34-56
          transactions:
            - {amount: ten, date: yesterday, days_ago: 1}
            - {counterparty: Tesco}
    payment:
      timeline:
        - {status: done}
        - {status: completed, after: soon}
    """
)


def test_every_mistake_is_reported_at_its_line_and_key(tmp_path: Path) -> None:
    scenario, problems = read(tmp_path, BROKEN)
    assert scenario is None
    assert problems == [
        'FILE:5: data.currency: expected a string matching [A-Z]{3}, got a string ("euro")',
        "FILE:6: data.transactions: expected an integer >= 0, got -1",
        'FILE:7: data.huge_acount: unknown key "huge_acount" (did you mean "huge_account"?)',
        "FILE:8: data.failure.status: expected an integer >= 400, got 200",
        'FILE:10: data.accounts[0].name: missing required key "name"',
        'FILE:10: data.accounts[0].type: unknown account type "cheque";'
        " expected one of: checking, savings, card, business",
        "FILE:11: data.accounts[0].sort_code: expected a string matching \\d{6},"
        ' got a string ("12-34-56")',
        'FILE:13: data.accounts[0].transactions[0].days_ago: give "date" or "days_ago", not both',
        'FILE:13: data.accounts[0].transactions[0].amount: expected a number, got a string ("ten")',
        "FILE:13: data.accounts[0].transactions[0].date: expected a date like 2026-01-05 or"
        ' 2026-01-05T10:30:00Z, got a string ("yesterday")',
        'FILE:14: data.accounts[0].transactions[1].amount: missing required key "amount"',
        'FILE:17: payment.timeline[0].status: unknown payment status "done"; expected one of:'
        " pending, completed, failed",
        'FILE:18: payment.timeline[1].after: expected a duration like "5s", got "soon"',
    ]


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (SHAPED, True),
        (HEAD + "data: {failure: true, huge_account: true, accounts: []}\n", True),
        (BROKEN, False),
        (HEAD + "data: {transactions: 1.5}\n", False),
        (HEAD + "payment: {timeline: []}\n", False),
        (HEAD + "data: {accounts: [{name: A, iban: 'not an iban'}]}\n", False),
    ],
)
def test_the_schema_agrees_with_the_loader(tmp_path: Path, text: str, valid: bool) -> None:
    _scenario, problems = read(tmp_path, text)
    assert (problems == []) is valid
    document = load_yaml(tmp_path / "s.yaml").value
    assert jsonschema.Draft202012Validator(schema()).is_valid(document) is valid
