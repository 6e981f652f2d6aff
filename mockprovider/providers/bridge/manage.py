"""Bridge's second hosted page: `POST /v3/aggregation/user-management-sessions` [DOC B3] and
the page at `/bridge/manage/session/<token>` where a user reviews, refreshes or deletes their
connections.

The body is the Connect session's without `max_selectable_accounts`, `provider_id` and `item_id`
[DOC B3: "nearly the same body"]; the answer is `{id, url}` like Connect's [INF]. On the page,
*Refresh* sends `item.refreshed` (status 0, `refresh_trigger` `connect`) and *Delete* removes
the item and sends `item.deleted` [DOC B15 fields]; the session ends with *Back to the
application* (`success`), *Quit* (`user_abort`), an expiry or a closed tab. Callback parameters
are not documented for this page [GAP]: the sandbox sends Connect's set with
`source=user_management` and `step=items_list` on a quit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.contract import Choice, EffectContext, Effects, Page
from mockprovider.core.outcomes import Outcome
from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.errors import Conflict, NotFound
from mockprovider.providers.bridge import auth, events, items
from mockprovider.providers.bridge.auth import bad_request
from mockprovider.providers.bridge.session_body import hosted_session, session_fields
from mockprovider.providers.bridge.settings import status_info
from mockprovider.web import hosted
from mockprovider.web.context import context
from mockprovider.web.pages import form_fields, see_other
from mockprovider.web.provider import WebProvider, with_params

NAME = "bridge"
KIND = "manage"
STEP = "items_list"
SOURCE = "user_management"  # [GAP] Connect's callbacks say `source=connect`
REFUSED = ("max_selectable_accounts", "provider_id", "item_id")


async def create(request: Request) -> Response:
    """201 `{id, url}`; nothing is created when a check fails (the Connect session's checks)."""
    ctx = context(request)
    sandbox = ctx.sandbox
    settings = await sandbox.settings(NAME)
    auth.check_version(request, settings)
    auth.check_client(request, settings, required=bool(settings["strict_client_credentials"]))
    now = await sandbox.now()
    user = await auth.user_for_token(request, sandbox.records(NAME), now)
    body = await auth.json_body(request)
    for key in REFUSED:
        if key in body:
            raise bad_request(key, f"{key} is not a field of user-management sessions")
    fields = session_fields(body, settings)
    session_id, token = str(uuid.uuid4()), str(uuid.uuid4())
    url = f"{ctx.base_url(request)}/{NAME}/manage/session/{token}"
    await sandbox.records(NAME).insert("manage_link", token, {"session_id": session_id})
    data = {**fields, "kind": KIND, "user_uuid": user["uuid"], "step": STEP, "connect_url": url}
    session = hosted_session(session_id, url, fields["callback_url"], data, settings, now)
    await sandbox.create_session(session)
    return JSONResponse({"id": session_id, "url": url}, status_code=201)


def effects(session: Session, choice: Choice, ctx: EffectContext) -> Effects:
    """The end of a management session: only the browser moves; actions sent their events."""
    data = session.data
    if choice.outcome == Outcome.EXPIRY:
        from mockprovider.providers.bridge.pages import expired_page

        return Effects(status=SessionStatus.EXPIRED, page=expired_page())
    if choice.outcome == Outcome.CLOSED_TAB:
        return Effects(status=SessionStatus.ABANDONED, page=Page("bridge/closed_tab.html"))
    success = choice.outcome == Outcome.SUCCESS
    params = [("user_uuid", str(data["user_uuid"])), ("success", "true" if success else "false")]
    if not success:
        params.append(("step", STEP))
    params.append(("source", SOURCE))
    if data.get("context"):
        params.append(("context", str(data["context"])))
    overrides = dict(choice.scenario.redirect.params) if choice.scenario else {}
    params = with_params(params, overrides)
    if not session.callback_url:
        values = {"success": success, "step": STEP, "params": params}
        return Effects(page=Page("bridge/status.html", values))
    return Effects(redirect_url=append_params(session.callback_url, params))


async def _items_view(request: Request, session: Session) -> list[dict[str, Any]]:
    sandbox = context(request).sandbox
    found = []
    for record in await sandbox.records(NAME).list("item", limit=100_000):
        if record["user_uuid"] == session.data["user_uuid"]:
            item = await items.resource(sandbox, record)
            if item is not None:
                found.append(item)
    return sorted(found, key=lambda i: int(i["id"]))


async def _act(request: Request, session: Session, form: Mapping[str, str]) -> None:
    """Refresh or delete one of the user's items, events queued with the write."""
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    raw = form.get("item", "")
    mine = {str(i["id"]) for i in await _items_view(request, session)}
    if raw not in mine:
        return  # a stale form: the item is gone or not the user's
    records = sandbox.records(NAME)
    record = await records.get("item", raw) or {}
    item_session = await sandbox.get_session(str(record["session_id"]))
    now, url = await sandbox.now(), str(settings.get("webhook_url") or "")
    user, item_id = str(session.data["user_uuid"]), int(raw)
    wanted = settings.get("events") or []
    if form.get("do") == "refresh":
        content = events.refreshed(item_id, user, 0, status_info(0), now)
        refresh = {"status_code": 0, "status_code_info": "ok", "at": now}
        kept = item_session.data.get("refresh") or {}
        messages = [events.message("item.refreshed", content, now, url)]
        await sandbox.progress(
            item_session, "refreshed from user management", data={"refresh": kept | refresh}
        )
    else:
        await records.put("item", raw, {**record, "deleted": True})
        content = events.created(item_id, user)
        messages = [events.message("item.deleted", content, now, url)]
    messages = [m for m in messages if m.event_type in wanted]
    try:
        await sandbox.progress(session, f"{STEP}: {form.get('do')} {raw}", messages=messages)
    except Conflict:
        return


def routes(provider: WebProvider) -> list[BaseRoute]:
    """The page and its forms, under `/bridge/manage/session/`."""

    async def load(request: Request) -> Session:
        sandbox = context(request).sandbox
        link = await sandbox.records(NAME).get("manage_link", request.path_params["token"])
        if link is None:
            raise NotFound("no Bridge user-management session behind this link")
        return await sandbox.get_session(str(link["session_id"]))

    async def gate(request: Request, session: Session) -> Response | None:
        from mockprovider.providers.bridge.pages import gate as connect_gate

        return await connect_gate(request, provider, session)

    async def page(request: Request) -> Response:
        session = await load(request)
        gated = await gate(request, session)
        if gated is not None:
            return gated
        session = await context(request).sandbox.mark_opened(session)
        session.data["items_view"] = await _items_view(request, session)  # shown, not stored
        return await hosted.show(request, provider, session)

    async def step(request: Request) -> Response:
        session = await load(request)
        gated = await gate(request, session)
        if gated is not None:
            return gated
        form = await form_fields(request)
        do = form.get("do", "")
        if do in ("done", "quit"):
            name = Outcome.SUCCESS.value if do == "done" else Outcome.USER_ABORT.value
            sandbox = context(request).sandbox
            done = await sandbox.complete(session.id, name, via="page", session=session)
            return await hosted.respond(request, provider, done)
        if do in ("refresh", "delete"):
            await _act(request, session, form)
        return see_other(str(session.data["connect_url"]))

    path = "/manage/session/{token}"
    return [
        Route(path, page, methods=["GET"], name="manage"),
        Route(path, step, methods=["POST"], name="manage_step"),
    ]
