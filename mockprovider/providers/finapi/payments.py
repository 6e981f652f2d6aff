"""finAPI Access payments: `GET /api/v1/payments` (`ids`, `minAmount`, `maxAmount`, `status`,
`page`, `perPage`) after a completed payment web form (`finapi-access.yaml` 1.151.1:
`PageablePaymentResources`, `Payment`).

The payment is `payload.paymentId`; its status follows the scenario's `payment:` timeline
(the shared account-data engine's `PaymentSpec`, default: completed at once) from the web
form's completion on the sandbox clock: engine `pending` → `PENDING`, `completed` →
`SUCCESSFUL`, `failed` → `NOT_SUCCESSFUL` [INF].
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.accountdata import Payment, PaymentStatus, Step, payment_spec
from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session
from mockprovider.providers.finapi.accounts import query_ids
from mockprovider.providers.finapi.auth import NAME, require_access_user
from mockprovider.providers.finapi.errors import access_error, json_response
from mockprovider.providers.finapi.listing import SCAN_LIMIT
from mockprovider.providers.finapi.transactions import stamp
from mockprovider.providers.finapi.webforms import visible_to
from mockprovider.web.context import context

STATUSES = {
    PaymentStatus.PENDING: "PENDING",
    PaymentStatus.COMPLETED: "SUCCESSFUL",
    PaymentStatus.FAILED: "NOT_SUCCESSFUL",
}
PAYMENT_TYPES = ("STANDALONE_PAYMENT", "PAYMENT_WITH_ACCOUNT_ID")


def payment_of(sandbox: Sandbox, session: Session) -> Payment:
    """The engine's payment of a completed payment web form, its timeline from completion."""
    data = session.data
    at = float(data.get("completed_at", session.created_at))
    orders = data.get("orders") or []
    total = sum((Decimal(o["amount"]) for o in orders), Decimal(0))
    spec = payment_spec(sandbox, session)
    return Payment(
        id=str(data["payload"]["paymentId"]),
        session_id=session.id,
        amount_minor=int(total * 100),
        currency=str(orders[0]["currency"]) if orders else "EUR",
        payee_name=str(orders[0]["recipient"]) if orders else "",
        reference=str(orders[0]["purpose"]) if orders else "",
        created_at=at,
        timeline=tuple(Step(at + after, status) for after, status in spec.timeline),
    )


def payment_body(payment: Payment, orders: int, now: float) -> dict[str, Any]:
    status = payment.status_at(now)
    done = status is not PaymentStatus.PENDING
    return {
        "id": int(payment.id),
        "accountId": None,
        "iban": None,
        "type": "MONEY_TRANSFER",
        "amount": round(payment.amount_minor / 100, 2),
        "orderCount": orders,
        "status": STATUSES[status],
        "bankMessage": None,
        "requestDate": stamp(payment.created_at),
        "executionDate": stamp(payment.changed_at(now)) if done else None,
        "instructedExecutionDate": None,
    }


async def list_payments(request: Request) -> Response:
    sandbox = context(request).sandbox
    user = await require_access_user(request, sandbox)
    now = await sandbox.now()
    rows = []
    for session in reversed(await sandbox.list_sessions(NAME, limit=SCAN_LIMIT)):
        data = session.data
        if data.get("type") not in PAYMENT_TYPES or not visible_to(session, user):
            continue
        if data.get("status") != "COMPLETED":
            continue
        orders = len(data.get("orders") or [])
        rows.append(payment_body(payment_of(sandbox, session), orders, now))
    wanted = set(query_ids(request, "ids"))
    statuses = set(query_ids(request, "status"))
    try:
        low = float(request.query_params.get("minAmount") or "-inf")
        high = float(request.query_params.get("maxAmount") or "inf")
    except ValueError:
        raise access_error(request, now, 400, "BAD_REQUEST", "amounts must be numbers") from None
    rows = [
        r
        for r in sorted(rows, key=lambda r: int(r["id"]))
        if (not wanted or str(r["id"]) in wanted)
        and (not statuses or r["status"] in statuses)
        and low <= r["amount"] <= high
    ]
    page = request.query_params.get("page", "1") or "1"
    per_page = request.query_params.get("perPage", "20") or "20"
    if not (page.isdigit() and int(page) >= 1 and per_page.isdigit() and 1 <= int(per_page) <= 500):
        raise access_error(request, now, 400, "BAD_REQUEST", "page ≥ 1, perPage 1 to 500")
    p, n = int(page), int(per_page)
    paging = {
        "page": p,
        "perPage": n,
        "pageCount": math.ceil(len(rows) / n),
        "totalCount": len(rows),
    }
    return json_response(request, {"payments": rows[(p - 1) * n : p * n], "paging": paging})
