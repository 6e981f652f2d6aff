"""Data sets and payments as JSON-ready documents for the store (compact: one list per
transaction, so a 10,000-transaction account stays small and quick to decode)."""

from __future__ import annotations

from typing import Any

from mockprovider.core.accountdata.model import (
    Account,
    AccountKind,
    DataSet,
    Payment,
    PaymentStatus,
    Step,
    Transaction,
    TxStatus,
)

VERSION = 1
_ACCOUNT_FIELDS = (
    "id",
    "name",
    "currency",
    "owner",
    "iban",
    "sort_code",
    "account_number",
    "opening_minor",
    "credit_limit_minor",
)


def encode_data_set(data: DataSet) -> dict[str, Any]:
    """The document `decode_data_set` reads back."""
    return {
        "v": VERSION,
        "seed": data.seed,
        "anchor": data.anchor,
        "accounts": [_encode_account(a) for a in data.accounts],
    }


def _encode_account(account: Account) -> dict[str, Any]:
    doc: dict[str, Any] = {k: getattr(account, k) for k in _ACCOUNT_FIELDS}
    doc["kind"] = account.kind.value
    cur = account.currency
    doc["tx"] = [
        [
            t.id,
            t.booked_at,
            t.value_at,
            t.amount_minor,
            t.counterparty,
            t.text,
            t.category,
            1 if t.status is TxStatus.PENDING else 0,
            *(() if t.currency == cur else (t.currency,)),
        ]
        for t in account.transactions
    ]
    return doc


def decode_data_set(doc: dict[str, Any]) -> DataSet:
    """The data set stored by `encode_data_set`; balances are recomputed."""
    return DataSet(str(doc["seed"]), float(doc["anchor"]), [_account(a) for a in doc["accounts"]])


def _account(doc: dict[str, Any]) -> Account:
    account = Account(**{k: doc[k] for k in _ACCOUNT_FIELDS}, kind=AccountKind(doc["kind"]))
    cur, booked, pending = account.currency, TxStatus.BOOKED, TxStatus.PENDING
    account.transactions = [
        Transaction(
            row[0],
            row[1],
            row[2],
            row[3],
            row[8] if len(row) > 8 else cur,
            row[4],
            row[5],
            row[6],
            pending if row[7] else booked,
        )
        for row in doc["tx"]
    ]
    account.settle(sort=False)
    return account


def encode_payment(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "session_id": payment.session_id,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "payee_name": payment.payee_name,
        "payee_account": dict(payment.payee_account),
        "reference": payment.reference,
        "created_at": payment.created_at,
        "timeline": [[s.at, s.status.value] for s in payment.timeline],
        "extra": dict(payment.extra),
    }


def decode_payment(doc: dict[str, Any]) -> Payment:
    timeline = tuple(Step(float(at), PaymentStatus(status)) for at, status in doc["timeline"])
    return Payment(
        id=doc["id"],
        session_id=doc["session_id"],
        amount_minor=int(doc["amount_minor"]),
        currency=doc["currency"],
        payee_name=doc["payee_name"],
        reference=doc["reference"],
        created_at=float(doc["created_at"]),
        timeline=timeline,
        payee_account=dict(doc.get("payee_account") or {}),
        extra=dict(doc.get("extra") or {}),
    )
