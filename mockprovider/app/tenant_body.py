"""`TenantRequest`: what a new tenant is made of, read from `POST /_sandbox/tenants` or from the
config file's `tenants:`, checked against the providers' declared settings."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockprovider.core import provider_settings
from mockprovider.core.limits import Limits
from mockprovider.core.tenants import check_name
from mockprovider.errors import InvalidInput
from mockprovider.web.provider import WebProvider

KEYS = ("name", "token", "settings", "shared_credentials", "limits")


@dataclass(frozen=True)
class TenantRequest:
    name: str
    token: str | None = field(default=None, repr=False)
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    shared_credentials: bool = False
    limits: Limits = field(default_factory=Limits.named_default)

    @classmethod
    def from_body(
        cls, body: Mapping[str, Any], providers: Sequence[WebProvider], base: Limits
    ) -> TenantRequest:
        """Checked: `InvalidInput` names the first bad key."""
        unknown = sorted(set(body) - set(KEYS))
        if unknown:
            raise InvalidInput(f"unknown key {unknown[0]!r}", valid=list(KEYS))
        nulls = sorted(key for key in KEYS if key in body and body[key] is None)
        if nulls:
            raise InvalidInput(f"{nulls[0]} must not be null: leave it out for the default")
        token = body.get("token")
        if token is not None and (not isinstance(token, str) or len(token) < 16):
            raise InvalidInput("token must be a string of at least 16 characters")
        shared = body.get("shared_credentials", False)
        if not isinstance(shared, bool):
            raise InvalidInput("shared_credentials must be true or false")
        return cls(
            check_name(body.get("name")),
            token,
            check_settings(body.get("settings"), providers),
            shared,
            Limits.from_dict(body.get("limits"), base),
        )

    def token_or_new(self) -> str:
        return self.token or secrets.token_urlsafe(32)

    def settings_over(self, defaults: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """The tenant's own settings: `defaults` (its generated credentials) under the given."""
        merged = {name: dict(values) for name, values in defaults.items()}
        for name, values in self.settings.items():
            merged[name] = provider_settings.overlay(merged.get(name, {}), values)
        return merged


def check_settings(raw: Any, providers: Sequence[WebProvider]) -> dict[str, dict[str, Any]]:
    """`{provider: {key: value}}`, each key declared by its provider and of the right type."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInput('settings must be an object: {"<provider>": {"<key>": value}}')
    known = {p.name: p for p in providers}
    checked = {}
    for name, values in raw.items():
        provider = known.get(name)
        if provider is None:
            raise InvalidInput(f"settings: unknown provider {name!r}", valid=sorted(known))
        if not isinstance(values, Mapping):
            raise InvalidInput(f"settings.{name} must be an object of that provider's settings")
        try:
            provider_settings.validate_update(name, provider.settings, values)
        except InvalidInput as exc:
            raise InvalidInput(f"settings.{name}: {exc.message}", valid=exc.valid) from None
        checked[name] = dict(values)
    return checked
