"""Turning a provider's webhook messages into outbox deliveries, with a scenario's timing and
faults applied (delay, custom schedule, duplicate, reorder, wrong secret, expired timestamp,
drop). Signing faults travel in the delivery's `signing` options, read by the dispatcher (the
timestamp offset) or the provider's signer (`wrong_secret`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from mockprovider.core.contract import ProviderSpec
from mockprovider.core.scenarios import Scenario, WebhookSpec
from mockprovider.core.sessions import Session
from mockprovider.core.webhooks.messages import Delivery, WebhookMessage


def new_delivery_id() -> str:
    return "dlv_" + secrets.token_hex(12)


#: The signing option the dispatcher subtracts from each attempt's timestamp (seconds).
TIMESTAMP_OFFSET = "timestamp_offset"


def signing_faults(hooks: WebhookSpec | None) -> dict[str, Any]:
    """The signing options a scenario's faults add to each delivery."""
    fault: dict[str, Any] = {}
    if hooks is not None and hooks.wrong_secret:
        fault["wrong_secret"] = True
    if hooks is not None and hooks.expired_timestamp > 0:
        fault[TIMESTAMP_OFFSET] = -hooks.expired_timestamp
    return fault


def plan_deliveries(
    spec: ProviderSpec,
    session: Session,
    messages: Sequence[WebhookMessage],
    scenario: Scenario | None,
    now: float,
) -> list[Delivery]:
    """One delivery per message (two with `duplicate`), none with `drop` or without a URL.

    A message's own `delay` puts its first attempt later; `reorder` ignores those delays, so
    the events really arrive last first."""
    hooks = scenario.webhooks if scenario else None
    if hooks is not None and hooks.drop:
        return []
    ordered = [m for m in messages if m.url]
    reorder = hooks is not None and hooks.reorder
    if reorder:
        ordered.reverse()
    copies = 2 if hooks is not None and hooks.duplicate else 1
    schedule = list(hooks.retry_schedule) if hooks and hooks.retry_schedule else None
    schedule = schedule or list(spec.delivery.schedule)
    first_due = now + (hooks.delay if hooks else 0.0) + schedule[0]
    fault = signing_faults(hooks)
    deliveries = []
    # One outcome's events share a due time; the outbox sends them in the order written here.
    for message in ordered:
        due = first_due if reorder else first_due + message.delay
        for _ in range(copies):
            deliveries.append(
                Delivery(
                    id=new_delivery_id(),
                    provider=spec.name,
                    session_id=session.id,
                    event_id=message.event_id,
                    event_type=message.event_type,
                    url=message.url,
                    body=message.body,
                    headers=dict(message.headers),
                    created_at=now,
                    next_attempt_at=due,
                    schedule=schedule,
                    signing={**message.signing, **fault},
                )
            )
    return deliveries
