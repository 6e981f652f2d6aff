"""The shared account-data engine: deterministic, believable data sets, balances that follow
from the transactions, shaping by a scenario's `data:` section, and payment timelines."""

from __future__ import annotations

import time

import pytest

from mockprovider.core.accountdata import AccountKind, DataSpec, PaymentStatus, TxStatus
from mockprovider.core.accountdata.build import build
from mockprovider.core.accountdata.identifiers import valid_iban
from mockprovider.core.accountdata.model import Payment, Step
from mockprovider.core.accountdata.spec import FixedAccount, FixedTransaction

DAY = 86400.0
ANCHOR = 1_769_471_000.0  # 2026-01-26T23:43:20Z


def day_of(ts: float) -> int:
    return time.gmtime(ts).tm_mday


def test_same_seed_same_data_another_seed_other_data() -> None:
    first, again = build("consent-1", ANCHOR, DataSpec()), build("consent-1", ANCHOR, DataSpec())
    other = build("consent-2", ANCHOR, DataSpec())
    assert first == again
    assert [a.id for a in first.accounts] != [a.id for a in other.accounts]
    assert first.accounts[0].transactions != other.accounts[0].transactions


def test_default_accounts_have_owner_identifiers_and_90_days_newest_first() -> None:
    data = build("seed", ANCHOR, DataSpec())
    kinds = [a.kind for a in data.accounts]
    assert kinds == [AccountKind.CHECKING, AccountKind.SAVINGS, AccountKind.CARD]
    for account in data.accounts:
        assert account.currency == "GBP"
        assert account.owner == data.owner != ""
        assert valid_iban(account.iban)
        assert account.iban.startswith("GB")
        assert len(account.sort_code) == 6
        assert len(account.account_number) == 8
        assert account.iban.endswith(account.sort_code + account.account_number)
        times = [t.booked_at for t in account.transactions]
        assert times == sorted(times, reverse=True)
        assert all(ANCHOR - 90 * DAY <= t <= ANCHOR for t in times)
        assert len({t.id for t in account.transactions}) == len(account.transactions)


def test_checking_has_salary_on_the_25th_rent_on_the_1st_cards_and_a_few_pending() -> None:
    checking = build("seed", ANCHOR, DataSpec()).accounts[0]
    salaries = [t for t in checking.transactions if t.category == "salary"]
    rents = [t for t in checking.transactions if t.category == "rent"]
    # 2026-01-25 is a Sunday (paid Friday 23rd); 25 December and 25 November are weekdays.
    paid_on = [time.strftime("%m-%d", time.gmtime(t.booked_at)) for t in salaries]
    assert paid_on == ["01-23", "12-25", "11-25"]
    assert len(salaries) == 3
    assert all(t.amount_minor > 0 for t in salaries)
    assert len(rents) == 3
    assert all(day_of(t.booked_at) == 1 and t.amount_minor < 0 for t in rents)
    cards = [t for t in checking.transactions if t.text.startswith("CARD PAYMENT")]
    assert len(cards) > 100
    assert all(t.amount_minor < 0 for t in cards)
    pending = [t for t in checking.transactions if t.status is TxStatus.PENDING]
    assert 1 <= len(pending) <= 3
    assert all(ANCHOR - t.booked_at <= 3 * DAY for t in pending)
    assert all(t.value_at <= t.booked_at for t in checking.transactions)


def test_salary_moves_to_the_friday_before_a_weekend_25th() -> None:
    # 2026-10-25 is a Sunday: paid on Friday 23rd.
    anchor = 1_793_000_000.0  # 2026-10-27
    checking = build("seed", anchor, DataSpec()).accounts[0]
    paid = [time.gmtime(t.booked_at) for t in checking.transactions if t.category == "salary"]
    assert (paid[0].tm_mon, paid[0].tm_mday, paid[0].tm_wday) == (10, 23, 4)
    assert all(p.tm_wday < 5 for p in paid)


def test_balances_follow_from_the_transactions() -> None:
    spec = DataSpec(
        accounts=(
            FixedAccount(
                name="Joint",
                credit_limit_minor=50_000,
                transactions=(
                    FixedTransaction(amount_minor=100_000, days_ago=3, category="salary"),
                    FixedTransaction(amount_minor=-2_550, days_ago=1),
                    FixedTransaction(amount_minor=-1_000, status=TxStatus.PENDING),
                ),
            ),
        )
    )
    (joint,) = build("seed", ANCHOR, spec).accounts
    assert joint.booked_minor == 97_450
    assert joint.available_minor == 97_450 - 1_000 + 50_000
    assert [t.amount_minor for t in joint.transactions] == [-1_000, -2_550, 100_000]


def test_a_fixed_closing_balance_sets_the_opening_balance() -> None:
    spec = DataSpec(
        accounts=(
            FixedAccount(
                name="Fixed",
                balance_minor=12_345,
                transactions=(FixedTransaction(amount_minor=-345),),
            ),
        )
    )
    (account,) = build("seed", ANCHOR, spec).accounts
    assert (account.booked_minor, account.opening_minor) == (12_345, 12_690)


def test_count_currency_and_the_extra_accounts() -> None:
    spec = DataSpec(
        currency="EUR",
        transactions=25,
        empty_account=True,
        overdrawn_account=True,
        huge_account=10_000,
    )
    accounts = build("seed", ANCHOR, spec).accounts
    counts = {a.name: len(a.transactions) for a in accounts}
    assert counts == {
        "Current Account": 25,
        "Instant Saver": 2,
        "Rewards Credit Card": 25,
        "Empty Saver": 0,
        "Overdrawn Current Account": 25,
        "Business Account": 10_000,
    }
    assert all(
        a.currency == "EUR" and a.iban.startswith("DE") and not a.sort_code for a in accounts
    )
    assert all(valid_iban(a.iban) for a in accounts)
    empty, overdrawn = accounts[3], accounts[4]
    assert (empty.booked_minor, empty.available_minor) == (0, 0)
    assert overdrawn.booked_minor < 0 < overdrawn.available_minor


def test_no_accounts_at_all() -> None:
    assert build("seed", ANCHOR, DataSpec(accounts=())).accounts == []


def test_a_payment_follows_its_timeline_on_the_sandbox_clock() -> None:
    payment = Payment(
        id="p1",
        session_id="s1",
        amount_minor=1_000,
        currency="GBP",
        payee_name="Jane",
        reference="INV-1",
        created_at=100.0,
        timeline=(Step(100.0, PaymentStatus.PENDING), Step(400.0, PaymentStatus.COMPLETED)),
    )
    assert payment.status_at(99.0) is PaymentStatus.PENDING
    assert payment.status_at(399.0) is PaymentStatus.PENDING
    assert payment.status_at(400.0) is PaymentStatus.COMPLETED
    assert payment.changed_at(500.0) == 400.0


@pytest.mark.parametrize("seed", ["a", "b"])
def test_ten_thousand_transactions_are_generated_in_one_go(seed: str) -> None:
    (huge,) = build(seed, ANCHOR, DataSpec(accounts=(), huge_account=10_000)).accounts
    assert len(huge.transactions) == 10_000
    assert len({t.id for t in huge.transactions}) == 10_000
