"""Bridge v3 account and transaction resources, keys in the order of Bridge's guide examples
(docs.bridgeapi.io/docs/manage-your-accounts, …/docs/manage-your-transactions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockprovider.clock import iso_millis
from mockprovider.core.accountdata import Account, Transaction, to_major
from mockprovider.providers.bridge import data

#: `category_id` per engine category [INF: Bridge's category ids are its own].
CATEGORY_IDS = {
    "salary": 230,
    "rent": 247,
    "utilities": 217,
    "phone": 220,
    "tax": 206,
    "groceries": 273,
    "eating_out": 83,
    "transport": 196,
    "shopping": 186,
    "health": 163,
    "fuel": 87,
    "entertainment": 242,
    "transfer": 326,
    "interest": 271,
}
OPERATIONS = {"card": "card", "transfer": "transfer", "salary": "transfer", "rent": "transfer"}


def day(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def account_body(
    item_id: int, index: int, account: Account, provider: int, at: float
) -> dict[str, Any]:
    """The account resource, keys in the guide's example order."""
    return {
        "id": data.account_id(item_id, index),
        "name": account.name,
        "balance": to_major(account.booked_minor),
        "accounting_balance": to_major(account.booked_minor),
        "instant_balance": to_major(data.instant_minor(account)),
        "updated_at": iso_millis(at),
        "last_refresh_status": "successful",
        "type": data.TYPES[account.kind],
        "currency_code": account.currency,
        "item_id": item_id,
        "provider_id": provider,
        "data_access": "enabled",
        "pro": account.kind.value == "business",
        "iban": account.iban or None,
        "iban_filled_manually": False,
    }


def transaction_body(tx: Transaction, account_id: int, at: float) -> dict[str, Any]:
    """The transaction resource; `future` for a pending one [INF]."""
    return {
        "id": data.transaction_id(tx),
        "clean_description": tx.counterparty or tx.text,
        "provider_description": tx.text or tx.counterparty,
        "amount": to_major(tx.amount_minor),
        "date": day(tx.booked_at),
        "booking_date": day(tx.booked_at),
        "transaction_date": day(tx.booked_at),
        "value_date": day(tx.value_at),
        "updated_at": iso_millis(at),
        "currency_code": tx.currency,
        "deleted": False,
        "category_id": CATEGORY_IDS.get(tx.category, 1),
        "operation_type": OPERATIONS.get(tx.category, "card" if "CARD" in tx.text else "other"),
        "account_id": account_id,
        "future": tx.pending,
    }
