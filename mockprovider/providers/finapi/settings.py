"""finAPI's settings: sandbox credentials, magic values and every sandbox choice (spec §3.2)."""

from __future__ import annotations

from mockprovider.core.contract import Setting

#: The credentials of the spec's client example (§2.10), so it runs unchanged.
CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 (public sandbox value)
#: finAPI's test banks [DOC F13]: id → (name, BLZ, BIC).
TEST_BANKS: dict[int, tuple[str, str, str]] = {
    280001: ("finAPI Test Bank", "DEMO0001", "DEMOBIC0001"),
    280002: ("finAPI Test Redirect Bank", "DEMO0002", "DEMOBIC0002"),
}
#: Test bank logins [DOC F13]: with SCA (TAN 123456) and without.
SCA_LOGIN, NO_SCA_LOGIN, TAN = "demo", "demo_no_msa", "123456"
#: Web form lifetime: 20 minutes, not configurable by the request [DOC F1].
WEBFORM_LIFETIME = 20 * 60.0
SIGNATURE_HEADER = "X-Mockprovider-Debug-Signature"

SETTINGS: tuple[Setting, ...] = (
    Setting("client_id", CLIENT_ID, "OAuth client_id the token endpoint accepts."),
    Setting("client_secret", CLIENT_SECRET, "OAuth client_secret.", secret=True),
    Setting(
        "users",
        {},
        "username → password for the password grant; empty accepts any non-empty pair [INF].",
    ),
    Setting("token_lifetime", 3600, "expires_in of access tokens in seconds [DOC F10: 1 h]."),
    Setting(
        "callback_url_check",
        "faithful",
        "faithful: callbacks.* must match finAPI's HTTPS pattern [DOC-2 F7]; dev: any http(s) "
        "URL, e.g. http://127.0.0.1 (§3.2.4).",
    ),
    Setting(
        "licensed",
        False,
        "Mandator licence (§3.2.5): false rejects a body redirectUrl with 422 "
        "INVALID_REDIRECT_URL; true requires it.",
    ),
    Setting(
        "abort_redirect",
        "automatic",
        "On user abort with abortRedirectUrl: automatic (303) or link [INF, DOC F4].",
    ),
    Setting(
        "debug_signature",
        False,
        f"Sandbox-only: sign callbacks in {SIGNATURE_HEADER} (finAPI signs nothing, §2.7).",
    ),
    Setting("debug_signature_secret", "finapi-sandbox-debug", "HMAC key of it.", secret=True),
    Setting(
        "unsupported_bank_ids",
        [280404],
        "bank.id values answered with 422 BANK_NOT_SUPPORTED.",
    ),
    Setting(
        "locked_bank_connection_ids",
        [423],
        "bankConnectionId values answered with 423 LOCKED by backgroundUpdate [DOC-2 F7].",
    ),
    Setting(
        "background_update_results",
        {"1001": "COMPLETED", "1002": "COMPLETED_WITH_ERROR"},
        "bankConnectionId → result of an update that needs no web form; other ids need one "
        "(WEB_FORM_REQUIRED).",
    ),
)
