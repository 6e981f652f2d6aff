"""Yapily's institutions and application users (yapily.json 12.13.0): `GET /institutions`,
`GET /institutions/{institutionId}` from the `institutions` setting, and `GET/POST /users`,
`GET/PATCH/DELETE /users/{userUuid}` over the users the auth requests create."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.core.records import Records
from mockprovider.providers.yapily import errors, views
from mockprovider.providers.yapily.auth_requests import NAME, check_auth, json_body
from mockprovider.providers.yapily.settings import AIS_SCOPE, PIS_SCOPE, find_institution
from mockprovider.web.context import context

#: What an institution entry of the setting leaves out [INF: modelo-sandbox's published entry].
GB = {"displayName": "United Kingdom", "countryCode2": "GB"}
FEATURES = [
    "INITIATE_ACCOUNT_REQUEST",
    *AIS_SCOPE,
    "IDENTITY",
    "INITIATE_DOMESTIC_SINGLE_PAYMENT",
    *PIS_SCOPE,
]
PATCHABLE = {"/applicationUserId": "applicationUserId", "/referenceId": "referenceId"}


def institution_view(entry: Mapping[str, Any], base: str) -> dict[str, Any]:
    """`Institution`: the setting's `countries`, `features`, `media` or the defaults above."""
    iid = str(entry["id"])
    media = [{"source": f"{base}/{NAME}/images/{iid}/0", "type": "icon"}]  # an SVG placeholder
    return {
        "id": iid,
        "name": str(entry.get("name") or iid),
        "fullName": str(entry.get("fullName") or entry.get("name") or iid),
        "countries": list(entry.get("countries") or [GB]),
        "environmentType": str(entry.get("environmentType") or "SANDBOX"),
        "credentialsType": str(entry.get("credentialsType") or "OPEN_BANKING_UK_AUTO"),
        "media": list(entry.get("media") or media),
        "features": list(entry.get("features") or FEATURES),
    }


async def list_institutions(request: Request) -> Response:
    ctx = context(request)
    settings = await ctx.sandbox.settings(NAME)
    check_auth(request, settings)
    base = ctx.base_url(request)
    items = [
        institution_view(e, base) for e in settings.get("institutions") or [] if isinstance(e, dict)
    ]
    meta = {"tracingId": errors.tracing_id(), "count": len(items)}
    return views.json_response({"meta": meta, "data": items})


async def get_institution(request: Request) -> Response:
    ctx = context(request)
    settings = await ctx.sandbox.settings(NAME)
    check_auth(request, settings)
    entry = find_institution(settings, request.path_params["institutionId"])
    if entry is None:
        raise errors.legacy(404, f"Institution {request.path_params['institutionId']} not found")
    return views.json_response(institution_view(entry, ctx.base_url(request)))


async def _users(request: Request) -> Records:
    sandbox = context(request).sandbox
    check_auth(request, await sandbox.settings(NAME))
    return sandbox.records(NAME)


async def user_view(request: Request, user: Mapping[str, Any]) -> dict[str, Any]:
    """`ApplicationUser`, with the institutions of its consents."""
    settings = await context(request).sandbox.settings(NAME)
    sessions = await context(request).sandbox.list_sessions(NAME, limit=1000)
    institutions = sorted(
        {str(s.data["institutionId"]) for s in sessions if s.data.get("userUuid") == user["uuid"]}
    )
    view = {
        "uuid": user["uuid"],
        "applicationUuid": str(settings["application_key"]),
        "applicationUserId": user.get("applicationUserId"),
        "referenceId": user.get("referenceId"),
        "createdAt": user.get("createdAt"),
        "institutionConsents": [{"institutionId": i} for i in institutions],
    }
    return {k: v for k, v in view.items() if v is not None}


async def _user(request: Request) -> tuple[Records, dict[str, Any]]:
    records = await _users(request)
    user = await records.get("user_uuid", request.path_params["userUuid"])
    if user is None or user.get("deleted"):
        raise errors.legacy(404, f"User {request.path_params['userUuid']} not found")
    return records, user


async def list_users(request: Request) -> Response:
    """A bare array of `ApplicationUser` [DOC], optionally `filter[applicationUserId]`."""
    records = await _users(request)
    wanted = request.query_params.getlist("filter[applicationUserId]")
    found = [u for u in await records.list("user_uuid", limit=10_000) if not u.get("deleted")]
    if wanted:
        found = [u for u in found if u.get("applicationUserId") in wanted]
    return views.json_response([await user_view(request, u) for u in found])


