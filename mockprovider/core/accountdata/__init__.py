"""The shared account-data engine: believable, deterministic accounts, balances, transactions
and payments for every provider to render in its own shape (the core knows no provider's
field names).

Public API (what a provider package calls):

- `await data_set(sandbox, session) -> DataSet`: the accounts (`DataSet.accounts`, each an
  `Account` with `transactions` newest first and `booked_minor` / `available_minor` balances)
  of a session whose AIS flow succeeded; generated from the session id (or the scenario's
  `data.seed`) as of the session's creation, shaped by its scenario's `data:` section, stored
  once. Raises `mockprovider.errors.DataUnavailable` (with `.status`) for a data failure.
- `await data_set_for(store, key, seed=, anchor=, spec=)`: the same for data keyed otherwise.
- `await create_payment(sandbox, session, amount_minor=, currency=, payee_name=, ...)` and
  `await get_payment(sandbox, payment_id)`: PIS payments; `payment.status_at(now)` follows the
  scenario's `payment:` timeline on the sandbox clock.
- `to_major(minor)`: minor units as a two-decimal number for JSON.
"""

from __future__ import annotations

from mockprovider.core.accountdata.model import (
    Account,
    AccountKind,
    DataSet,
    Payment,
    PaymentStatus,
    Step,
    Transaction,
    TxStatus,
    to_major,
)
from mockprovider.core.accountdata.service import (
    create_payment,
    data_set,
    data_set_for,
    data_spec,
    get_payment,
    payment_spec,
)
from mockprovider.core.accountdata.spec import DataFailure, DataSpec, PaymentSpec

__all__ = [
    "Account",
    "AccountKind",
    "DataFailure",
    "DataSet",
    "DataSpec",
    "Payment",
    "PaymentSpec",
    "PaymentStatus",
    "Step",
    "Transaction",
    "TxStatus",
    "create_payment",
    "data_set",
    "data_set_for",
    "data_spec",
    "get_payment",
    "payment_spec",
    "to_major",
]
