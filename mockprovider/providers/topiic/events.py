"""Topiic webhook bodies and the `Topiic-Signature` scheme (spec §2.4, §2.5)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from mockprovider.clock import iso_millis
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import SigningInput
from mockprovider.providers.topiic.link import hmac_key

USER_AGENT = "Topiic-Webhooks/1.0"


def signature(secret: str, timestamp: int, body: bytes, mode: str = "full_secret") -> str:
    """`t=<unix>,v1=<lowercase hex HMAC-SHA256 of "<t>.<raw body>">`."""
    mac = hmac.new(hmac_key(secret, mode), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def sign_attempt(attempt: SigningInput) -> dict[str, str]:
    """Re-signed on every attempt with a fresh `t` (spec §2.5: the only way a ~55 h schedule fits
    a 5 min tolerance) with the current secret of the key the session's link was signed with."""
    secret = secret_for(attempt.settings, str(attempt.options.get("akid", "")))
    if attempt.options.get("wrong_secret"):
        secret = "tss_wrong_" + secret[::-1]
    return {
        "Topiic-Signature": signature(
            secret, attempt.timestamp, attempt.body, str(attempt.settings["hmac_key"])
        )
    }


def secret_for(settings: Mapping[str, Any], akid: str) -> str:
    """The signing secret of API key `akid` (the main key when unknown)."""
    for key in settings.get("additional_keys") or []:
        if key.get("api_key_id") == akid:
            return str(key.get("signing_secret", ""))
    return str(settings["signing_secret"])


def event(
    event_type: str,
    data: Mapping[str, Any],
    url: str,
    now: float,
    *,
    akid: str,
    event_id: str | None = None,
) -> WebhookMessage:
    """One Topiic event: compact JSON envelope `{id, type, createdAt, data}` and its headers."""
    event_id = event_id or str(uuid.uuid4())
    envelope = {
        "id": event_id,
        "type": event_type,
        "createdAt": iso_millis(now),
        "data": dict(data),
    }
    body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Topiic-Event-Id": event_id,
        "Topiic-Idempotency-Key": event_id,
    }
    return WebhookMessage(
        event_id=event_id,
        event_type=event_type,
        url=url,
        body=body,
        headers=headers,
        signing={"akid": akid},
    )


def completed_data(session_id: str, ref: str, ids: Mapping[str, str], plan: str) -> dict[str, Any]:
    return {
        "sessionId": session_id,
        "externalRef": ref,
        "memberId": ids["memberId"],
        "paymentMethodId": ids["paymentMethodId"],
        "subscriptionId": ids["subscriptionId"],
        "planId": plan,
    }


def failed_data(session_id: str, ref: str, reason: str) -> dict[str, Any]:
    return {"sessionId": session_id, "externalRef": ref, "failureReason": reason}


def member_id(merchant_id: str, email: str | None) -> str:
    """Members are unique per merchant by e-mail (spec §2.3 step 5): same e-mail, same id."""
    if not email:
        return str(uuid.uuid4())
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"topiic:{merchant_id}:{email.strip().lower()}"))
