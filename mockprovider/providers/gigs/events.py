"""Gigs objects and events: ids, the ConnectSession object (spec §1.2), CloudEvents-style
envelopes (§1.5) and Svix / Standard Webhooks signing (§1.6)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Mapping, Sequence
from typing import Any

from mockprovider.clock import iso_seconds
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import SigningInput
from mockprovider.providers.gigs.settings import EVENT_VERSION

ALNUM = string.ascii_letters + string.digits
SOURCE = "https://api.gigs.com"
#: Svix's sender [INF]; Gigs delivers through Svix [DOC-2 G13].
USER_AGENT = "Svix-Webhooks/1.0 (mockprovider sandbox)"


def new_id(prefix: str, length: int = 28) -> str:
    """`csn_` + 28 alphanumerics, like every documented example [DOC G2; alphabet INF]."""
    return prefix + "".join(secrets.choice(ALNUM) for _ in range(length))


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def session_object(data: Mapping[str, Any], session_id: str, url: str | None) -> dict[str, Any]:
    """The ConnectSession object: exactly the seven documented properties, in the spec
    example's order [DOC G2]. `url` only in the create response (null elsewhere [INF])."""
    return {
        "object": "connectSession",
        "id": session_id,
        "appearance": data.get("appearance"),
        "callbackUrl": data.get("callbackUrl"),
        "intent": data["intent"],
        "url": url,
        "user": data.get("user"),
    }


def created_data(data: Mapping[str, Any], session_id: str) -> dict[str, Any]:
    """`data` of com.gigs.connectSession.created: the schema example's fields and order (spec
    vector 2), with `url` set to null so the one-off url never leaks into events (§1.5)."""
    return {
        "object": "connectSession",
        "id": session_id,
        "callbackUrl": data.get("callbackUrl"),
        "intent": data["intent"],
        "url": None,
        "user": data.get("user"),
    }


def subscription_data(
    sub_id: str, plan: str, user: str, status: str, now: float, activated: float | None = None
) -> dict[str, Any]:
    """A trimmed subscription object (spec §1.5 lists the fields [DOC G16]; values [INF]),
    created at `now` and, when active, activated at `activated` (default: `now`)."""
    active = status == "active"
    start = now if activated is None else activated
    return {
        "object": "subscription",
        "id": sub_id,
        "plan": {"object": "plan", "id": plan},
        "user": user,
        "status": status,
        "currentPeriod": (
            {"number": 1, "start": iso_seconds(start), "end": iso_seconds(start + 30 * 86400)}
            if active
            else None
        ),
        "activatedAt": iso_seconds(start) if active else None,
        "createdAt": iso_seconds(now),
    }


def envelope(
    event_type: str, data: Mapping[str, Any], project: str, now: float, event_id: str
) -> bytes:
    """Compact JSON in the key order of spec vector 2 [DOC G9 fields]."""
    return compact(
        {
            "object": "event",
            "id": event_id,
            "data": dict(data),
            "datacontenttype": "application/json",
            "project": project,
            "source": SOURCE,
            "specversion": "1.0",
            "time": iso_seconds(now),
            "type": event_type,
            "version": EVENT_VERSION,
        }
    )


def event(
    event_type: str, data: Mapping[str, Any], project: str, url: str, now: float
) -> WebhookMessage:
    """One event as a message; its Svix message id (`webhook-id`) is fixed here, so retries and
    replays carry the same one [DOC G14]."""
    body = envelope(event_type, data, project, now, new_id("evt_"))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    return WebhookMessage(
        event_id=new_id("msg_", 27), event_type=event_type, url=url, body=body, headers=headers
    )


def secret_key(whsec: str) -> bytes:
    """The HMAC key: drop `whsec_`, base64-decode the rest (§1.6 step 3)."""
    text = whsec.removeprefix("whsec_")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise ValueError(f"webhook secret {whsec[:10]}… is not whsec_<base64>") from None


def signature(whsec: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (§1.6 steps 2 to 4)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(whsec), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signatures(secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated entries, one per secret (rotation, §1.6 step 1)."""
    return " ".join(signature(s, msg_id, timestamp, body) for s in secrets_)


def sign_attempt(attempt: SigningInput) -> dict[str, str]:
    """Headers of one attempt: same `webhook-id`, fresh `webhook-timestamp` (the sandbox time
    of this attempt) and a signature over it [INF from Svix, §1.8 item 6]."""
    keys = [str(attempt.settings["webhook_secret"])]
    keys += [str(s) for s in attempt.settings.get("additional_webhook_secrets") or []]
    if attempt.options.get("wrong_secret"):  # a scenario's fault: no entry verifies
        keys = ["whsec_" + base64.b64encode(b"wrong-secret:" + secret_key(keys[0])).decode()]
    return {
        "webhook-id": attempt.event_id,
        "webhook-timestamp": str(attempt.timestamp),
        "webhook-signature": signatures(keys, attempt.event_id, attempt.timestamp, attempt.body),
    }
