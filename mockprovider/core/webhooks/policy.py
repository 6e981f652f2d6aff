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


#: Builds the headers of one attempt: (delivery body, static headers, event id, unix time,
#: provider settings, signing options) -> headers to add.
SignFn = Callable[
    [bytes, Mapping[str, str], str, int, Mapping[str, Any], Mapping[str, Any]], dict[str, str]
]


def unsigned(
    body: bytes,
    headers: Mapping[str, str],
    event_id: str,
    timestamp: int,
    settings: Mapping[str, Any],
    options: Mapping[str, Any],
) -> dict[str, str]:
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
