"""Items (spec §1.2.4): `GET /v3/aggregation/items` and `/items/{item_id}`.

An item id is minted with its Connect session; the item exists for the API once the funnel
(or an outcome) created it, and shows the status of the last `item.refreshed` sent (§1.9.6).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.core.engine import Sandbox
from mockprovider.core.records import Records
from mockprovider.errors import NotFound
from mockprovider.providers.bridge import auth, events
from mockprovider.providers.bridge.auth import bad_request, bridge_error
from mockprovider.providers.bridge.settings import DEMO_BANK_ID, DESCRIPTIONS, status_info
from mockprovider.web.context import context

NAME = "bridge"
MAX_LIMIT = 500  # [GAP]: the documented example uses 100


async def mint_item_id(records: Records, user_uuid: str, session_id: str, now: float) -> int:
    """A fresh integer id (Bridge item ids are integers [DOC B15])."""
    while True:
        item_id = 1_000_000 + secrets.randbelow(9_000_000)
        doc = {"id": item_id, "user_uuid": user_uuid, "session_id": session_id, "at": now}
        if await records.insert("item", str(item_id), doc):
            return item_id


async def resource(sandbox: Sandbox, record: dict[str, Any]) -> dict[str, Any] | None:
    """The v3 item as public integrations read it [DOC-2 B21], or None if not created yet
    (or deleted)."""
    if record.get("deleted"):
        return None
    try:
        session = await sandbox.get_session(str(record["session_id"]))
    except NotFound:
        return None
    data = session.data
    if not data.get("item_created"):
        return None
    refresh = data.get("refresh")
    status = int(refresh["status_code"]) if refresh else -2
    info = str(refresh["status_code_info"]) if refresh else status_info(-2)
    ok_at = refresh["at"] if refresh and status == 0 else None
    return {
        "id": record["id"],
        "status": status,
        "status_code_info": info,
        "status_code_description": DESCRIPTIONS.get(status),
        "provider_id": data.get("provider_id") or DEMO_BANK_ID,
        "account_types": data.get("account_types", "payment"),
        "last_successful_refresh": iso_millis(ok_at) if ok_at is not None else None,
        "last_try_refresh": iso_millis(refresh["at"]) if refresh else None,
        "created_at": iso_millis(float(data.get("item_created_at", record["at"]))),
        "authentication_expires_at": (
            iso_millis(ok_at + events.SCA_VALIDITY) if ok_at is not None else None
        ),
    }


async def user_and_sandbox(request: Request) -> tuple[Sandbox, dict[str, Any]]:
    """The sandbox and the user of the request's token (version, client and token checked)."""
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    auth.check_version(request, settings)
    auth.check_client(request, settings, required=bool(settings["strict_client_credentials"]))
    user = await auth.user_for_token(request, sandbox.records(NAME), await sandbox.now())
    return sandbox, user


async def list_items(request: Request) -> Response:
    """The user's items by id, `limit` per page, `pagination.next_uri` (null on the last)."""
    sandbox, user = await user_and_sandbox(request)
    raw_limit = request.query_params.get("limit", "")
    after = request.query_params.get("after", "")
    if raw_limit and not (raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_LIMIT):
        raise bad_request("limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    if after and not after.isdigit():
        raise bad_request("after", "after must be an item id")
    limit = int(raw_limit) if raw_limit else MAX_LIMIT
    records = await sandbox.records(NAME).list("item", limit=100_000)
    mine = sorted(
        (r for r in records if r["user_uuid"] == user["uuid"] and r["id"] > int(after or 0)),
        key=lambda r: int(r["id"]),
    )
    found: list[dict[str, Any]] = []
    next_uri = None
    for record in mine:
        item = await resource(sandbox, record)
        if item is None:
            continue
        if len(found) == limit:
            next_uri = f"/v3/aggregation/items?limit={limit}&after={found[-1]['id']}"
            break
        found.append(item)
    return JSONResponse({"resources": found, "pagination": {"next_uri": next_uri}})


async def get_item(request: Request) -> Response:
    """One of the user's items; 404 for another user's or an unknown id [DOC B9]."""
    sandbox, user = await user_and_sandbox(request)
    raw = request.path_params["item_id"]
    record = await sandbox.records(NAME).get("item", raw) if raw.isdigit() else None
    item = None
    if record is not None and record["user_uuid"] == user["uuid"]:
        item = await resource(sandbox, record)
    if item is None:
        raise bridge_error(404, "not_found", f"no item {raw}")
    return JSONResponse(item)


async def delete_item(request: Request) -> Response:
    """204 [DOC B9: "Resource deleted"]; `item.deleted` is sent [DOC B15], the item and its
    accounts and transactions are gone for every later call, another user's item is 404."""
    sandbox, user = await user_and_sandbox(request)
    raw = request.path_params["item_id"]
    records = sandbox.records(NAME)
    record = await records.get("item", raw) if raw.isdigit() else None
    if (
        record is None
        or record["user_uuid"] != user["uuid"]
        or await resource(sandbox, record) is None
    ):
        raise bridge_error(404, "not_found", f"no item {raw}")
    await records.put("item", raw, {**record, "deleted": True})
    session = await sandbox.get_session(str(record["session_id"]))
    settings = await sandbox.settings(NAME)
    if "item.deleted" in (settings.get("events") or []):
        content = events.created(int(record["id"]), str(user["uuid"]))  # same two fields
        url = str(settings.get("webhook_url") or "")
        message = events.message("item.deleted", content, await sandbox.now(), url)
        await sandbox.progress(session, "item deleted", messages=[message])
    return Response(status_code=204)


def routes(base: str) -> list[BaseRoute]:
    return [
        Route(f"{base}/items", list_items, methods=["GET"]),
        Route(f"{base}/items/{{item_id}}", get_item, methods=["GET"]),
        Route(f"{base}/items/{{item_id}}", delete_item, methods=["DELETE"]),
    ]
