"""finAPI Access tokens (spec §2.2, §2.10): `POST /api/v2/oauth/token` (form body) and the
legacy `POST /oauth/token`, where the `finapi` 0.9.9 client sends every parameter in the query
string with an empty JSON body [CODE]; `POST /api/v2/users`; and the Bearer check of every
Web Form 2.0 call (401 `UNAUTHORIZED` for missing, expired or non-user tokens [DOC-2 F7]).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.engine import Sandbox
from mockprovider.errors import ProviderError
from mockprovider.providers.finapi import tenancy
from mockprovider.providers.finapi.errors import (
    access_error,
    bad_credentials,
    error,
    json_response,
)
from mockprovider.web.context import context
from mockprovider.web.pages import form_fields

NAME = "finapi"
GRANTS = ("client_credentials", "password", "refresh_token")


def _access_error(request: Request, now: float, message: str) -> ProviderError:
    """Access's `ErrorMessage` (400) [DOC-2 finapi-access.yaml]."""
    return access_error(request, now, 400, "BAD_REQUEST", message)


def _bad_credentials(kind: str, description: str) -> ProviderError:
    """401 `BadCredentialsError`; a wrong user password answers 401 `invalid_grant` too [INF]."""
    return bad_credentials(kind, description)


async def _params(request: Request) -> dict[str, str]:
    """Query string first, then a form body over it: both clients are served (§2.10)."""
    params = dict(request.query_params)
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        params.update(await form_fields(request))
    return params


def _client_ok(params: Mapping[str, str], settings: Mapping[str, Any]) -> bool:
    """The client pair, each part compared in constant time."""
    ok_id = _same(str(settings["client_id"]), params["client_id"])
    ok_secret = _same(str(settings["client_secret"]), params["client_secret"])
    return ok_id and ok_secret


def _user_ok(settings: Mapping[str, Any], known: dict[str, Any] | None, user: str, pw: str) -> bool:
    if not user or not pw:
        return False
    if known is not None and known.get("deleted"):  # DELETE /api/v1/users
        return False
    if known is not None:
        return _same(known.get("password"), pw)
    users = settings["users"] or {}
    return not users or (user in users and _same(users[user], pw))


def _same(expected: Any, given: str) -> bool:
    """`given` is the (string) `expected`, compared in constant time."""
    return isinstance(expected, str) and hmac.compare_digest(expected.encode(), given.encode())


async def token(request: Request) -> Response:
    """Issue a client or user token (`expires_in` from `token_lifetime`, scope `all`)."""
    sandbox = context(request).sandbox
    now = await sandbox.now()
    settings = await sandbox.settings(NAME)
    records = sandbox.records(NAME)
    params = await _params(request)
    grant = params.get("grant_type", "")
    if grant not in GRANTS or not params.get("client_id") or not params.get("client_secret"):
        raise _access_error(
            request,
            now,
            f"grant_type must be one of {', '.join(GRANTS)}, with client_id and client_secret",
        )
    if not _client_ok(params, settings):
        raise _bad_credentials("invalid_client", "Bad client credentials")
    user: str | None = None
    if grant == "password":
        user, pw = params.get("username", ""), params.get("password", "")
        if not _user_ok(settings, await records.get("user", user) if user else None, user, pw):
            raise _bad_credentials("invalid_grant", "Bad credentials")
    elif grant == "refresh_token":
        found = (
            await records.get("refresh", params.get("refresh_token", ""))
            if params.get("refresh_token")
            else None
        )
        if found is None:
            raise _bad_credentials("invalid_grant", "Invalid refresh token")
        user = str(found["user"])
    lifetime = int(settings["token_lifetime"])
    access = tenancy.new_access_token(request, settings)
    await records.put("token", access, {"user": user, "expires_at": now + lifetime})
    body: dict[str, Any] = {"access_token": access, "token_type": "bearer"}
    if user is not None:  # client tokens come without a refresh token [INF]
        refresh = secrets.token_urlsafe(32)
        await records.put("refresh", refresh, {"user": user})
        body["refresh_token"] = refresh
    body |= {"expires_in": lifetime, "scope": "all"}
    return json_response(request, body)


async def bearer(request: Request, sandbox: Sandbox) -> dict[str, Any] | None:
    """The stored token the request's `Authorization: Bearer …` names, if still valid."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    found = await sandbox.records(NAME).get("token", value.strip())
    if found is None or float(found["expires_at"]) <= await sandbox.now():
        return None
    return found


async def _live_user(sandbox: Sandbox, found: dict[str, Any] | None) -> str | None:
    """The token's user, unless there is none or it was deleted since."""
    if found is None or not found.get("user"):
        return None
    known = await sandbox.records(NAME).get("user", str(found["user"]))
    return None if known is not None and known.get("deleted") else str(found["user"])


async def require_token(request: Request, sandbox: Sandbox) -> dict[str, Any]:
    """Any valid Access token (client or user); 401 `BadCredentialsError` otherwise."""
    found = await bearer(request, sandbox)
    if found is None or (found.get("user") and await _live_user(sandbox, found) is None):
        raise _bad_credentials("invalid_token", "Not authenticated or invalid access_token")
    return found


async def require_access_user(request: Request, sandbox: Sandbox) -> str:
    """The user of a valid user token, for Access's `/api/v1/…` calls; 401
    `BadCredentialsError` otherwise [DOC-2 finapi-access.yaml]."""
    user = await _live_user(sandbox, await bearer(request, sandbox))
    if user is None:
        raise _bad_credentials("invalid_token", "Not authenticated or invalid access_token")
    return user


async def require_user(request: Request, sandbox: Sandbox) -> str:
    """The user of a valid user token; 401 `UNAUTHORIZED` otherwise [DOC-2 F7]."""
    found = await bearer(request, sandbox)
    if await _live_user(sandbox, found) is None or found is None:
        raise error(
            request,
            await sandbox.now(),
            401,
            "UNAUTHORIZED",
            "Not authenticated or invalid access token: use a user's access token "
            "(grant_type=password).",
        )
    return str(found["user"])


async def create_user(request: Request) -> Response:
    """`POST /api/v2/users` with a client token [DOC-2 F11]: the user may then log in."""
    sandbox = context(request).sandbox
    now = await sandbox.now()
    found = await bearer(request, sandbox)
    if found is None or found.get("user"):
        raise _bad_credentials("invalid_token", "Not authenticated or invalid access_token")
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _access_error(request, now, "the body must be a JSON object")
    user = str(body.get("id") or f"user-{secrets.token_hex(6)}")
    password = str(body.get("password") or secrets.token_urlsafe(12))
    doc = {
        "id": user,
        "password": password,
        "email": body.get("email"),
        "phone": body.get("phone"),
        "isAutoUpdateEnabled": bool(body.get("isAutoUpdateEnabled", False)),
    }
    records = sandbox.records(NAME)
    if not await records.insert("user", user, doc):
        if not (await records.get("user", user) or {}).get("deleted"):
            raise _access_error(request, now, f"user {user} already exists")
        await records.put("user", user, doc)  # the id of a deleted user is free again [INF]
    return json_response(request, doc, 201)
