"""`hosted_pis.payment_status.completed.v1` / `.failed.v1` (spec §6): the documented keys in
their order, sent through the outbox to Yapily's `webhook_url` and signed as every Yapily
webhook is (`webhooks.sign_attempt`, §7.3 of yapily.md)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from mockprovider.core.webhooks.messages import WebhookMessage

COMPLETED = "hosted_pis.payment_status.completed.v1"
FAILED = "hosted_pis.payment_status.failed.v1"


def body(event_type: str, delivery_id: str, event: Mapping[str, Any], application_id: str) -> bytes:
    """`{type, applicationId, id, event: {consentId, institutionId, paymentId,
    paymentRequestId, …}}`, compact: the bytes that are signed (§6 vector)."""
    payload: dict[str, Any] = {"type": event_type, "applicationId": application_id}
    payload["id"] = delivery_id
    payload["event"] = dict(event)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def payment_event(
    event_type: str,
    payment: Mapping[str, Any],
    request_id: str,
    settings: Mapping[str, Any],
    *,
    delay: float = 0.0,
    error_code: str | None = None,
) -> WebhookMessage:
    """One hosted payment event for `payment` (a `payments[]` entry); failed events carry
    `paymentStatus` and `errorCode` only with `hosted_webhook_extra_fields` (§6 [GAP])."""
    event: dict[str, Any] = {
        "consentId": payment["consentId"],
        "institutionId": payment["institutionIdentifiers"]["institutionId"],
        "paymentId": payment["paymentId"],
        "paymentRequestId": request_id,
    }
    if event_type == FAILED and settings["hosted_webhook_extra_fields"]:
        event["paymentStatus"] = "FAILED"
        event["errorCode"] = error_code or "payment_rejected"
    delivery_id = str(uuid.uuid4())
    return WebhookMessage(
        event_id=delivery_id,
        event_type=event_type,
        url=str(settings["webhook_url"]),
        body=body(event_type, delivery_id, event, str(settings["application_key"])),
        headers={"Content-Type": "application/json"},
        delay=delay,
    )
