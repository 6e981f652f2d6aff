"""The body checks a Bridge Connect session and a user-management session share [DOC B4]."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from mockprovider.core.redirects import check_callback_url
from mockprovider.core.sessions import Session
from mockprovider.errors import UnsafeURL
from mockprovider.providers.bridge.auth import bad_request, bridge_error
from mockprovider.providers.bridge.settings import redirect_domain_ok

CONTEXT = re.compile(r"^[a-zA-Z0-9-]{0,100}$")  # [DOC B4]: ≤ 100, alphanumerics and "-"
COUNTRIES = frozenset(
    {
        *("FR", "ES", "IT", "PT", "DE", "BE", "NL", "LU", "PL", "HU", "IE", "MT", "CZ", "NO"),
        *("BG", "SE", "DK", "AT", "SK", "FI", "GB", "GR", "EE", "IS", "CY", "HR", "LV", "RO"),
    }
)


def session_fields(body: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """Check a connect-session body [DOC B4]; 400 with `property` on the first bad field."""
    email = body.get("user_email")
    if not isinstance(email, str) or "@" not in email:
        raise bad_request("user_email", "user_email is required and must be an e-mail address")
    ctx = body.get("context")
    if ctx is not None and not (isinstance(ctx, str) and CONTEXT.match(ctx)):
        raise bad_request("context", "context must be at most 100 letters, digits or hyphens")
    country = body.get("country_code")
    if country is not None and country not in COUNTRIES:
        raise bad_request("country_code", "country_code is not a supported country")
    kinds = body.get("account_types")
    if kinds is not None and kinds not in ("payment", "all"):
        raise bad_request("account_types", "account_types must be payment or all")
    for key, kind in (("provider_id", int), ("item_id", int), ("max_selectable_accounts", int)):
        value = body.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise bad_request(key, f"{key} must be an integer")
    selection = body.get("allow_account_selection")
    if selection is not None and not isinstance(selection, bool):
        raise bad_request("allow_account_selection", "allow_account_selection must be a boolean")
    callback = body.get("callback_url")
    if callback is not None:
        check_callback(callback, settings)
    return {
        "user_email": email,
        "context": ctx,
        "country_code": country,
        "account_types": kinds or "payment",
        "provider_id": body.get("provider_id"),
        "callback_url": callback,
    }


def check_callback(url: Any, settings: Mapping[str, Any]) -> None:
    """Safe URL and an authorised redirection domain (spec §3.1 item 2 sandbox choice)."""
    try:
        if not isinstance(url, str):
            raise UnsafeURL("callback_url must be a string")
        check_callback_url(url, field="callback_url")
        host = urlsplit(url).hostname
    except (UnsafeURL, ValueError) as exc:
        message = exc.message if isinstance(exc, UnsafeURL) else str(exc)
        raise bridge_error(400, "invalid_callback_url", message, "callback_url") from None
    if not redirect_domain_ok(host, list(settings.get("redirect_domains") or [])):
        message = f"{host} is not an authorised redirection domain of this application"
        raise bridge_error(400, "invalid_callback_url", message, "callback_url")


def hosted_session(
    session_id: str,
    url: str,
    callback_url: str | None,
    data: dict[str, Any],
    settings: Mapping[str, Any],
    now: float,
) -> Session:
    """A Bridge session whose page is `url` (the Connect funnel or the user-management page),
    open for the `session_ttl` setting."""
    return Session(
        id=session_id,
        provider="bridge",
        created_at=now,
        expires_at=now + float(settings["session_ttl"]),
        hosted_url=url,
        callback_url=callback_url,
        data=data,
    )
