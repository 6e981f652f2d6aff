"""How a provider delivers webhooks: retry schedule, timeout, success rule, signing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mockprovider.core.webhooks.messages import DeliveryStatus


class Verdict(StrEnum):
    """What one attempt's response means for the delivery."""

    DELIVERED = "delivered"
    RETRY = "retry"
    STOP = "stop"  # the receiver asked to stop (e.g. Svix's `webhook-delivery: abort-message`)


def any_2xx(status_code: int, headers: Mapping[str, str]) -> Verdict:
    """The common rule: any 2xx succeeds, anything else (3xx included) is retried."""
    return Verdict.DELIVERED if 200 <= status_code < 300 else Verdict.RETRY


@dataclass(frozen=True)
class SigningInput:
    """What a provider's signer sees for one attempt."""

    body: bytes
    #: The delivery's static headers (the signer's result is added to them).
    headers: Mapping[str, str]
    event_id: str
    #: Sandbox time of this attempt, unix seconds: re-signing per attempt uses it.
    timestamp: int
    #: The provider's settings as they are now (so a rotated secret shows mid-retry).
    settings: Mapping[str, Any]
    #: The delivery's signing options (e.g. which key; a scenario's `wrong_secret` fault).
    options: Mapping[str, Any]


#: Builds the headers to add to one attempt.
SignFn = Callable[[SigningInput], dict[str, str]]


def unsigned(attempt: SigningInput) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class DeliveryPolicy:
    """A provider's delivery contract.

    `schedule[i]` is the delay before attempt i+1, counted from the previous attempt
    (`schedule[0]` is normally 0: the first attempt is immediate).
    """

    schedule: Sequence[float]
    timeout: float
    exhausted_status: DeliveryStatus = DeliveryStatus.ABANDONED
    judge: Callable[[int, Mapping[str, str]], Verdict] = any_2xx
    sign: SignFn = field(default=unsigned)
    follow_redirects: bool = False

    def delay_after(
        self, attempts_made: int, schedule: Sequence[float] | None = None
    ) -> float | None:
        """Delay before the next attempt, or None when the schedule is used up."""
        steps = self.schedule if schedule is None else schedule
        return steps[attempts_made] if attempts_made < len(steps) else None
