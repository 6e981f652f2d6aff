"""Payment webhooks (spec §7): the Webhooks-API envelope and the sandbox's signature scheme.

The header name, algorithm and encoding are not documented [GAP]; the sandbox choice (§7.3) is
HMAC-SHA256 over the raw body bytes, key = UTF-8 of `webhookSecret`, header
`X-Yapily-Signature: sha256=<lowercase hex>`, all configurable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import SigningInput
from mockprovider.providers.yapily.errors import tracing_id

SUCCESS = "payment.state.success"
FAILED = "payment.state.failed"


def signature_value(secret: str, body: bytes, fmt: str = "sha256_hex") -> str:
    """The signature header's value for `body` in format `fmt` (sha256_hex, hex or base64)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if fmt == "base64":
        return base64.b64encode(digest).decode("ascii")
    return digest.hex() if fmt == "hex" else "sha256=" + digest.hex()


def sign_attempt(attempt: SigningInput) -> dict[str, str]:
    """Signed per attempt with the current secret (no timestamp is signed, so the value only
    changes when the secret is rotated); a scenario's `wrong_secret` fault breaks it."""
    # A registration's own secret (`POST /webhook/events`), else the `webhook_secret` setting.
    secret = str(attempt.options.get("secret") or attempt.settings["webhook_secret"])
    if attempt.options.get("wrong_secret"):
        secret = "wrong-" + secret[::-1]
    fmt = str(attempt.settings["signature_format"])
    return {str(attempt.settings["signature_header"]): signature_value(secret, attempt.body, fmt)}


def payment_event(
    event_type: str, event: Mapping[str, Any], settings: Mapping[str, Any]
) -> WebhookMessage:
    """One payment event in the Webhooks-API envelope `{id, applicationId, type, event,
    metadata: {tracingId}}` (§7.2 [DOC S15]); compact JSON, the bytes that are signed."""
    envelope = {
        "id": str(settings["webhook_id"]),
        "applicationId": str(settings["application_key"]),
        "type": event_type,
        "event": dict(event),
        "metadata": {"tracingId": tracing_id()},
    }
    payload = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
    return WebhookMessage(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        url=str(settings["webhook_url"]),
        body=payload,
        headers={"Content-Type": "application/json"},
    )
