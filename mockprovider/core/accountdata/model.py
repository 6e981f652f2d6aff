"""The provider-neutral account data a bank would return after a consent: accounts with their
owner, identifiers and balances, their transactions, and the payments a PIS flow created.

Amounts are integers in minor units (cents, pence) so sums are exact; every currency is taken
to have two decimals (`to_major` turns minor units into a JSON-ready number). Times are unix
seconds on the sandbox clock. No provider's field names appear here: each provider renders
these objects in its own shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter


class AccountKind(StrEnum):
    """What kind of account it is; providers map it to their own enums."""

    CHECKING = "checking"
    SAVINGS = "savings"
    CARD = "card"  # a deferred-debit (charge / credit) card account
    BUSINESS = "business"  # a business current account


class TxStatus(StrEnum):
    BOOKED = "booked"
    PENDING = "pending"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


def to_major(minor: int) -> float:
    """Minor units as a number with two decimals, e.g. -1234 → -12.34."""
    return round(minor / 100, 2)


@dataclass(slots=True)
class Transaction:
    """One movement on an account; `amount_minor` is negative for money going out.

    `booked_at` is the booking date (for a pending item: when it was authorised), `value_at`
    the value date; both are unix seconds. `counterparty` is the other side (a merchant, an
    employer, a landlord), `text` the remittance information, `category` a lowercase word such
    as `salary`, `rent`, `groceries`."""

    id: str
    booked_at: float
    value_at: float
    amount_minor: int
    currency: str
    counterparty: str
    text: str
    category: str
    status: TxStatus = TxStatus.BOOKED

    @property
    def pending(self) -> bool:
        return self.status is TxStatus.PENDING


@dataclass(slots=True)
class Account:
    """One account and its transactions, newest first.

    `booked_minor` is the closing booked balance (opening balance plus every booked
    transaction); `available_minor` adds the pending ones and the `credit_limit_minor`
    (an overdraft or card limit). Identifiers: `iban` (may be empty), and for GBP accounts a
    `sort_code` (six digits) and `account_number` (eight digits)."""

    id: str
    name: str
    kind: AccountKind
    currency: str
    owner: str
    iban: str = ""
    sort_code: str = ""
    account_number: str = ""
    opening_minor: int = 0
    credit_limit_minor: int = 0
    transactions: list[Transaction] = field(default_factory=list)
    booked_minor: int = 0
    available_minor: int = 0

    def settle(self, *, sort: bool = True) -> None:
        """Sort transactions newest first (unless they already are) and recompute the
        balances from them."""
        if sort:
            self.transactions.sort(key=attrgetter("booked_at", "id"), reverse=True)
        booked = pending = 0
        for tx in self.transactions:
            if tx.status is TxStatus.PENDING:
                pending += tx.amount_minor
            else:
                booked += tx.amount_minor
        self.booked_minor = self.opening_minor + booked
        self.available_minor = self.booked_minor + pending + self.credit_limit_minor


@dataclass(slots=True)
class DataSet:
    """Everything the bank knows for one consent: its `accounts`, generated from `seed` as of
    `anchor` (the sandbox time the data ends at)."""

    seed: str
    anchor: float
    accounts: list[Account]

    def account(self, account_id: str) -> Account | None:
        """The account with this id, or None."""
        return next((a for a in self.accounts if a.id == account_id), None)

    @property
    def owner(self) -> str:
        """The account holder (the first account's owner)."""
        return self.accounts[0].owner if self.accounts else ""


@dataclass(frozen=True, slots=True)
class Step:
    """From sandbox time `at` on, the payment has `status`."""

    at: float
    status: PaymentStatus


@dataclass(slots=True)
class Payment:
    """A payment a PIS flow created: amount, payee, reference and its status over time.

    `payee_account` holds the payee's identifiers by neutral name (`iban`, `sort_code`,
    `account_number`); `extra` is the provider's own context (kept as given, never read by the
    core), e.g. the request it was created from."""

    id: str
    session_id: str
    amount_minor: int
    currency: str
    payee_name: str
    reference: str
    created_at: float
    timeline: tuple[Step, ...]
    payee_account: dict[str, str] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    def status_at(self, now: float) -> PaymentStatus:
        """The status at sandbox time `now` (the first step's before it)."""
        current = self.timeline[0].status
        for step in self.timeline:
            if step.at <= now:
                current = step.status
        return current

    def changed_at(self, now: float) -> float:
        """When the status seen at `now` began."""
        at = self.timeline[0].at
        for step in self.timeline:
            if step.at <= now:
                at = step.at
        return at
