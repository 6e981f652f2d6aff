"""Bridge webhooks: `{content, timestamp, type}` bodies, `BridgeApi-Signature` (spec §1.5, §1.6)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from mockprovider.clock import iso_millis
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import SigningInput, Verdict

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
#: Spec §1.7 sandbox choice: attempts at 0, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h and 36 h
#: after the first (≈ 1.5 days); the policy counts each delay from the previous attempt.
_OFFSETS = (0.0, MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 36 * HOUR)
SCHEDULE = tuple(b - a for a, b in zip((0.0, *_OFFSETS), _OFFSETS, strict=False))
SCA_VALIDITY = 180 * DAY  # [DOC B5]: SCA valid 180 days after the first sync


def signature(body: bytes, secret: str) -> str:
    """`v1=<UPPER-HEX HMAC-SHA256 of the raw body>`, keyed with the secret's UTF-8 bytes
    [DOC B17; hex case and raw body DOC-2 B20, B22]."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().upper()


def signature_header(body: bytes, secrets: list[str]) -> str:
    """One `v1=` per live secret, comma-separated, new secret first (rotation, vector V3)."""
    return ",".join(signature(body, s) for s in secrets if s)


def sign_attempt(attempt: SigningInput) -> dict[str, str]:
    """Signed per attempt with the secrets live at that moment (a rotation mid-retry shows)."""
    live = [
        str(attempt.settings["webhook_secret"]),
        str(attempt.settings.get("previous_webhook_secret") or ""),
    ]
    if attempt.options.get("wrong_secret"):
        live = ["whsec_wrong_" + live[0][::-1]]
    return {"BridgeApi-Signature": signature_header(attempt.body, live)}


def judge(status_code: int, headers: Mapping[str, str]) -> Verdict:
    """Spec §1.7 sandbox choice: only exactly 200 is a success (201 and 204 are retried)."""
    return Verdict.DELIVERED if status_code == 200 else Verdict.RETRY


def envelope(event_type: str, content: Mapping[str, Any], now: float) -> bytes:
    """Compact JSON `{"content":…,"timestamp":<ms>,"type":…}` [DOC B15; ms: spec §1.5 choice]."""
    body = {"content": dict(content), "timestamp": round(now * 1000), "type": event_type}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def message(event_type: str, content: Mapping[str, Any], now: float, url: str) -> WebhookMessage:
    """One event; the id is the sandbox's own (Bridge sends no event id header [DOC-2 B20])."""
    return WebhookMessage(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        url=url,
        body=envelope(event_type, content, now),
        headers={"Content-Type": "application/json"},
    )


def created(item_id: int, user_uuid: str) -> dict[str, Any]:
    return {"item_id": item_id, "user_uuid": user_uuid}


def account_created(account_id: int, balance: float, item_id: int, user: str) -> dict[str, Any]:
    return {"account_id": account_id, "balance": balance, "item_id": item_id, "user_uuid": user}


def refreshed(
    item_id: int, user_uuid: str, status: int, info: str, now: float | None
) -> dict[str, Any]:
    """Field order of spec §1.5 (and V1); `authentication_expires_at` only after a successful
    sync (`now` given), since only then was SCA passed [INF]."""
    content: dict[str, Any] = {
        "account_types": "payment",
        "full_refresh": True,
        "refresh_trigger": "connect",
        "item_id": item_id,
        "status_code": status,
        "status_code_info": info,
    }
    if now is not None:
        content["authentication_expires_at"] = iso_millis(now + SCA_VALIDITY)
    content["user_uuid"] = user_uuid
    return content


def account_updated(
    account_id: int, balance: float, item_id: int, new: int, user_uuid: str
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "balance": balance,
        "item_id": item_id,
        "nb_deleted_transactions": 0,
        "nb_new_transactions": new,
        "nb_updated_transactions": 0,
        "user_uuid": user_uuid,
    }
