"""Bridge API v3 "aggregation": users, user tokens, Connect sessions (spec §1.2).

Mounted under `/bridge`, so a client's base `https://api.bridgeapi.io` becomes
`http://127.0.0.1:8600/bridge`. Nothing is created unless every check passed.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.providers.bridge import aggregation, auth, items, manage, tenancy, users
from mockprovider.providers.bridge.auth import bad_request, bridge_error
from mockprovider.providers.bridge.flow import FIRST_STEP
from mockprovider.providers.bridge.session_body import hosted_session, session_fields
from mockprovider.web.context import context

NAME = "bridge"
EXTERNAL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")  # [DOC B10]
#: country_code values [DOC B4].


async def create_user(request: Request) -> Response:
    """`POST /v3/aggregation/users` → 201 `{uuid, external_user_id}`; 409 on a duplicate
    `external_user_id` [INF from DOC B9]."""
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    auth.check_version(request, settings)
    auth.check_client(request, settings, required=True)
    body = await auth.json_body(request, optional=True)
    external = body.get("external_user_id")
    if external is not None and not (isinstance(external, str) and EXTERNAL_ID.match(external)):
        raise bad_request("external_user_id", "external_user_id must match [a-zA-Z0-9-_]{1,128}")
    records = sandbox.records(NAME)
    user: dict[str, Any] = {"uuid": str(uuid.uuid4()), "external_user_id": external}
    if isinstance(external, str) and not await records.insert("external", external, user):
        link = await records.get("external", external) or {}
        if not (await records.get("user", str(link.get("uuid"))) or {}).get("deleted"):
            raise bridge_error(
                409, "conflict", f"a user with external_user_id {external!r} already exists"
            )
        await records.put("external", external, user)  # a deleted user's id is free [INF]
    await records.insert("user", user["uuid"], user)
    return JSONResponse(user, status_code=201)


async def create_token(request: Request) -> Response:
    """`POST /v3/aggregation/authorization/token` → 200 `{access_token, expires_at, user}`;
    the token lasts `token_ttl` (2 h [DOC B8]) on the sandbox clock."""
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    auth.check_version(request, settings)
    auth.check_client(request, settings, required=True)
    body = await auth.json_body(request)
    records = sandbox.records(NAME)
    user: dict[str, Any] | None = None
    if isinstance(body.get("user_uuid"), str):
        user = await records.get("user", body["user_uuid"])
    elif isinstance(body.get("external_user_id"), str):
        link = await records.get("external", body["external_user_id"])
        user = await records.get("user", link["uuid"]) if link else None
    else:
        raise bad_request("user_uuid", "send user_uuid or external_user_id")
    if user is None or user.get("deleted"):
        raise bridge_error(404, "not_found", "no such user")
    now = await sandbox.now()
    token = tenancy.new_user_token(request, settings)
    expires = now + float(settings["token_ttl"])
    await records.put("token", token, {"user_uuid": user["uuid"], "expires_at": expires})
    answer = {"access_token": token, "expires_at": iso_millis(expires), "user": user}
    return JSONResponse(answer)


async def create_connect_session(request: Request) -> Response:
    """`POST /v3/aggregation/connect-sessions` → 201 `{id, url}`; `url` carries an opaque
    token, not the id [DOC B5], under `/bridge/connect/session/` (spec §1.3 sandbox choice)."""
    ctx = context(request)
    sandbox = ctx.sandbox
    settings = await sandbox.settings(NAME)
    auth.check_version(request, settings)
    auth.check_client(request, settings, required=bool(settings["strict_client_credentials"]))
    records = sandbox.records(NAME)
    now = await sandbox.now()
    user = await auth.user_for_token(request, records, now)
    fields = session_fields(await auth.json_body(request), settings)
    session_id, token = str(uuid.uuid4()), str(uuid.uuid4())
    item_id = await items.mint_item_id(records, user["uuid"], session_id, now)
    url = f"{ctx.base_url(request)}/{NAME}/connect/session/{token}"
    await records.insert("link", token, {"session_id": session_id})
    step = "bank_creds_form" if fields["provider_id"] is not None else FIRST_STEP
    data = {
        **fields,
        "user_uuid": user["uuid"],
        "external_user_id": user.get("external_user_id"),
        "item_id": item_id,
        "token": token,
        "step": step,
        "connect_url": url,
    }
    session = hosted_session(session_id, url, fields["callback_url"], data, settings, now)
    await sandbox.create_session(session)
    return JSONResponse({"id": session_id, "url": url}, status_code=201)


def routes() -> list[BaseRoute]:
    base = "/v3/aggregation"
    return [
        Route(f"{base}/users", create_user, methods=["POST"]),
        Route(f"{base}/authorization/token", create_token, methods=["POST"]),
        Route(f"{base}/connect-sessions", create_connect_session, methods=["POST"]),
        Route(f"{base}/user-management-sessions", manage.create, methods=["POST"]),
        *items.routes(base),
        *aggregation.routes(base),
        *users.routes(base),
    ]
