"""finAPI Access transactions: `GET /api/v1/transactions` (`view`, `accountIds`, booking date
and amount filters, `direction`, `search`, `page` / `perPage` / `order`: the file's
`PageableTransactionList`), `GET /api/v1/transactions/{id}` and `/{ids}`; a user token."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.accountdata import Transaction
from mockprovider.providers.finapi.accounts import mine, one_or_many, query_ids
from mockprovider.providers.finapi.connections import transaction_id
from mockprovider.providers.finapi.errors import access_error, json_response
from mockprovider.web.context import context

VIEWS = ("bankView", "userView")
ORDER_FIELDS = (
    *("id", "parentId", "accountId", "valueDate", "bankBookingDate", "finapiBookingDate"),
    *("amount", "purpose", "counterpartName", "counterpartIban"),
)
#: finAPI category per engine category [INF: finAPI's own category tree is not published here].
CATEGORIES = {
    "salary": (1, "Salary"),
    "rent": (2, "Rent"),
    "groceries": (3, "Groceries"),
    "eating_out": (4, "Restaurants"),
    "transport": (5, "Transport"),
    "shopping": (6, "Shopping"),
}


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.000")


def transaction_body(tx: Transaction, account_id: int, imported: float) -> dict[str, Any]:
    """A `Transaction`, keys in the schema's order; counterpart details the engine has no value
    for are null."""
    category_id, name = CATEGORIES.get(tx.category, (9, "Other"))
    amount = round(tx.amount_minor / 100, 2)
    return {
        "id": transaction_id(tx),
        "parentId": None,
        "accountId": account_id,
        "valueDate": stamp(tx.value_at),
        "bankBookingDate": stamp(tx.booked_at),
        "finapiBookingDate": stamp(tx.booked_at),
        "amount": amount,
        "currency": tx.currency,
        "purpose": tx.text or None,
        "counterpartName": tx.counterparty or None,
        "counterpartAccountNumber": None,
        "counterpartIban": None,
        "counterpartBlz": None,
        "counterpartBic": None,
        "counterpartBankName": None,
        "counterpartMandateReference": None,
        "counterpartCustomerReference": None,
        "counterpartCreditorId": None,
        "counterpartDebitorId": None,
        "type": "Lastschrift" if amount < 0 else "Gutschrift",
        "typeCodeZka": None,
        "typeCodeSwift": None,
        "sepaPurposeCode": None,
        "bankTransactionCode": None,
        "primanota": None,
        "category": {
            "id": category_id,
            "name": name,
            "parentId": None,
            "parentName": None,
            "isCustom": False,
            "children": None,
        },
        "labels": [],
        "isPotentialDuplicate": False,
        "isAdjustingEntry": False,
        "isNew": False,
        "importDate": stamp(imported),
        "children": None,
        "paypalData": None,
        "endToEndReference": None,
        "compensationAmount": None,
        "originalAmount": None,
        "originalCurrency": None,
        "differentDebitor": None,
        "differentCreditor": None,
    }


def _sort_key(field: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    """Nulls last, as an ascending SQL order would put them [INF]."""
    return lambda body: (body[field] is None, body[field] or 0)


async def _all(request: Request) -> list[tuple[Transaction, dict[str, Any]]]:
    _, found = await mine(request)
    return [
        (tx, transaction_body(tx, account_id, c.data.anchor))
        for c in found
        for account_id, account in c.accounts()
        for tx in account.transactions
        if not tx.pending  # finAPI lists booked transactions only [INF]
    ]


async def list_transactions(request: Request) -> Response:
    sandbox = context(request).sandbox
    rows = await _all(request)
    now = await sandbox.now()
    query = request.query_params

    def bad(message: str) -> Exception:
        """A 400 `ErrorMessage`."""
        return access_error(request, now, 400, "BAD_REQUEST", message)

    if query.get("view") not in VIEWS:
        raise bad("view is required: bankView or userView")
    found = [body for _, body in rows]
    wanted = set(query_ids(request, "accountIds"))
    if wanted:
        found = [b for b in found if str(b["accountId"]) in wanted]
    for name in ("minBankBookingDate", "maxBankBookingDate"):
        value = query.get(name, "")
        if value:
            try:
                datetime.strptime(value, "%Y-%m-%d")
            except ValueError:
                raise bad(f"{name} must be a date (YYYY-MM-DD)") from None
            if name.startswith("min"):
                found = [b for b in found if b["bankBookingDate"][:10] >= value]
            else:
                found = [b for b in found if b["bankBookingDate"][:10] <= value]
    for name, op in (("minAmount", 1), ("maxAmount", -1)):
        value = query.get(name, "")
        if value:
            try:
                limit = float(value)
            except ValueError:
                raise bad(f"{name} must be a number") from None
            found = [b for b in found if (b["amount"] - limit) * op >= 0]
    direction = query.get("direction", "all")
    if direction not in ("all", "income", "spending"):
        raise bad("direction must be all, income or spending")
    if direction != "all":
        found = [b for b in found if (b["amount"] > 0) == (direction == "income")]
    search = query.get("search", "").strip().lower()
    if search:
        found = [b for b in found if search in f"{b['purpose']} {b['counterpartName']}".lower()]
    orders = query.getlist("order") or ["id,asc"]
    for order in reversed(orders):
        field, _, way = order.partition(",")
        if field not in ORDER_FIELDS or way.lower() not in ("", "asc", "desc"):
            raise bad(f"order must be one of {', '.join(ORDER_FIELDS)}, then ,asc or ,desc")
        found.sort(key=_sort_key(field), reverse=way.lower() == "desc")
    page, per_page = query.get("page", "1") or "1", query.get("perPage", "20") or "20"
    if not (page.isdigit() and int(page) >= 1 and per_page.isdigit() and 1 <= int(per_page) <= 500):
        raise bad("page must be 1 or more, perPage from 1 to 500")
    p, n = int(page), int(per_page)
    income = round(sum(b["amount"] for b in found if b["amount"] > 0), 2)
    spending = round(sum(b["amount"] for b in found if b["amount"] < 0), 2)
    body = {
        "transactions": found[(p - 1) * n : p * n],
        "paging": {
            "page": p,
            "perPage": n,
            "pageCount": math.ceil(len(found) / n),
            "totalCount": len(found),
        },
        "income": income,
        "spending": spending,
        "balance": round(income + spending, 2),
    }
    return json_response(request, body)


async def get_transactions(request: Request) -> Response:
    rows = {body["id"]: body for _, body in await _all(request)}
    return await one_or_many(request, rows, "transactions", "Transaction")
