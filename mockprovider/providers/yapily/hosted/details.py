"""What each flow adds to the common fields (spec §2.1-§2.4), and `authorisationExpiresAt`
(§5): checked, with the V2 400 for a violation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.providers.yapily.dates import parse_instant
from mockprovider.providers.yapily.hosted.bodies import (
    FREQUENCIES,
    IDEMPOTENCY,
    PAYMENT_TYPES,
    RISK_REQUIRED,
    Checker,
    amount,
)
from mockprovider.providers.yapily.hosted.settings import MAX_EXPIRY, MIN_EXPIRY
from mockprovider.providers.yapily.settings import AIS_SCOPE

DETAILS = "paymentRequestDetails."


def consent(body: Mapping[str, Any], check: Checker) -> dict[str, Any]:
    """`oneTimeToken` and `accountRequest` (§2.1); `featureScope` defaults as the direct flow."""
    if check.strict and "authorisationExpiresAt" in body:
        raise check.fail("authorisationExpiresAt: is not a field of this request")
    request = check.obj(body, "accountRequest", "", required=False)
    scope = request.get("featureScope")
    if scope is not None and not (
        isinstance(scope, list) and all(isinstance(s, str) for s in scope)
    ):
        raise check.fail("accountRequest.featureScope: must be a list of feature names")
    details = {
        k: request[k] for k in ("transactionFrom", "transactionTo", "expiresAt") if k in request
    }
    return {
        "oneTimeToken": check.flag(body, "oneTimeToken"),
        "featureScope": list(scope) if scope else list(AIS_SCOPE),
        "accountRequestDetails": details
        | {"featureScope": list(scope) if scope else list(AIS_SCOPE)},
    }


def payment(body: Mapping[str, Any], check: Checker) -> dict[str, Any]:
    """`paymentRequestDetails` of `/hosted/payment-requests` (§2.2): idempotency id, type,
    payee and amountDetails required."""
    details = check.obj(body, "paymentRequestDetails", "", required=True)
    idempotency = check.text(details, "paymentIdempotencyId", DETAILS, required=True)
    if not IDEMPOTENCY.fullmatch(idempotency or ""):
        raise check.fail(f"{DETAILS}paymentIdempotencyId: must be 1-35 letters or digits")
    kind = check.text(details, "type", DETAILS, required=True)
    if kind not in PAYMENT_TYPES:
        raise check.fail(f"{DETAILS}type: {kind} is not a payment type")
    _payee(details, check, required=True)
    echoed = dict(details)
    echoed["amountDetails"] = amount(details, DETAILS, check, schema_key="amountToPay")
    return {"paymentRequestDetails": echoed}


def link(body: Mapping[str, Any], check: Checker) -> dict[str, Any]:
    """`paymentRequestDetails` of `/links` (§2.3): nothing required inside, but what is given is
    checked; the schema's key is `amount`, the example's `amountToPay`."""
    details = check.obj(body, "paymentRequestDetails", "", required=True)
    kind = details.get("type")
    if kind is not None and (
        not isinstance(kind, str) or kind not in PAYMENT_TYPES or kind == "BULK_PAYMENT"
    ):
        raise check.fail(f"{DETAILS}type: {kind} is not a payment type for a link")
    _payee(details, check, required=False)
    echoed = dict(details)
    if "amountDetails" in details:
        echoed["amountDetails"] = amount(details, DETAILS, check, schema_key="amount")
    return {"paymentRequestDetails": echoed}


def _payee(details: Mapping[str, Any], check: Checker, *, required: bool) -> None:
    payee = check.obj(details, "payee", DETAILS, required=required)
    if not payee:
        return
    check.text(payee, "name", f"{DETAILS}payee.", required=True)
    identifications = payee.get("accountIdentifications")
    if not isinstance(identifications, list) or not identifications:
        raise check.fail(f"{DETAILS}payee.accountIdentifications: is required")


def vrp(body: Mapping[str, Any], check: Checker) -> dict[str, Any]:
    """`controlParameters`, `riskDetails`, `initiationDetails`, `oneTimeToken` (§2.4);
    `periodicLimit.maxAmount` (the example's key) is read as `totalMaxAmount`."""
    control = check.obj(body, "controlParameters", "", required=True)
    path = "controlParameters."
    per_payment = check.obj(control, "maxAmountPerPayment", path, required=True)
    _money(per_payment, f"{path}maxAmountPerPayment.", check)
    limit = dict(check.obj(control, "periodicLimit", path, required=True))
    if limit.get("frequency") not in FREQUENCIES:
        raise check.fail(
            f"{path}periodicLimit.frequency: must be one of {', '.join(sorted(FREQUENCIES))}"
        )
    if "totalMaxAmount" not in limit and "maxAmount" in limit and not check.strict:
        limit["totalMaxAmount"] = limit.pop("maxAmount")
    total = check.obj(limit, "totalMaxAmount", f"{path}periodicLimit.", required=True)
    _money(total, f"{path}periodicLimit.totalMaxAmount.", check)
    risk = check.obj(body, "riskDetails", "", required=True)
    for key in RISK_REQUIRED:
        if risk.get(key) is None:
            raise check.fail(f"riskDetails.{key}: is required")
    return {
        "oneTimeToken": check.flag(body, "oneTimeToken"),
        "controlParameters": control | {"periodicLimit": limit},
        "riskDetails": risk,
        "initiationDetails": check.obj(body, "initiationDetails", "", required=False),
    }


def _money(value: Mapping[str, Any], path: str, check: Checker) -> None:
    number = value.get("amount")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise check.fail(f"{path}amount: is required and must be a number")
    check.text(value, "currency", path, required=True)


def expiry(body: Mapping[str, Any], check: Checker, flow: str, now: float) -> float:
    """When the hostedUrl expires (§5): `authorisationExpiresAt` if given (links and, outside
    strict mode, consents), 10 min - 30 days ahead; else the flow's default."""
    settings = check.settings
    default = settings["hosted_link_expiry"] if flow == "link" else settings["hosted_expiry"]
    given = body.get("authorisationExpiresAt") if flow in ("link", "consent") else None
    if given is None:
        return now + float(default)
    moment = parse_instant(given)
    if moment is None or "T" not in str(given):
        raise check.fail(
            "authorisationExpiresAt: must be an ISO-8601 date-time such as 2021-06-10T11:36:54.887Z"
        )
    if not now + MIN_EXPIRY <= moment <= now + MAX_EXPIRY:
        raise check.fail(
            "authorisationExpiresAt: must be between 10 minutes and 30 days in the future"
        )
    return moment
