"""The settings of Yapily Hosted Pages: one per [GAP]/[INF] choice of yapily-hosted.md (the
README's "Hosted Pages" part lists them). Appended to Yapily's own settings."""

from __future__ import annotations

from mockprovider.core.contract import Setting

#: §5: 10 minutes for consent, payment and VRP requests; 7 days for Pay By Link [DOC H10].
DEFAULT_EXPIRY = 600
LINK_EXPIRY = 7 * 86400
#: §2.3 / §5: a link's `authorisationExpiresAt` must be 10 minutes - 30 days ahead [DOC H1].
MIN_EXPIRY, MAX_EXPIRY = 600, 30 * 86400

#: §3.3 sandbox choice: the keys appended to `redirectUrl` on success, per flow, in order.
#: `consent` is the consent token (the one-time token, as `one-time-token`, with OTT).
SUCCESS_PARAMS: dict[str, list[str]] = {
    "consent": ["consentRequestId", "consent"],
    "payment": ["paymentRequestId"],
    "link": ["paymentRequestId"],
    "vrp": ["requestId", "consent"],
}
#: §3.3 / §7: `error`, `error_source`, `error_description` per failure ([OBS H14] for the user
#: abort; `INSTITUTION`, `payment_rejected` and the texts are [GAP] → these choices).
ERROR_PARAMS: dict[str, list[str]] = {
    "user_abort": ["cancelled_by_user", "USER", "Process cancelled by user"],
    "capture_failure": [
        "invalid_grant",
        "INSTITUTION",
        "The institution could not complete the authorisation",
    ],
    "payment_rejected": ["payment_rejected", "INSTITUTION", "The institution rejected the payment"],
    "bad_config": ["configuration_error", "INSTITUTION", "The institution rejected the client"],
}

HOSTED_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "hosted_expiry",
        DEFAULT_EXPIRY,
        "Seconds a hosted consent, payment or VRP request's hostedUrl stays valid (§5).",
    ),
    Setting(
        "hosted_link_expiry",
        LINK_EXPIRY,
        "Default lifetime of a Pay By Link in seconds (§5: 7 days as documented; the schema says"
        " 600).",
    ),
    Setting(
        "hosted_link_retry",
        True,
        "A Pay By Link whose payment failed or was cancelled opens again for another attempt"
        " (a new payments[] entry) until it expires (§5 [INF]); false: one attempt per link.",
    ),
    Setting(
        "hosted_registered_redirects",
        ["*"],
        'redirectUrl allow-list (§2.5 [GAP]): exact URLs or prefixes ending in "/"; "*" accepts'
        " any safe URL.",
    ),
    Setting(
        "hosted_strict",
        False,
        "Strict schema mode (§0): unknown fields and the examples' alternative keys"
        " (amountToPay on links, maxAmount on VRP, authorisationExpiresAt on consents) get 400.",
    ),
    Setting(
        "hosted_issue_code_type",
        "integer",
        "V2 error issues[].code as in the examples (integer) or as the schema types it (string).",
    ),
    Setting("hosted_legacy_401", False, "Answer hosted 401s in the legacy envelope (§2.5)."),
    Setting(
        "hosted_emit_auth_token",
        False,
        "Payment create responses carry an authToken JWT, as the example does (§2.2).",
    ),
    Setting(
        "hosted_consent_status_alias",
        False,
        "GET consent request also carries consentStatus (the docs page's name, §4.1).",
    ),
    Setting(
        "hosted_redirect_profile",
        "hosted",
        "hosted (§3.3 table) or direct-callback (yapily.md §4 callback parameters + request id).",
    ),
    Setting(
        "hosted_success_params",
        SUCCESS_PARAMS,
        "Keys appended to redirectUrl on success, per flow (§3.3 [GAP]).",
    ),
    Setting(
        "hosted_error_params",
        ERROR_PARAMS,
        "[error, error_source, error_description] per failure (§3.3 [GAP]).",
    ),
    Setting(
        "hosted_status_screen_seconds",
        3,
        "Seconds Yapily's status screen shows before it sends the browser to redirectUrl (§3.1).",
    ),
    Setting(
        "hosted_expired_status",
        200,
        "HTTP status of the 'link expired' page (§5 [GAP]: 200, or 410).",
    ),
    Setting(
        "hosted_settlement_seconds",
        2,
        "Sandbox seconds from a hosted payment's submission to SETTLEMENT_COMPLETED and its"
        " completed webhook (§4.2; the documented example settles in ~2 s).",
    ),
    Setting(
        "hosted_webhook_extra_fields",
        False,
        "Failed hosted_pis events also carry paymentStatus and errorCode (§6 [GAP]).",
    ),
    Setting(
        "hosted_webhook_on_auth_failure",
        False,
        "Also send hosted_pis.payment_status.failed.v1 for a rejected or failed authorisation.",
    ),
)
