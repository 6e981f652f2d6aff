"""One attempt's bookkeeping, apart from the HTTP: the headers it is signed with, and what its
verdict does to the delivery (delivered, failed for good, or the next try on the schedule)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.webhooks.messages import Attempt, Delivery, DeliveryStatus
from mockprovider.core.webhooks.policy import DeliveryPolicy, SigningInput, Verdict


def signing_timestamp(now: float, signing: Mapping[str, Any]) -> int:
    """The attempt's signed timestamp: sandbox time, shifted by a scenario's
    `expired_timestamp` fault (the `timestamp_offset` signing option, negative seconds)."""
    offset = signing.get("timestamp_offset", 0)
    shift = float(offset) if isinstance(offset, int | float) else 0.0
    return int(now + shift)


def signed_headers(
    delivery: Delivery, policy: DeliveryPolicy, settings: Mapping[str, Any], now: float
) -> dict[str, str]:
    """The delivery's headers plus the provider's signature for an attempt at `now` (sandbox
    time), with the provider's settings as they are now (a rotated secret shows mid-retry)."""
    headers = dict(delivery.headers)
    timestamp = signing_timestamp(now, delivery.signing)
    signing = SigningInput(
        delivery.body, headers, delivery.event_id, timestamp, settings, delivery.signing
    )
    headers.update(policy.sign(signing))
    return headers


def settle(
    delivery: Delivery, record: Attempt, verdict: Verdict, policy: DeliveryPolicy, now: float
) -> None:
    """Append `record` and move the delivery on: delivered, failed (the receiver asked to
    stop), the policy's exhausted status, or pending until the schedule's next step."""
    delivery.attempts.append(record)
    delivery.run_attempts += 1
    delivery.lease_owner = delivery.lease_until = None
    if verdict is Verdict.DELIVERED:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
        return
    if verdict is Verdict.STOP:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        return
    delay = policy.delay_after(delivery.run_attempts, delivery.schedule)
    if delay is None:
        delivery.status, delivery.next_attempt_at = policy.exhausted_status, None
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now + delay
