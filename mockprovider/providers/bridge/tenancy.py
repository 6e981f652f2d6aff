"""Bridge in a shared sandbox: the application's `Client-Id` picks the tenant.

App-scoped calls always carry `Client-Id` [DOC B8]; user-scoped ones may send the user's
Bearer token alone (spec §3.1 item 9, the sandbox's default). So a user token issued while
serving a named tenant starts `<client_id>~`, and a call carrying only that token still finds
its tenant; the `default` tenant's tokens keep their format (64 hex). Bridge documents the
token as an opaque string [DOC B7], so clients take either.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from mockprovider.providers.bridge.settings import SANDBOX_CLIENT_ID

DEFAULT_TENANT = "default"
SEPARATOR = "~"  # never in a token's random part (hex) nor in a tenant's client id


def tenant_credential(request: Request) -> str | None:
    """`Client-Id`, else the client id a named tenant's user token starts with."""
    client_id = request.headers.get("client-id")
    if client_id:
        return client_id
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    owner, separator, _ = token.strip().rpartition(SEPARATOR)
    return owner if separator and owner else None


def settings_credentials(settings: Mapping[str, Any]) -> tuple[str, ...]:
    client_id = settings.get("client_id")
    return (client_id,) if isinstance(client_id, str) and client_id else ()


def new_user_token(request: Request, settings: Mapping[str, Any]) -> str:
    """64 hex, behind `<client_id>~` when the request is served in a named tenant."""
    token = uuid.uuid4().hex + uuid.uuid4().hex
    tenant = request.scope.get("mockprovider.tenant")
    if tenant and tenant != DEFAULT_TENANT:
        return f"{settings['client_id']}{SEPARATOR}{token}"
    return token


def tenant_defaults(tenant: str) -> dict[str, Any]:
    """Client id `sandbox-client-id-<tenant>` (follows from the name); a fresh client secret
    and webhook secret (`whsec_…`, as the sandbox's documented one)."""
    return {
        "client_id": f"{SANDBOX_CLIENT_ID}-{tenant}",
        "client_secret": secrets.token_urlsafe(32),
        "webhook_secret": "whsec_" + secrets.token_urlsafe(24),
        "previous_webhook_secret": "",
    }
