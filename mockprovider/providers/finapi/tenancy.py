"""finAPI in a shared sandbox: the OAuth `client_id` picks the tenant.

The token call names it (query string or form body, §2.10); every later call carries only a
Bearer token, so a token issued while serving a named tenant starts `<client_id>~` and maps
back to it. The `default` tenant's tokens keep today's format. A new tenant gets the client
`sandbox-client-id-<tenant>` with a fresh secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import Message

from mockprovider.providers.finapi.settings import CLIENT_ID

DEFAULT_TENANT = "default"
SEPARATOR = "~"  # never in `secrets.token_urlsafe` output nor in a tenant's client id
TOKEN_PATHS = ("/api/v2/oauth/token", "/oauth/token")
FORM = "application/x-www-form-urlencoded"


async def tenant_credential(request: Request) -> str | None:
    """The token call's `client_id` (the form body over the query, as `auth.token` reads
    them); on any other call the client id a named tenant's Bearer token starts with."""
    if request.method == "POST" and request.url.path.endswith(TOKEN_PATHS):
        return await _token_call_client_id(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    owner, separator, _ = token.strip().rpartition(SEPARATOR)
    return owner if separator and owner else None


async def _token_call_client_id(request: Request) -> str | None:
    client_id = request.query_params.get("client_id")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM):
        body = (await request.body()).decode("utf-8", "replace")
        client_id = dict(parse_qsl(body, keep_blank_values=True)).get("client_id", client_id)
    elif content_type.startswith("multipart/form-data"):
        raw = await request.body()

        async def replay() -> Message:  # the body stays readable for the handler
            return {"type": "http.request", "body": raw, "more_body": False}

        async with Request(request.scope, replay).form() as form:
            found = form.get("client_id")
            client_id = found if isinstance(found, str) else client_id
    return client_id or None


def settings_credentials(settings: Mapping[str, Any]) -> tuple[str, ...]:
    client_id = settings.get("client_id")
    return (client_id,) if isinstance(client_id, str) and client_id else ()


def new_access_token(request: Request, settings: Mapping[str, Any]) -> str:
    """`secrets.token_urlsafe(32)`, behind `<client_id>~` in a named tenant."""
    token = secrets.token_urlsafe(32)
    tenant = request.scope.get("mockprovider.tenant")
    if tenant and tenant != DEFAULT_TENANT:
        return f"{settings['client_id']}{SEPARATOR}{token}"
    return token


def tenant_defaults(tenant: str) -> dict[str, Any]:
    """Client id `sandbox-client-id-<tenant>` (follows from the name), a fresh client secret
    and debug-signature key."""
    return {
        "client_id": f"{CLIENT_ID}-{tenant}",
        "client_secret": secrets.token_urlsafe(32),
        "debug_signature_secret": secrets.token_urlsafe(32),
    }
