"""What lands on the integrator's `callback` after the `auth.yapily.com` hop (spec §4, §8.1).

Parameter names are [DOC seeds/yapily-callback-url.txt]; their order is [OBS] (§4.1 sandbox
choice); `error-description` is Base64 wrapped at 76 columns [OBS S19b].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockprovider.core.redirects import append_params
from mockprovider.providers.yapily.tokens import error_description

#: The documented mapping: institution's OAuth error → (error-source, error) (§8.1 [DOC]).
INSTITUTION_ERRORS: dict[str, tuple[str, str]] = {
    "access_denied": ("user", "access_denied"),
    "user_cancelled": ("user", "access_denied"),
    "login_required": ("user", "access_denied"),
    "account_selection_required": ("user", "access_denied"),
    "interaction_required": ("user", "access_denied"),
    "invalid_grant": ("institution", "invalid_grant"),
    "consent_required": ("institution", "invalid_grant"),
    "server_error": ("institution", "invalid_grant"),
    "temporarily_unavailable": ("institution", "invalid_grant"),
    "request_not_supported": ("institution", "invalid_grant"),
    "request_uri_not_supported": ("institution", "invalid_grant"),
    "invalid_request": ("institution", "institution_server_error"),
    "registration_not_supported": ("institution", "institution_server_error"),
    "unauthorized_client": ("institution", "institution_server_error"),
    "unsupported_grant_type": ("institution", "institution_server_error"),
    "invalid_scope": ("institution", "institution_server_error"),
    "invalid_client": ("institution", "configuration_error"),
}
#: Codes absent from the table → institution / uncategorized_error (§8.1 sandbox choice).
UNCATEGORIZED = ("institution", "uncategorized_error")
#: The institution error each failure outcome stands for (§6 rows 2, 4a, 5).
OUTCOME_ERRORS = {
    "user_abort": "access_denied",
    "capture_failure": "invalid_grant",
    "bad_config": "invalid_client",
}
#: Scenario `redirect.params` keys the sandbox interprets instead of appending them.
INSTITUTION_ERROR_KEY = "institution-error"
REPLACEABLE = ("error", "error-source", "error-description")


def map_institution_error(code: str) -> tuple[str, str]:
    """(error-source, error) for the institution's own error code."""
    return INSTITUTION_ERRORS.get(code, UNCATEGORIZED)


def _ids(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """application-user-id (only if specified), user-uuid, institution."""
    params = []
    if data.get("applicationUserId") is not None:
        params.append(("application-user-id", str(data["applicationUserId"])))
    params.append(("user-uuid", str(data["userUuid"])))
    params.append(("institution", str(data["institutionId"])))
    return params


def _forward(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each forward parameter as a key with an empty value, at the end (§4.1 [OBS S19a])."""
    return [(str(p), "") for p in data.get("forwardParameters") or []]


def success_params(
    data: Mapping[str, Any],
    *,
    consent: str | None,
    one_time: str | None,
    settings: Mapping[str, Any],
    consent_id: str,
) -> list[tuple[str, str]]:
    """`consent`, then the ids (§4.1); with OTT, `one-time-token` instead of `consent` and the ids
    only when `one_time_token_ids` is on (§4.3 [GAP])."""
    if one_time is not None:
        params = [("one-time-token", one_time)]
        params += _ids(data) if settings["one_time_token_ids"] else []
    else:
        params = [("consent", consent or ""), *_ids(data)]
    if settings["consentid_param"]:
        params.append(("consentid", consent_id))
    return params + _forward(data)


def failure_params(
    data: Mapping[str, Any],
    outcome: str,
    overrides: Mapping[str, str],
    settings: Mapping[str, Any],
) -> tuple[list[tuple[str, str]], str]:
    """The failure parameters (§4.2) and the institution error code behind them.

    A scenario's `institution-error` goes through the documented table; `error`,
    `error-source` and `error-description` (given decoded) replace the defaults; any other
    override is appended."""
    code = overrides.get(INSTITUTION_ERROR_KEY, OUTCOME_ERRORS.get(outcome, "server_error"))
    source, error = map_institution_error(code)
    source = overrides.get("error-source", source)
    error = overrides.get("error", error)
    default_text = settings["error_descriptions"].get(outcome, f"The institution returned {code}")
    text = overrides.get("error-description", str(default_text))
    params = [
        *_ids(data),
        ("error", error),
        ("error-source", source),
        ("error-description", error_description(text)),
    ]
    skip = {INSTITUTION_ERROR_KEY, *REPLACEABLE}
    params += [(k, v) for k, v in overrides.items() if k not in skip]
    return params + _forward(data), code


def callback_url(callback: str, params: Sequence[tuple[str, str]]) -> str:
    """`callback` with the params appended after its own query (custom parameters kept)."""
    return append_params(callback, params)
