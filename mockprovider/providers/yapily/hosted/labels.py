"""What the dashboard and the bank page show of a hosted request: its provider status (the
GETs' `status`, §4) and the payment the sandbox bank asks to authorise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.providers.yapily.hosted import phases
from mockprovider.providers.yapily.views import consent_status


def hosted_label(session: Session) -> str:
    """`hosted consent AUTHORIZED`, `hosted payment ACTIVE PENDING`, `hosted vrp succeed`."""
    data = session.data
    flow = str(data["hosted"])
    if flow == "consent":
        return f"hosted consent {consent_status(session)}"
    if flow == "vrp":
        current = data["vrpStatus"][0]
        if session.status is SessionStatus.EXPIRED and current in ("created", "awaiting"):
            current = "expired"
        return f"hosted vrp {current}"
    payments = data.get("payments") or []
    last = payments[-1]["phases"] if payments else []
    state = "INACTIVE" if session.status is SessionStatus.EXPIRED else "ACTIVE"
    # the latest phase recorded (the clock is not read here); settlement may still be due
    paid = phases.payment_status(last, float("inf")) if last else "no payment yet"
    return f"hosted {flow} {state} {paid}"


def hosted_payment(data: Mapping[str, Any]) -> dict[str, Any]:
    """A hosted payment's details in the shape the bank page shows (`amount`, payee,
    reference), or {} for other requests."""
    details = data.get("paymentRequestDetails") or {}
    money = details.get("amountDetails") or {}
    if not money:
        return {}
    value = money.get("amountToPay", money.get("amount"))
    return {
        "amount": {"amount": value, "currency": money.get("currency")},
        "payee": details.get("payee"),
        "reference": details.get("reference"),
    }
