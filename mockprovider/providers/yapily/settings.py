"""Yapily's settings: credentials, institutions and every sandbox choice of the spec (yapily.md).

Each [GAP]/[INF] of the spec has a setting here; the README's "Yapily" section lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.contract import Setting
from mockprovider.providers.yapily.hosted.settings import HOSTED_SETTINGS

#: Sandbox credentials [GAP: Yapily publishes none]; the id is the spec's §7.3 `applicationId`.
APPLICATION_KEY = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
APPLICATION_SECRET = "yapily-sandbox-application-secret"  # noqa: S105 (public sandbox value)
#: §7.3 worked example: the signature vector works out of the box.
WEBHOOK_SECRET = "sandbox-webhook-secret-0001"  # noqa: S105 (public sandbox value)
WEBHOOK_ID = "41285f64-5717-4562-b3fc-2c961236afa6"
CONSENT_TOKEN_KEY = "yapily-sandbox-consent-token-key"  # noqa: S105 (public sandbox value)

AIS_SCOPE = ["ACCOUNTS", "ACCOUNT_BALANCES", "ACCOUNT_TRANSACTIONS"]
#: §2.2 doc example for modelo.
PIS_SCOPE = [
    "EXISTING_PAYMENTS_DETAILS",
    "EXISTING_PAYMENT_INITIATION_DETAILS",
    "CREATE_DOMESTIC_SINGLE_PAYMENT",
]

#: §9.1: modelo's `mits`/`mits` [DOC S17]; mock-sandbox has no login [OBS S18b].
INSTITUTIONS: list[dict[str, Any]] = [
    {"id": "modelo-sandbox", "name": "Modelo Sandbox", "username": "mits", "password": "mits"},
    {"id": "mock-sandbox", "name": "Mock Sandbox"},
    {"id": "yapily-mock", "name": "Yapily Mock"},
]

#: `error-description` (decoded) per failure outcome: user abort [OBS S19a]; the others [GAP].
DESCRIPTIONS: dict[str, str] = {
    "user_abort": "The user cancelled the transaction or failed to login",
    "capture_failure": "The institution could not complete the authorisation (server_error)",
    "bad_config": "The institution rejected the client (invalid_client)",
}

#: Retry schedule [GAP → §7.3 sandbox choice]: at once, then 1, 5, 15, 60 and 360 minutes.
RETRY_SCHEDULE = [0.0, 60.0, 300.0, 900.0, 3600.0, 21600.0]

SETTINGS: tuple[Setting, ...] = (
    Setting("application_key", APPLICATION_KEY, "Application ID: the Basic-auth username."),
    Setting(
        "application_secret",
        APPLICATION_SECRET,
        "Application Secret: the Basic-auth password.",
        secret=True,
    ),
    Setting(
        "institutions",
        INSTITUTIONS,
        "Institutions added to the application: {id, name, username?, password?, "
        "authorisation_window?, country?} (a username means the bank page checks the login; "
        "country, GB if absent, is what the hosted bank picker filters by).",
    ),
    Setting(
        "registered_callbacks",
        ["*"],
        'Console "Authorisation Callbacks" (§2.3): exact URLs, or prefixes ending in "/"; '
        '"*" accepts any safe URL.',
    ),
    Setting("authorisation_window", 600, "Seconds before an unanswered request is EXPIRED (§5.4)."),
    Setting(
        "consent_lifetime",
        90 * 86400,
        "Seconds an authorised account consent lasts before it is EXPIRED (expiresAt; 0: "
        "never); PATCH /account-auth-requests renews it (§5.3, 90 days UK [DOC S14]).",
    ),
    Setting(
        "reauthorisation_keeps_access",
        True,
        "While a re-authorisation is open (AWAITING_RE_AUTHORIZATION), the data API still "
        "serves a consent that was AUTHORIZED before it [GAP].",
    ),
    Setting("one_time_token_ttl", 600, "Seconds a one-time token can be exchanged (§4.3)."),
    Setting(
        "one_time_token_ids",
        True,
        "OTT success callbacks also carry application-user-id, user-uuid, institution (§4.3).",
    ),
    Setting("consentid_param", False, "Append consentid=<id> on success callbacks (§4.1, weak)."),
    Setting(
        "consent_token_key",
        CONSENT_TOKEN_KEY,
        "HMAC key of the HS256 consent JWTs (§5.5).",
        secret=True,
    ),
    Setting(
        "error_descriptions",
        dict(DESCRIPTIONS),
        "Decoded error-description per failure outcome (§8.1); Base64-encoded on the callback.",
    ),
    Setting("webhook_url", "", "Where payment.state.* webhooks are POSTed (empty: none sent)."),
    Setting("webhook_id", WEBHOOK_ID, "The registered webhook's id (the envelope's `id`, §7.2)."),
    Setting(
        "webhook_secret",
        WEBHOOK_SECRET,
        "webhookSecret: HMAC-SHA256 key of the signature (§7.3).",
        secret=True,
    ),
    Setting("signature_header", "X-Yapily-Signature", "Signature header name (§7.3 [GAP])."),
    Setting(
        "signature_format",
        "sha256_hex",
        "Signature value: sha256_hex (sha256=<hex>), hex, or base64 (§7.3 [GAP]).",
    ),
    *HOSTED_SETTINGS,
)


def find_institution(settings: Mapping[str, Any], institution_id: str) -> dict[str, Any] | None:
    """The configured institution `institution_id`, or None."""
    for item in settings.get("institutions") or []:
        if isinstance(item, dict) and item.get("id") == institution_id:
            return dict(item)
    return None


def window(settings: Mapping[str, Any], institution: Mapping[str, Any]) -> float:
    """The authorisation window for `institution` (a per-institution override wins, §5.4)."""
    return float(institution.get("authorisation_window") or settings["authorisation_window"])


def callback_registered(settings: Mapping[str, Any], callback: str) -> bool:
    """Registration check (§2.3, S5): exact match of the URL without its query, or under a
    registered value ending in `/`."""
    bare = callback.split("#", 1)[0].split("?", 1)[0]
    for item in settings.get("registered_callbacks") or []:
        entry = str(item)
        if entry == "*" or bare == entry.split("?", 1)[0] or callback == entry:
            return True
        if entry.endswith("/") and bare.startswith(entry):
            return True
    return False
