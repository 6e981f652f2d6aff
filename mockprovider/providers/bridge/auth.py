"""Bridge API v3 checks and error bodies (spec §1.1, §1.2, §1.2.5).

Every failure is a `ProviderError` with the v3 body `{"code", "property"?, "message"}`
[DOC B9]; codes other than `invalid_client_credentials` are the sandbox's choice [GAP].
Check order: Bridge-Version (400) → app credentials (401) → user token (401) → body (415/422/400).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from mockprovider.core.records import Records
from mockprovider.errors import ProviderError


def bridge_error(status: int, code: str, message: str, prop: str | None = None) -> ProviderError:
    """A v3 error: `{"code","property"?,"message"}` in that order, compact JSON."""
    body: dict[str, str] = {"code": code}
    if prop is not None:
        body["property"] = prop
    body["message"] = message
    return ProviderError(status, json.dumps(body, separators=(",", ":")).encode())


def bad_request(prop: str, message: str) -> ProviderError:
    return bridge_error(400, "invalid_request", message, prop)


def check_version(request: Request, settings: Mapping[str, Any]) -> None:
    """`Bridge-Version` is required [DOC B4]; missing → 400 [INF, spec §1.9.1]."""
    version = request.headers.get("bridge-version")
    if not version:
        raise bridge_error(
            400, "missing_bridge_version", "Bridge-Version header is required", "Bridge-Version"
        )
    if version not in (settings.get("bridge_versions") or []):
        allowed = ", ".join(settings.get("bridge_versions") or [])
        raise bridge_error(
            400,
            "invalid_bridge_version",
            f"Bridge-Version {version!r} is not supported; use one of: {allowed}",
            "Bridge-Version",
        )


def check_client(request: Request, settings: Mapping[str, Any], *, required: bool) -> None:
    """`Client-Id`/`Client-Secret` [DOC B8]; a wrong pair is always refused, a missing pair
    only where `required` (app calls; user calls in strict mode, spec §3.1 item 9)."""
    given_id = request.headers.get("client-id")
    given_secret = request.headers.get("client-secret")
    if given_id is None and given_secret is None and not required:
        return
    ok_id = hmac.compare_digest((given_id or "").encode(), str(settings["client_id"]).encode())
    ok_secret = hmac.compare_digest(
        (given_secret or "").encode(), str(settings["client_secret"]).encode()
    )
    if not (ok_id and ok_secret):  # the documented example body [DOC B9]
        raise bridge_error(
            401, "invalid_client_credentials", "client_id and client_secret are invalid"
        )


async def user_for_token(request: Request, records: Records, now: float) -> dict[str, Any]:
    """The user behind `Authorization: Bearer <token>`; 401 when missing, unknown or past its
    2 hours [DOC B8]."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise bridge_error(401, "invalid_token", "an Authorization: Bearer <token> is required")
    found = await records.get("token", token.strip())
    if found is None:
        raise bridge_error(401, "invalid_token", "the access token is unknown")
    if now >= float(found["expires_at"]):
        raise bridge_error(401, "invalid_token", "the access token has expired")
    user = await records.get("user", str(found["user_uuid"]))
    if user is None or user.get("deleted"):
        raise bridge_error(401, "invalid_token", "the access token's user no longer exists")
    return user


async def json_body(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The JSON object body: 415 without a JSON content type, 422 for invalid JSON [DOC B9],
    400 when it is not an object [GAP]. An empty body counts as `{}` where `optional`."""
    raw = await request.body()
    if optional and not raw.strip():
        return {}
    if "json" not in request.headers.get("content-type", ""):
        raise bridge_error(415, "unsupported_media_type", "Content-Type must be application/json")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bridge_error(422, "invalid_json", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bridge_error(400, "invalid_request", "the request body must be a JSON object")
    return body
