"""Bridge v3 users and providers with the application's credentials:
`GET /v3/aggregation/users`, `GET`/`DELETE /v3/aggregation/users/{uuid}`, `GET /v3/providers`
and `GET /v3/providers/{id}`.

Users are the User resource `{uuid, external_user_id}` [DOC B10] in v3 lists
(`resources`, `pagination.next_uri`, `limit`, `after` [DOC B8]). Deleting a user answers 204
[DOC B9], sends `user.deleted` [DOC B15] (on the user's latest Connect session, where its
webhooks are recorded; a user who never opened one gets none [INF]) and ends its tokens.
Providers are the banks of the funnel (the `banks` setting), in the fields public v3
integrations read [DOC-2 B21]: `id`, `name`, `country_code`, `images.logo`, `capabilities`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.engine import Sandbox
from mockprovider.providers.bridge import auth, events
from mockprovider.providers.bridge.auth import bad_request, bridge_error
from mockprovider.web.context import context

NAME = "bridge"
MAX_LIMIT = 500
#: What every demo bank can do [INF]: account aggregation, as the funnel imitates.
CAPABILITIES = ["aggregation"]


async def _app(request: Request) -> tuple[Sandbox, dict[str, Any]]:
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    auth.check_version(request, settings)
    auth.check_client(request, settings, required=True)
    return sandbox, settings


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "")
    if raw and not (raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT):
        raise bad_request("limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw) if raw else MAX_LIMIT


def public(user: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": user["uuid"], "external_user_id": user.get("external_user_id")}


async def list_users(request: Request) -> Response:
    """The application's users, oldest first; `after` is a user uuid."""
    sandbox, _ = await _app(request)
    limit, after = _limit(request), request.query_params.get("after", "")
    users = [
        u for u in await sandbox.records(NAME).list("user", limit=100_000) if not u.get("deleted")
    ]
    uuids = [u["uuid"] for u in users]
    if after and after not in uuids:
        raise bad_request("after", "after must be a cursor from pagination.next_uri")
    start = uuids.index(after) + 1 if after else 0
    page = users[start : start + limit]
    next_uri = None
    if start + limit < len(users):
        next_uri = "/v3/aggregation/users?" + urlencode({"limit": limit, "after": page[-1]["uuid"]})
    body = {"resources": [public(u) for u in page], "pagination": {"next_uri": next_uri}}
    return JSONResponse(body)


async def _known(sandbox: Sandbox, uuid: str) -> dict[str, Any]:
    user = await sandbox.records(NAME).get("user", uuid)
    if user is None or user.get("deleted"):
        raise bridge_error(404, "not_found", f"no user {uuid}")
    return user


async def get_user(request: Request) -> Response:
    sandbox, _ = await _app(request)
    return JSONResponse(public(await _known(sandbox, request.path_params["uuid"])))


async def delete_user(request: Request) -> Response:
    sandbox, settings = await _app(request)
    user = await _known(sandbox, request.path_params["uuid"])
    records = sandbox.records(NAME)
    await records.put("user", user["uuid"], {**user, "deleted": True})
    mine = await sandbox.list_sessions(NAME, limit=1000)  # newest first
    latest = next((s for s in mine if s.data.get("user_uuid") == user["uuid"]), None)
    if latest is not None and "user.deleted" in (settings.get("events") or []):
        url = str(settings.get("webhook_url") or "")
        message = events.message(
            "user.deleted", {"user_uuid": user["uuid"]}, await sandbox.now(), url
        )
        await sandbox.progress(latest, "user deleted", messages=[message])
    return Response(status_code=204)


def provider_body(bank: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(bank["id"]),
        "name": str(bank["name"]),
        "country_code": str(bank.get("country_code") or "FR"),
        "images": {"logo": None},
        "capabilities": list(bank.get("capabilities") or CAPABILITIES),
    }


async def list_providers(request: Request) -> Response:
    _, settings = await _app(request)
    banks = [provider_body(b) for b in settings.get("banks") or []]
    return JSONResponse({"resources": banks, "pagination": {"next_uri": None}})


async def get_provider(request: Request) -> Response:
    _, settings = await _app(request)
    raw = request.path_params["provider_id"]
    for bank in settings.get("banks") or []:
        if str(bank.get("id")) == raw:
            return JSONResponse(provider_body(bank))
    raise bridge_error(404, "not_found", f"no provider {raw}")


def routes(base: str) -> list[BaseRoute]:
    return [
        Route(f"{base}/users", list_users, methods=["GET"]),
        Route(f"{base}/users/{{uuid}}", get_user, methods=["GET"]),
        Route(f"{base}/users/{{uuid}}", delete_user, methods=["DELETE"]),
        Route("/v3/providers", list_providers, methods=["GET"]),
        Route("/v3/providers/{provider_id}", get_provider, methods=["GET"]),
    ]