async def add_user(request: Request) -> Response:
    """201 `ApplicationUser`; an `applicationUserId` already taken → the legacy 409 [GAP]."""
    records = await _users(request)
    body = await json_body(request)
    app_user, reference = body.get("applicationUserId"), body.get("referenceId")
    if not isinstance(app_user, str) or not app_user:
        raise errors.bad_request("applicationUserId is required")
    if "referenceId" in body and not isinstance(reference, str):  # null too, as the schema types it
        raise errors.bad_request("referenceId must be a string")
    if not isinstance(body.get("vopOptOut", False), bool):
        raise errors.bad_request("vopOptOut must be a boolean")
    now = await context(request).sandbox.now()
    user = {"uuid": str(uuid.uuid4()), "applicationUserId": app_user, "createdAt": iso_millis(now)}
    if reference:
        user["referenceId"] = reference
    existing = await records.get("user", app_user)
    if existing is not None and not existing.get("deleted"):
        raise errors.legacy(409, f"Application user {app_user} already exists")
    await records.put("user", app_user, user)
    await records.put("user_uuid", user["uuid"], user)
    return views.json_response(await user_view(request, user), 201)


async def get_user(request: Request) -> Response:
    _, user = await _user(request)
    return views.json_response(await user_view(request, user))


async def patch_user(request: Request) -> Response:
    """JSON Patch `add`/`replace` of `/applicationUserId` or `/referenceId` → 201 [DOC]."""
    records, user = await _user(request)
    try:
        ops = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        ops = None
    if not isinstance(ops, list) or not ops:
        raise errors.bad_request("The body must be a JSON Patch array")
    for op in ops:
        if (
            not isinstance(op, dict)
            or op.get("op") not in ("add", "replace")
            or op.get("path") not in PATCHABLE
            or not isinstance(op.get("value"), str)
        ):
            raise errors.bad_request(
                "Each operation needs op add or replace, a path /applicationUserId or"
                " /referenceId and a string value"
            )
        user[PATCHABLE[op["path"]]] = op["value"]
    await records.put("user_uuid", user["uuid"], user)
    if user.get("applicationUserId"):
        await records.put("user", str(user["applicationUserId"]), user)
    return views.json_response(await user_view(request, user), 201)


async def delete_user(request: Request) -> Response:
    """200 `ApiResponseOfUserDeleteResponse`; the user's consents are revoked with it [INF]."""
    records, user = await _user(request)
    sandbox = context(request).sandbox
    revoked = []
    for session in await sandbox.list_sessions(NAME, limit=1000):
        if session.data.get("userUuid") != user["uuid"] or session.data.get("reauthorises"):
            continue  # another user's, or a re-authorisation journey (not a consent)
        if views.consent_status(session) != views.REVOKED:
            session = await sandbox.progress(
                session, "consent deleted", data={"consent_status": views.REVOKED}
            )
        revoked.append(
            {
                "id": session.id,
                "deleteStatus": "SUCCESS",
                "institutionId": session.data["institutionId"],
                "institutionConsentId": session.data["institutionConsentId"],
                "creationDate": session.data["createdAt"],
            }
        )
    gone = {**user, "deleted": True}
    await records.put("user_uuid", user["uuid"], gone)
    if user.get("applicationUserId"):
        await records.put("user", str(user["applicationUserId"]), gone)
    body = {"id": user["uuid"], "deleteStatus": "SUCCESS", "userConsents": revoked}
    if user.get("createdAt"):
        body["creationDate"] = user["createdAt"]
    return views.json_response(views.envelope(body))


def routes() -> list[BaseRoute]:
    return [
        Route("/institutions", list_institutions, methods=["GET"], name="institutions"),
        Route(
            "/institutions/{institutionId}", get_institution, methods=["GET"], name="institution"
        ),
        Route("/users", list_users, methods=["GET"], name="users"),
        Route("/users", add_user, methods=["POST"], name="user_add"),
        Route("/users/{userUuid}", get_user, methods=["GET"], name="user"),
        Route("/users/{userUuid}", patch_user, methods=["PATCH"], name="user_patch"),
        Route("/users/{userUuid}", delete_user, methods=["DELETE"], name="user_delete"),
    ]
