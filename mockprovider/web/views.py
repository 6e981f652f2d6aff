"""JSON views of sessions and deliveries, shared by the control API and the CLI."""

from __future__ import annotations

from typing import Any

from mockprovider.clock import iso_millis
from mockprovider.core.contract import ProviderSpec
from mockprovider.core.sessions import Session
from mockprovider.core.webhooks.messages import Delivery


def _iso(ts: float | None) -> str | None:
    return None if ts is None else iso_millis(ts)


def session_view(session: Session, provider: ProviderSpec) -> dict[str, Any]:
    return {
        "id": session.id,
        "provider": session.provider,
        "status": session.status.value,
        "provider_status": provider.status_label(session),
        "outcome": session.outcome,
        "scenario": session.scenario,
        "hosted_url": session.hosted_url,
        "callback_url": session.callback_url,
        "redirect_url": session.redirect_url,
        "created_at": _iso(session.created_at),
        "expires_at": _iso(session.expires_at),
        "data": session.data,
        "history": [{**h, "at": _iso(h["at"])} for h in session.history],
    }


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    last_headers = delivery.attempts[-1].headers if delivery.attempts else delivery.headers
    return {
        "id": delivery.id,
        "provider": delivery.provider,
        "session_id": delivery.session_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "url": delivery.url,
        "status": delivery.status.value,
        "headers": last_headers,
        "body": delivery.body.decode("utf-8", "replace"),
        "created_at": _iso(delivery.created_at),
        "next_attempt_at": _iso(delivery.next_attempt_at),
        "attempts": [
            {
                "number": a.number,
                "at": _iso(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
                "headers": a.headers,
            }
            for a in delivery.attempts
        ],
    }
