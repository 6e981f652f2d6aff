"""The failure message of `wait_for_webhook`: what did happen, so the near miss is obvious."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockprovider.testing.receiver import Received

#: At most this many lines per list in a message.
SHOWN = 10


def _attempts(delivery: Mapping[str, Any]) -> str:
    attempts = delivery.get("attempts") or []
    count = f"{len(attempts)} attempt{'s' if len(attempts) != 1 else ''}"
    if not attempts:
        return count
    last = attempts[-1]
    if last.get("error"):
        return f"{count}, last: {last['error']}"
    return f"{count}, last: HTTP {last.get('status_code')}"


def describe_delivery(delivery: Mapping[str, Any]) -> str:
    """`checkout.failed (topiic, session 1f2e…) failed: 2 attempts, last: HTTP 500 → URL`."""
    session = delivery.get("session_id") or "-"
    line = (
        f"{delivery['event_type']} ({delivery.get('provider')}, session {session}) "
        f"{delivery['status']}: {_attempts(delivery)} → {delivery['url']}"
    )
    if delivery["status"] == "pending" and delivery.get("next_attempt_at"):
        line += f" (next attempt at {delivery['next_attempt_at']} sandbox time)"
    return line


def _listed(title: str, lines: Sequence[str]) -> list[str]:
    out = [f"{title} ({len(lines)}):" if lines else f"{title}: none"]
    out += [f"  - {line}" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        out.append(f"  … and {len(lines) - SHOWN} more")
    return out


def near_misses(
    event_type: str,
    timeout: float,
    deliveries: Sequence[Mapping[str, Any]],
    received: Sequence[Received] | None,
    sessions: Sequence[Mapping[str, Any]],
    *,
    provider: str | None = None,
    session_id: str | None = None,
) -> str:
    """Everything `wait_for_webhook` saw, oldest first, with a hint when nothing was queued."""
    wanted = " ".join(
        [repr(event_type)]
        + ([f"provider={provider}"] if provider else [])
        + ([f"session_id={session_id}"] if session_id else [])
    )
    lines = [f"no {wanted} webhook was delivered within {timeout:g} s"]
    lines += _listed("deliveries", [describe_delivery(d) for d in reversed(deliveries)])
    if received is not None:
        lines += _listed(
            "requests at the receiver",
            [f"{r.method} {r.path} answered {r.answered}: {r.text[:120]}" for r in received],
        )
    lines += _listed(
        "sessions",
        [
            f"{s['id']} ({s['provider']}) {s['status']}"
            + (f", outcome {s['outcome']}" if s.get("outcome") else "")
            + (f", scenario {s['scenario']}" if s.get("scenario") else "")
            for s in reversed(sessions)
        ],
    )
    if not deliveries:
        lines.append(
            "hint: nothing was queued. Was an outcome picked (a closed tab sends nothing), is "
            "the event among the provider's `events`, and is its `webhook_url` set?"
        )
    return "\n".join(lines)
