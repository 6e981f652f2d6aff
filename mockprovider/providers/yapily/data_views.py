"""The account data engine's neutral objects in Yapily's shapes (`Account`, `AccountBalance`,
`Transaction`, `Identity`, `PaymentResponse` of yapily.json 12.13.0)."""

from __future__ import annotations

from typing import Any

from mockprovider.clock import iso_millis
from mockprovider.core.accountdata import Account, AccountKind, Payment, Transaction, to_major

#: kind → (Account.type text, usageType, accountType)
KINDS = {
    AccountKind.CHECKING: ("Personal - Current", "PERSONAL", "CURRENT"),
    AccountKind.SAVINGS: ("Personal - Savings", "PERSONAL", "SAVINGS"),
    AccountKind.CARD: ("Personal - Credit Card", "PERSONAL", "CREDIT_CARD"),
    AccountKind.BUSINESS: ("Business - Current", "BUSINESS", "CURRENT"),
}
PAYMENT_STATUS = {"pending": "PENDING", "completed": "COMPLETED", "failed": "FAILED"}


def amount(minor: int, currency: str) -> dict[str, Any]:
    return {"amount": to_major(minor), "currency": currency}


def identifications(account: Account) -> list[dict[str, str]]:
    found = []
    if account.sort_code:
        found.append({"type": "SORT_CODE", "identification": account.sort_code})
    if account.account_number:
        found.append({"type": "ACCOUNT_NUMBER", "identification": account.account_number})
    if account.iban:
        found.append({"type": "IBAN", "identification": account.iban})
    return found


def balances(account: Account, at: float) -> list[dict[str, Any]]:
    """Booked, then available (with the credit line, as `EXPECTED` in modelo's example [OBS])."""
    cur, limit = account.currency, account.credit_limit_minor
    lines = [{"type": "PRE_AGREED", "creditLineAmount": amount(limit, cur)}] if limit else []
    when = iso_millis(at)
    return [
        {
            "type": "CLOSING_BOOKED",
            "dateTime": when,
            "balanceAmount": amount(account.booked_minor, cur),
            "creditLineIncluded": False,
            "creditLines": [],
        },
        {
            "type": "CLOSING_AVAILABLE",
            "dateTime": when,
            "balanceAmount": amount(account.available_minor, cur),
            "creditLineIncluded": bool(limit),
            "creditLines": lines,
        },
    ]


def account_view(account: Account, at: float) -> dict[str, Any]:
    text, usage, kind = KINDS[account.kind]
    return {
        "id": account.id,
        "type": text,
        "description": account.name,
        "balance": to_major(account.booked_minor),
        "currency": account.currency,
        "usageType": usage,
        "accountType": kind,
        "nickname": account.name,
        "accountNames": [{"name": account.owner}],
        "accountIdentifications": identifications(account),
        "accountBalances": balances(account, at),
    }


def transaction_view(tx: Transaction, institution: str) -> dict[str, Any]:
    booked = iso_millis(tx.booked_at)
    view: dict[str, Any] = {
        "id": tx.id,
        "date": booked,
        "bookingDateTime": booked,
        "valueDateTime": iso_millis(tx.value_at),
        "status": "PENDING" if tx.pending else "BOOKED",
        "amount": to_major(tx.amount_minor),
        "currency": tx.currency,
        "transactionAmount": amount(tx.amount_minor, tx.currency),
        "reference": tx.text,
        "description": f"{tx.counterparty} {tx.text}".strip(),
        "transactionInformation": [tx.text] if tx.text else [],
        "proprietaryBankTransactionCode": {"code": tx.category.upper(), "issuer": institution},
    }
    if tx.text.startswith("CARD PAYMENT"):
        view["merchant"] = {"merchantName": tx.counterparty}
    return view


def identity_view(owner: str, user_uuid: str) -> dict[str, Any]:
    first, _, last = owner.partition(" ")
    return {
        "id": user_uuid,
        "firstName": first,
        "lastName": last,
        "fullName": owner,
        "addresses": [
            {
                "addressLines": ["1 Sandbox Street"],
                "city": "London",
                "postalCode": "EC1A 1BB",
                "country": "GB",
                "type": "RESIDENTIAL",
            }
        ],
    }


def payment_view(payment: Payment, now: float) -> dict[str, Any]:
    """`PaymentResponse`: the status the payment has at sandbox time `now`."""
    status = PAYMENT_STATUS[payment.status_at(now).value]
    extra = payment.extra
    ids = [
        {"type": k.upper(), "identification": v}
        for k, v in payment.payee_account.items()
        if k in ("iban", "sort_code", "account_number")
    ]
    view = {
        "id": payment.id,
        "institutionConsentId": extra.get("institutionConsentId"),
        "paymentIdempotencyId": extra.get("paymentIdempotencyId"),
        "status": status,
        "statusDetails": {
            "status": status,
            "statusUpdateDate": iso_millis(payment.changed_at(now)),
        },
        "payeeDetails": {"name": payment.payee_name, "accountIdentifications": ids},
        "reference": payment.reference or None,
        "amount": to_major(payment.amount_minor),
        "currency": payment.currency,
        "amountDetails": amount(payment.amount_minor, payment.currency),
        "createdAt": iso_millis(payment.created_at),
    }
    return {k: v for k, v in view.items() if v is not None}
