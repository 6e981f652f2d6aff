"""What a scenario says about the data: the `data:` and `payment:` sections of its YAML file,
already validated (see `accountdata.yaml`). With no spec the generator's defaults apply."""

from __future__ import annotations

from dataclasses import dataclass

from mockprovider.core.accountdata.model import AccountKind, PaymentStatus, TxStatus

#: Transactions in the `huge_account: true` account (enough to page through).
HUGE_DEFAULT = 10_000
#: The most transactions one account may be given.
MAX_TRANSACTIONS = 100_000
#: Days of history the generator spreads transactions over.
HISTORY_DAYS = 90


@dataclass(frozen=True)
class FixedTransaction:
    """A transaction written out in the scenario. `days_ago` (relative to the data's anchor)
    or `date` (ISO date or date-time, UTC) place it; `value_days_ago`/`value_date` likewise for
    the value date (default: the booking date)."""

    amount_minor: int
    id: str | None = None
    date: float | None = None
    days_ago: float | None = None
    value_date: float | None = None
    value_days_ago: float | None = None
    currency: str | None = None
    counterparty: str = ""
    text: str = ""
    category: str = "other"
    status: TxStatus = TxStatus.BOOKED


@dataclass(frozen=True)
class FixedAccount:
    """An account written out in the scenario; fields left out are generated. `balance_minor`
    is the closing booked balance (default: the sum of its booked transactions); `generate`
    adds that many generated transactions to the fixed ones."""

    name: str
    kind: AccountKind = AccountKind.CHECKING
    id: str | None = None
    currency: str | None = None
    iban: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    owner: str | None = None
    balance_minor: int | None = None
    credit_limit_minor: int = 0
    transactions: tuple[FixedTransaction, ...] = ()
    generate: int = 0


@dataclass(frozen=True)
class DataFailure:
    """The bank errors on every data call: `status` is the HTTP status the institution
    answered with, `message` its text."""

    status: int = 500
    message: str = "The institution could not process the request"


@dataclass(frozen=True)
class DataSpec:
    """The `data:` section. `accounts` replaces the generated accounts; `transactions` is how
    many each generated account gets (default: a believable 90 days); `empty_account`,
    `overdrawn_account` and `huge_account` (a transaction count, 0 = none) add one account
    each; `failure` makes every data call fail."""

    seed: str | None = None
    currency: str | None = None
    transactions: int | None = None
    accounts: tuple[FixedAccount, ...] | None = None
    empty_account: bool = False
    overdrawn_account: bool = False
    huge_account: int = 0
    failure: DataFailure | None = None


@dataclass(frozen=True)
class PaymentSpec:
    """The `payment:` section: the statuses a payment goes through, each `after` seconds from
    its creation on the sandbox clock (the first one usually after 0)."""

    timeline: tuple[tuple[float, PaymentStatus], ...] = ((0.0, PaymentStatus.COMPLETED),)

    @property
    def final(self) -> PaymentStatus:
        return self.timeline[-1][1]


DEFAULT_DATA = DataSpec()
DEFAULT_PAYMENT = PaymentSpec()
