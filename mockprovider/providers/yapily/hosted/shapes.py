"""The JSON the hosted calls answer with (spec §2.1-§2.4 create responses, §4.1-§4.3 GETs):
keys in the OpenAPI schemas' order, absent values left out (§4.1 sandbox choice)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.providers.yapily.hosted import phases
from mockprovider.providers.yapily.tokens import hs256_jwt
from mockprovider.providers.yapily.views import consent_status, envelope

ID_KEYS = {
    "consent": "consentRequestId",
    "payment": "paymentRequestId",
    "link": "paymentRequestId",
    "vrp": "requestId",
}


def _pick(values: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: values[k] for k in keys if values.get(k) not in (None, {}, [])}


def _values(session: Session) -> dict[str, Any]:
    data = session.data
    return {**data, ID_KEYS[data["hosted"]]: session.id, "userId": data["userUuid"]}


def created(session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The 201 body of a create call."""
    values, flow = _values(session), session.data["hosted"]
    head = (ID_KEYS[flow], "userId", "applicationUserId", "applicationId")
    common = ("institutionIdentifiers", "userSettings", "redirectUrl")
    tail = ("hostedUrl", "createdAt", "authorisationExpiresAt")
    if flow == "consent":
        return envelope(_pick(values, head + common + ("accountRequestDetails",) + tail))
    if flow == "vrp":
        return envelope(
            _pick(values, ("requestId", "institutionIdentifiers", "userSettings", *tail))
        )
    body = _pick(values, head + common + ("paymentRequestDetails",) + tail) | {"status": "ACTIVE"}
    if settings["hosted_emit_auth_token"]:  # the example's authToken (§2.2 switch)
        body["authToken"] = hs256_jwt({"sub": session.id}, str(settings["consent_token_key"]))
    return envelope(body)


def consent_request(session: Session, now: float, settings: Mapping[str, Any]) -> dict[str, Any]:
    """`GET /hosted/consent-requests/{id}` (§4.1): `consentId`/`consentToken` once authorised."""
    values = _values(session) | {
        "status": consent_status(session),
        "phases": phases.visible(session.data["phases"], now),
    }
    keys: tuple[str, ...] = (
        "consentRequestId",
        "consentId",
        "userId",
        "applicationUserId",
        "applicationId",
    )
    keys += ("institutionIdentifiers", "userSettings", "redirectUrl", "createdAt")
    keys += ("authorisationExpiresAt", "status", "phases", "consentToken")
    body = _pick(values, keys)
    if settings["hosted_consent_status_alias"]:
        body["consentStatus"] = body["status"]
    return envelope(body)


def payment_request(session: Session, now: float) -> dict[str, Any]:
    """`GET /hosted/payment-requests/{id}` (§4.2): request `status` and `payments[]`."""
    payments = [_payment(p, now) for p in session.data.get("payments") or []]
    done = any(p["paymentStatus"] == "COMPLETED" for p in payments)
    inactive = session.status is SessionStatus.EXPIRED or (
        session.data["hosted"] == "link" and done
    )
    values = _values(session) | {
        "status": "INACTIVE" if inactive else "ACTIVE",
        "payments": payments,
    }
    keys: tuple[str, ...] = ("paymentRequestId", "userId", "applicationUserId", "applicationId")
    keys += ("institutionIdentifiers", "userSettings", "redirectUrl", "paymentRequestDetails")
    keys += ("createdAt", "authorisationExpiresAt", "status")
    return envelope(_pick(values, keys) | {"payments": payments})


def _payment(entry: Mapping[str, Any], now: float) -> dict[str, Any]:
    values = dict(entry) | {
        "phases": phases.visible(entry["phases"], now),
        "paymentStatus": phases.payment_status(entry["phases"], now),
        "statusDetails": phases.status_details(entry.get("statusDetails") or [], now),
    }
    keys: tuple[str, ...] = (
        "paymentId",
        "hostedPaymentId",
        "consentId",
        "institutionIdentifiers",
        "phases",
    )
    keys += ("paymentStatus", "statusDetails", "institutionPaymentId", "paymentIdempotencyId")
    keys += ("reference", "contextType", "type", "payee", "payer", "amount")
    return _pick(values, keys) | {"paymentStatus": values["paymentStatus"]}


def vrp_request(session: Session, now: float) -> dict[str, Any]:
    """`GET /hosted/vrp-requests/commercial/{id}` (§4.3): `{"data": …}` without `meta`."""
    data = session.data
    current, at = data["vrpStatus"]
    if session.status is SessionStatus.EXPIRED and current in ("created", "awaiting"):
        current, at = "expired", session.expires_at
    status: dict[str, Any] = {
        "currentStatus": current,
        "statusUpdatedAt": phases.iso(at),
        "tppNotified": bool(data.get("tppNotified")),
        "qrScanned": False,
    }
    if data.get("errorCode"):
        status["errorCode"] = data["errorCode"]
    body = _pick(
        _values(session) | {"requestType": "vrp", "tppRedirectUrl": data["redirectUrl"]},
        ("requestType", "requestId", "applicationId", "userId", "applicationUserId"),
    )
    body |= _pick(
        data | {"tppRedirectUrl": data["redirectUrl"]},
        ("tppRedirectUrl", "createdAt", "institutionIdentifiers"),
    )
    body["status"] = status
    if data.get("consentToken"):
        body["result"] = {"consentId": data["consentId"], "consentToken": data["consentToken"]}
    return {"data": body}
