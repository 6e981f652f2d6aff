"""Yapily payments kept by the account-data engine: created by `POST /payments`, read by
`GET /payments/{paymentId}/details` with the status they have on the sandbox clock."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.accountdata import Payment, PaymentStatus, create_payment, get_payment
from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session
from mockprovider.errors import Conflict
from mockprovider.providers.yapily import data_views, errors, views, webhook_registry, webhooks
from mockprovider.providers.yapily.auth_requests import NAME, json_body
from mockprovider.providers.yapily.consents import consent_of_request
from mockprovider.web.context import context

IDENTIFICATION_KEYS = {"IBAN": "iban", "SORT_CODE": "sort_code", "ACCOUNT_NUMBER": "account_number"}


async def record(sandbox: Sandbox, session: Session, body: dict[str, Any]) -> Payment:
    """Keep the payment of the consent's `paymentRequest` (its idempotency id may come from
    the execution body)."""
    request = session.data.get("paymentRequest") or {}
    amount = request.get("amount") or {}
    payee = request.get("payee") or {}
    accounts = {
        IDENTIFICATION_KEYS[i["type"]]: str(i.get("identification", ""))
        for i in payee.get("accountIdentifications") or []
        if isinstance(i, dict) and i.get("type") in IDENTIFICATION_KEYS
    }
    idempotency = body.get("paymentIdempotencyId") or request.get("paymentIdempotencyId")
    return await create_payment(
        sandbox,
        session,
        payment_id="pv3-" + uuid.uuid4().hex[:20],
        amount_minor=round(float(amount.get("amount") or 0) * 100),
        currency=str(amount.get("currency") or "GBP"),
        payee_name=str(payee.get("name") or ""),
        reference=str(request.get("reference") or ""),
        payee_account=accounts,
        extra={
            "institutionConsentId": session.data.get("institutionConsentId"),
            "paymentIdempotencyId": idempotency,
        },
    )


async def execute_payment(request: Request) -> Response:
    """`POST /payments` with header `consent` (§2.2): the payment is kept by the account-data
    engine with the status timeline of the session's scenario (default: COMPLETED at once, as
    sandbox banks do, §9.1 note [DOC S17]); the consent becomes CONSUMED [INF]; the final
    status's webhook (`payment.state.success` / `.failed`, §7) is due when it is reached."""
    sandbox = context(request).sandbox
    session, settings = await consent_of_request(request)
    body = await json_body(request)
    if session.data.get("type") != "PIS" or views.consent_status(session) != "AUTHORIZED":
        raise errors.legacy(403, f"Consent is {views.consent_status(session)}, not AUTHORIZED")
    now = await sandbox.now()
    if not await sandbox.claim_once(f"{NAME}:payment", session.id, now + 86400 * 365):
        raise errors.legacy(403, "Consent has already been used")  # single-use PIS [DOC S13]
    payment = await record(sandbox, session, body)
    final = payment.timeline[-1]
    messages = []
    if final.status is not PaymentStatus.PENDING:
        kind = webhooks.FAILED if final.status is PaymentStatus.FAILED else webhooks.SUCCESS
        event = {"paymentId": payment.id, "status": data_views.PAYMENT_STATUS[final.status]}
        found = await webhook_registry.messages_for(sandbox, settings, kind, event)
        messages = [dataclasses.replace(m, delay=final.at - now) for m in found]
    view = data_views.payment_view(payment, now)
    data = {"consent_status": "CONSUMED", "payment": view, "paymentId": payment.id}
    try:
        await sandbox.progress(session, "payment executed", data=data, messages=messages)
    except Conflict:
        raise errors.legacy(409, "The consent changed while the payment was executed") from None
    return views.json_response(views.envelope(view), 201)


async def payment_details(request: Request) -> Response:
    """200 `ApiResponseOfPaymentResponses` for a payment made with the consent in the `consent`
    header; an unknown payment, or one made with another consent, gets the legacy 404."""
    sandbox = context(request).sandbox
    session, _ = await consent_of_request(request)
    payment_id = request.path_params["paymentId"]
    payment = await get_payment(sandbox, payment_id)
    if payment is None or payment.session_id != session.id:
        raise errors.legacy(404, f"Payment {payment_id} not found")
    view = data_views.payment_view(payment, await sandbox.now())
    return views.json_response(views.envelope({"payments": [view]}))


def routes() -> list[BaseRoute]:
    return [
        Route("/payments", execute_payment, methods=["POST"], name="payments"),
        Route(
            "/payments/{paymentId}/details",
            payment_details,
            methods=["GET"],
            name="payment_details",
        ),
    ]
