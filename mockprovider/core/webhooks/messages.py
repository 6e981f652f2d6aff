"""What a webhook is before and while it is delivered.

A `WebhookMessage` is what a provider wants sent: the event id (stable across retries and
replays), the raw body bytes and the static headers. The outbox turns each into a `Delivery`,
which records every `Attempt`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class WebhookMessage:
    """One event a provider emits; `body` is sent byte for byte on every attempt."""

    event_id: str
    event_type: str
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: Provider-specific signing options kept with the delivery (e.g. which key signs it).
    signing: dict[str, Any] = field(default_factory=dict)
    #: Sandbox seconds after the outcome before the event happens (e.g. an activation that
    #: comes later from the network); its first attempt is due that much later.
    delay: float = 0.0


@dataclass
class Attempt:
    """One HTTP attempt: when, what was sent, what came back."""

    number: int
    at: float
    headers: dict[str, str]
    status_code: int | None = None
    error: str | None = None
    duration_ms: float = 0.0
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None


@dataclass
class Delivery:
    """An outbox record: one message to one URL, with its retry state and attempts."""

    id: str
    provider: str
    session_id: str | None
    event_id: str
    event_type: str
    url: str
    body: bytes
    headers: dict[str, str]
    created_at: float
    next_attempt_at: float | None
    schedule: list[float]
    status: DeliveryStatus = DeliveryStatus.PENDING
    #: Attempts made since the delivery was (re)queued; indexes `schedule`.
    run_attempts: int = 0
    #: Options for signing, e.g. {"wrong_secret": true} from a scenario's faults.
    signing: dict[str, Any] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    lease_owner: str | None = None
    lease_until: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (bodies are JSON or form text, so UTF-8); nested values shared."""
        out = {name: getattr(self, name) for name in _DELIVERY_FIELDS}
        out["status"] = self.status.value
        out["body"] = self.body.decode("utf-8", "replace")
        out["attempts"] = [{n: getattr(a, n) for n in _ATTEMPT_FIELDS} for a in self.attempts]
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Delivery:
        values = dict(raw)
        values["status"] = DeliveryStatus(values["status"])
        body = values["body"]
        values["body"] = body.encode() if isinstance(body, str) else body
        values["attempts"] = [Attempt(**a) for a in values.get("attempts", [])]
        return cls(**values)


_DELIVERY_FIELDS = tuple(f.name for f in fields(Delivery))
_ATTEMPT_FIELDS = tuple(f.name for f in fields(Attempt))
