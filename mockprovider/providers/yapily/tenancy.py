"""Yapily in a shared sandbox: the Application ID (the Basic-auth username) picks the tenant.

Every API call carries `Authorization: Basic base64(APP_ID:APP_SECRET)` (spec §1), so the
username is decoded (the secret is not looked at: the tenant's settings check both). A new
tenant gets its own application (a UUID id, as Yapily's, and a fresh secret), consent-token key
and webhook id and secret.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

#: Namespace of the ids that follow from a tenant's name (uuid5).
NAMESPACE = uuid.UUID("0b6f2d4a-8c1e-4f3b-a5d7-29e4c81f6a90")
MAX_HEADER = 4096


def tenant_credential(request: Request) -> str | None:
    """The Basic-auth username (the Application ID), without checking the password."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded or len(encoded) > MAX_HEADER:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, separator, _ = decoded.partition(":")
    return user if separator and user else None


def settings_credentials(settings: Mapping[str, Any]) -> tuple[str, ...]:
    key = settings.get("application_key")
    return (key,) if isinstance(key, str) and key else ()


def tenant_defaults(tenant: str) -> dict[str, Any]:
    """Application ID and webhook id derived from the name (UUIDs); a fresh Application
    Secret (a UUID, as Yapily's console issues [INF]), consent-token key and webhook secret."""
    return {
        "application_key": str(uuid.uuid5(NAMESPACE, f"application:{tenant}")),
        "application_secret": str(uuid.uuid4()),
        "consent_token_key": secrets.token_urlsafe(32),
        "webhook_id": str(uuid.uuid5(NAMESPACE, f"webhook:{tenant}")),
        "webhook_secret": secrets.token_urlsafe(32),
    }
