"""Validating the four create bodies (spec §2.1-§2.5): required fields, the schema's ranges and
the examples' alternative keys (accepted unless `hosted_strict`). Every problem is a V2 400
whose issue message names the JSON path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockprovider.core.redirects import check_callback_url
from mockprovider.errors import ProviderError, UnsafeURL
from mockprovider.providers.yapily.hosted.errors import bad_request
from mockprovider.providers.yapily.settings import callback_registered, find_institution

COMMON = {"userId", "applicationUserId", "institutionIdentifiers", "userSettings", "redirectUrl"}
#: Top-level keys of each schema (strict mode refuses others) [DOC H1].
KEYS = {
    "consent": COMMON | {"oneTimeToken", "accountRequest"},
    "payment": COMMON | {"paymentRequestDetails"},
    "link": COMMON | {"paymentRequestDetails", "authorisationExpiresAt"},
    "vrp": COMMON | {"controlParameters", "initiationDetails", "oneTimeToken", "riskDetails"},
}
PAYMENT_TYPES = frozenset(
    {
        "DOMESTIC_PAYMENT",
        "DOMESTIC_INSTANT_PAYMENT",
        "DOMESTIC_VARIABLE_RECURRING_PAYMENT",
        "DOMESTIC_SCHEDULED_PAYMENT",
        "DOMESTIC_PERIODIC_PAYMENT",
        "INTERNATIONAL_PAYMENT",
        "INTERNATIONAL_SCHEDULED_PAYMENT",
        "INTERNATIONAL_PERIODIC_PAYMENT",
        "BULK_PAYMENT",
    }
)
FREQUENCIES = frozenset({"DAILY", "WEEKLY", "EVERY_TWO_WEEKS", "MONTHLY", "YEARLY"})
RISK_REQUIRED = (
    "paymentContextCode",
    "paymentPurposeCode",
    "categoryPurposeCode",
    "merchantCustomerId",
    "isPayeePrepopulated",
)
IDEMPOTENCY = re.compile(r"[A-Za-z0-9]{1,35}")
COUNTRY = re.compile(r"[A-Z]{2}")


class Checker:
    """The settings a body is checked with, and the V2 400 it raises."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = settings
        self.strict = bool(settings["hosted_strict"])

    def fail(self, message: str) -> ProviderError:
        return bad_request(self.settings, message)

    def obj(self, parent: Mapping[str, Any], key: str, path: str, *, required: bool) -> dict:  # type: ignore[type-arg]
        value = parent.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise self.fail(
                f"{path}{key}: {'is required' if value is None else 'must be an object'}"
            )
        return value

    def text(self, parent: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = parent.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(f"{path}{key}: is required")
            return None
        if not isinstance(value, str):
            raise self.fail(f"{path}{key}: must be a string")
        return value

    def flag(self, parent: Mapping[str, Any], key: str) -> bool:
        """A boolean; outside strict mode also the schema example's string form ("false")."""
        value = parent.get(key, False)
        if not self.strict and value in ("true", "false"):
            return bool(value == "true")
        if not isinstance(value, bool):
            raise self.fail(f"{key}: must be a boolean")
        return value


def common(body: Mapping[str, Any], flow: str, check: Checker) -> dict[str, Any]:
    """The fields every flow shares, checked; raises the V2 400."""
    if check.strict:
        unknown = sorted(set(body) - KEYS[flow])
        if unknown:
            raise check.fail(f"{unknown[0]}: is not a field of this request")
    redirect = check.text(body, "redirectUrl", "", required=True)
    assert redirect is not None
    try:
        check_callback_url(redirect, field="redirectUrl")
    except UnsafeURL as exc:
        raise check.fail(exc.message) from None
    allowed = {"registered_callbacks": check.settings["hosted_registered_redirects"]}
    if not callback_registered(allowed, redirect):
        raise check.fail(f"redirectUrl: {redirect} is not registered for this application")
    ids = check.obj(body, "institutionIdentifiers", "", required=True)
    country = check.text(ids, "institutionCountryCode", "institutionIdentifiers.", required=True)
    if not COUNTRY.fullmatch(country or ""):
        raise check.fail("institutionIdentifiers.institutionCountryCode: must be 2 capital letters")
    institution_id = check.text(ids, "institutionId", "institutionIdentifiers.", required=False)
    if institution_id is not None:
        found = find_institution(check.settings, institution_id)
        if found is None or institution_country(found) != country:
            raise check.fail(
                f"institutionIdentifiers.institutionId: {institution_id} is not available in"
                f" {country} for this application"
            )
    elif not institutions_in(check.settings, str(country)):
        raise check.fail(
            f"institutionIdentifiers.institutionCountryCode: no institution in {country}"
        )
    user_id = check.text(body, "userId", "", required=False)
    app_user = check.text(body, "applicationUserId", "", required=flow == "vrp")
    if not user_id and not app_user:
        raise check.fail("applicationUserId: you must provide either a userId or applicationUserId")
    settings = check.obj(body, "userSettings", "", required=False)
    user_settings = {
        k: settings[k] for k in ("language", "location") if isinstance(settings.get(k), str)
    }
    return {
        "redirectUrl": redirect,
        "institutionIdentifiers": {
            k: v
            for k, v in (("institutionId", institution_id), ("institutionCountryCode", country))
            if v
        },
        "userId": user_id,
        "applicationUserId": app_user,
        "userSettings": user_settings,
    }


def institution_country(institution: Mapping[str, Any]) -> str:
    """An institution's country (settings `institutions[].country`; GB when not given)."""
    return str(institution.get("country") or "GB")


def institutions_in(settings: Mapping[str, Any], country: str) -> list[dict[str, Any]]:
    """The configured institutions of `country`: the bank picker's list (§3.1)."""
    items = [i for i in settings.get("institutions") or [] if isinstance(i, dict) and i.get("id")]
    return [dict(i) for i in items if institution_country(i) == country]


def amount(
    details: Mapping[str, Any], path: str, check: Checker, *, schema_key: str
) -> dict[str, Any]:
    """`amountDetails`: `amountToPay` or `amount` (the other one only outside strict mode),
    at least 0.01, and a currency; echoed with the key it was sent with (§2.2, §2.3)."""
    given = check.obj(details, "amountDetails", path, required=True)
    keys = [schema_key] if check.strict else ["amountToPay", "amount"]
    key = next((k for k in keys if k in given), keys[0])
    value = given.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise check.fail(f"{path}amountDetails.{key}: is required and must be a number")
    if value < 0.01:
        raise check.fail(f"{path}amountDetails.{key}: must be at least 0.01")
    currency = check.text(given, "currency", f"{path}amountDetails.", required=True)
    return {key: value, "currency": currency}
