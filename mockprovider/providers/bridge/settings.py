"""Bridge's settings: documented sandbox credentials and every sandbox choice (spec §3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.contract import Setting

#: The credentials of the spec's driving example (§1.10), so copied snippets work as they are.
SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 (public sandbox value)
#: The secrets of the spec's vectors (§1.6): V1/V4/V5 and the old one of V2/V3.
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_bridge_0001"  # noqa: S105
OLD_WEBHOOK_SECRET = "whsec_sandbox_bridge_0000"  # noqa: S105
DEMO_BANK_ID = 574  # [DOC B13]

EVENT_TYPES = [
    *("item.created", "item.account.created", "item.refreshed", "item.account.updated"),
    *("item.deleted", "user.deleted"),
]

#: Item status names [DOC B14]; `status_code_info` beyond `ok` is [GAP] (spec §3.1 item 8):
#: the sandbox uses the upper-cased name.
STATUS_NAMES: dict[int, str] = {
    0: "ok",
    -2: "just_added",
    -3: "just_edited",
    402: "login_failed",
    429: "needs_human_action",
    430: "needs_password_rotation",
    1003: "could_not_refresh",
    1005: "not_supported",
    1007: "disabled_temporarily",
    1009: "incomplete",
    1010: "needs_manual_refresh",
    1099: "migration",
    1100: "pro_account_locked",
}
DESCRIPTIONS: dict[int, str] = {
    0: "Everything is fine.",
    -2: "The item was just added; its first refresh is pending.",
    402: "Wrong credentials.",
    429: "Action needed on the bank's website.",
    1003: "Technical error, we will retry later.",
    1005: "This account is not supported.",
    1010: "Strong customer authentication is required.",
}

SETTINGS: tuple[Setting, ...] = (
    Setting("webhook_url", "", "Where item.* events are POSTed (the dashboard's webhook URL)."),
    Setting("events", list(EVENT_TYPES), "Event types ticked for the webhook [DOC B16]."),
    Setting(
        "webhook_secret", SANDBOX_WEBHOOK_SECRET, "Signing secret (BridgeApi-Signature).", True
    ),
    Setting(
        "previous_webhook_secret",
        "",
        "Old secret during a rotation: its v1= comes second [DOC B17]; clear it to end it.",
        True,
    ),
    Setting("client_id", SANDBOX_CLIENT_ID, "Client-Id of the sandbox application."),
    Setting("client_secret", SANDBOX_CLIENT_SECRET, "Client-Secret of that application.", True),
    Setting(
        "bridge_versions",
        ["2025-01-15", "2024-08-15"],
        "Accepted Bridge-Version values [DOC B4, B7]; missing or other → 400.",
    ),
    Setting(
        "strict_client_credentials",
        False,
        "Require Client-Id/Client-Secret on user-scoped calls too [GAP, spec §3.1 item 9].",
    ),
    Setting(
        "redirect_domains",
        ["localhost", "127.0.0.1"],
        "Authorised redirection domains: callback_url host equal or a sub-domain [GAP].",
    ),
    Setting("session_ttl", 1800, "Connect session lifetime in seconds [GAP: 30 min]."),
    Setting("token_ttl", 7200, "User token lifetime in seconds [DOC B8: 2 hours]."),
    Setting(
        "full_params_on_exit",
        False,
        "Exit link and sync failure send the full parameter set, not user_uuid only [GAP].",
    ),
    Setting(
        "capture_failure_status",
        1003,
        "status_code of a capture failure chosen without a failing Demo Bank login [GAP].",
    ),
    Setting(
        "banks",
        [{"id": DEMO_BANK_ID, "name": "Demo Bank"}, {"id": 6, "name": "Demo Bank (pro)"}],
        "Bank list of the funnel; every bank behaves like the Demo Bank.",
    ),
)


def status_info(status: int, settings: Mapping[str, Any] | None = None) -> str:
    """`status_code_info` for `status`: `ok` [DOC B14] or the upper-cased status name [GAP]."""
    name = STATUS_NAMES.get(status, "unknown")
    return name if status == 0 else name.upper()


def redirect_domain_ok(host: str | None, domains: list[str]) -> bool:
    """Sandbox choice (spec §3.1 item 2): equal to an authorised domain or a sub-domain of one."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)
