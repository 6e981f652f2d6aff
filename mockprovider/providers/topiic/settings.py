"""Topiic's settings: the spec's credential names, plans, and every sandbox choice (spec §3.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.contract import Setting
from mockprovider.providers.topiic.link import SigningKey

#: The worked example's credentials (spec §2.6), so the spec's vectors work out of the box.
SANDBOX_SECRET = "tss_kZ4xQ9pYHmJ2vRkT8nFhYcDgZuEoA6vB"  # noqa: S105 (public sandbox value)
SANDBOX_AKID = "9b5d4d80-0e1a-4b3a-9a4f-2b1c6c8a9d0e"
SANDBOX_MID = "e7d2f1a8-9c4b-4d62-8a3f-1b5c7e9d0f24"
SANDBOX_PLAN = "b6a8a5b8-7b3c-4d1e-9c2a-1f9e8d7c6b5a"
INACTIVE_PLAN = "0f3e2d1c-4b5a-4697-8877-665544332211"

#: HTTP status of each /c rejection [INF]; an override may name only the keys it changes.
ERROR_STATUSES: dict[str, int] = {
    "malformed": 400,
    "unknown_key": 401,
    "bad_signature": 401,
    "merchant_mismatch": 403,
    "inactive_plan": 422,
}

#: failureReason per outcome [DOC T12 substrings]; an override may name only the ones it changes.
FAILURE_REASONS: dict[str, str] = {
    "user_abort": "User abandoned checkout.",
    "capture_failure": "Card capture failed: the card was declined by the issuer.",
    "expiry": "Checkout session expired.",
}

SETTINGS: tuple[Setting, ...] = (
    Setting("webhook_url", "", "Where checkout.* events are POSTed (the portal's endpoint URL)."),
    Setting(
        "signing_secret",
        SANDBOX_SECRET,
        "tss_… secret: HMAC key for links and webhooks.",
        secret=True,
    ),
    Setting("api_key_id", SANDBOX_AKID, "API key id (akid) the links must carry."),
    Setting("merchant_id", SANDBOX_MID, "Merchant (mid) of that API key."),
    Setting(
        "additional_keys",
        [],
        "More keys, each {api_key_id, signing_secret, merchant_id}: several merchants at once.",
    ),
    Setting(
        "plans",
        [
            {
                "id": SANDBOX_PLAN,
                "name": "Unlimited classes",
                "amount": "49.50",
                "currency": "AUD",
                "frequency": "Monthly",
                "active": True,
            },
            {
                "id": INACTIVE_PLAN,
                "name": "Retired plan",
                "amount": "19.00",
                "currency": "AUD",
                "frequency": "Monthly",
                "active": False,
            },
        ],
        "Plans: {id, name, amount, currency, frequency, active, merchant_id (default: ours)}.",
    ),
    Setting(
        "events",
        ["checkout.completed", "checkout.failed"],
        "Event types ticked in the portal; a session gets those also in its link's evts [INF].",
    ),
    Setting(
        "hmac_key",
        "full_secret",
        "HMAC key bytes [INF]: full_secret (the whole tss_… string) or strip_prefix.",
    ),
    Setting(
        "failure_reasons",
        dict(FAILURE_REASONS),
        "failureReason per outcome; the documented substrings must stay in them [DOC T12].",
    ),
    Setting(
        "expire_now",
        "notify",
        "Expiry while the user acts: notify (status=cancelled + checkout.failed) or silent.",
    ),
    Setting(
        "error_statuses",
        dict(ERROR_STATUSES),
        "HTTP status for each /c rejection [INF]; 410 expired and 409 reused nonce are [DOC].",
    ),
    Setting(
        "test_cards",
        True,
        "Card numbers ending 0002 decline, 0119 fail provisioning; others must pass Luhn.",
    ),
)


def signing_keys(settings: Mapping[str, Any]) -> list[SigningKey]:
    keys = [
        SigningKey(
            str(settings["api_key_id"]),
            str(settings["signing_secret"]),
            str(settings["merchant_id"]),
        )
    ]
    for extra in settings.get("additional_keys") or []:
        keys.append(
            SigningKey(
                str(extra.get("api_key_id", "")),
                str(extra.get("signing_secret", "")),
                str(extra.get("merchant_id", "")),
            )
        )
    return keys


def find_plan(settings: Mapping[str, Any], plan_id: str) -> dict[str, Any] | None:
    for plan in settings.get("plans") or []:
        if isinstance(plan, dict) and plan.get("id") == plan_id:
            return {"merchant_id": settings["merchant_id"], "active": True, **plan}
    return None
