"""Update tasks (spec §2.3, §2.5 "update", §2.6): `POST /api/tasks/backgroundUpdate` → 201
Task, `GET /api/tasks/{id}`.

The 201 body is the documented `NOT_YET_STARTED` task; the sandbox then "processes" it at once:
an id in `background_update_results` finishes in the background (finalised callback
`{taskId, status}`), any other needs a web form (`webFormRequired` callback with
`webForm.status: NOT_YET_OPENED`; when that form is final, the finalised callback with
`webForm`). The task's status is always derived from its web form, so polling agrees.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.errors import NotFound
from mockprovider.providers.finapi import validate
from mockprovider.providers.finapi.auth import NAME, require_user
from mockprovider.providers.finapi.bodies import finapi_time, message, task_body, webform_info
from mockprovider.providers.finapi.errors import error, json_response, validation_error
from mockprovider.providers.finapi.webforms import check_redirect, json_body, new_webform
from mockprovider.web.context import context


async def background_update(request: Request) -> Response:
    sandbox = context(request).sandbox
    now = await sandbox.now()
    user = await require_user(request, sandbox)
    body = await json_body(request, now)
    settings = await sandbox.settings(NAME)
    problems = validate.update(body, str(settings["callback_url_check"]))
    if problems:
        raise validation_error(request, now, problems)
    check_redirect(request, now, body, settings)
    bcid = int(body["bankConnectionId"])
    if bcid in settings["locked_bank_connection_ids"]:
        raise error(
            request, now, 423, "LOCKED", f"Bank connection {bcid} is currently being updated."
        )
    hooks = dict(body.get("callbacks") or {})
    task: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "createdAt": now,
        "user": user,
        "bankConnectionId": bcid,
        "result": settings["background_update_results"].get(str(bcid)),
        "webFormId": None,
    }
    if task["result"] is None:
        session = await new_webform(
            request,
            "BANK_CONNECTION_UPDATE",
            user,
            now,
            {"bankConnectionId": bcid, "task": {"id": task["id"], "callbacks": hooks}},
        )
        task["webFormId"] = session.id
        required = {
            "taskId": task["id"],
            "status": "WEB_FORM_REQUIRED",
            "webForm": webform_info(session, "NOT_YET_OPENED"),
        }
        messages = [message("task.webFormRequired", hooks.get("webFormRequired"), required)]
    else:
        # Finished in the background: a closed session only records the callback.
        session = Session(
            id=task["id"],
            provider=NAME,
            created_at=now,
            expires_at=now,
            hosted_url=f"{context(request).base_url(request)}/{NAME}/api/tasks/{task['id']}",
            status=SessionStatus.FINISHED,
            data={"task_only": True, "user": user, "bankConnectionId": bcid},
        )
        final = {"taskId": task["id"], "status": task["result"]}
        messages = [message("task.finalised", hooks.get("finalised"), final)]
    await sandbox.records(NAME).put("task", task["id"], task)
    await sandbox.create_session(session, messages)
    created = {
        "id": task["id"],
        "createdAt": finapi_time(now),
        "type": "BANK_CONNECTION_UPDATE",
        "status": "NOT_YET_STARTED",
        "payload": {"bankConnectionId": bcid, "webForm": None},
    }
    return json_response(request, created, 201)


async def task_view(sandbox: Sandbox, task: dict[str, Any]) -> dict[str, Any]:
    """The Task body of a stored task, its web form read as it is now (expired if due)."""
    session = None
    if task.get("webFormId"):
        try:
            session = await sandbox.expire_if_due(await sandbox.get_session(str(task["webFormId"])))
        except NotFound:
            session = None
    return task_body(task, session)


async def get_task(request: Request) -> Response:
    """`GET /api/tasks/{id}`; 404 `NOT_FOUND` for unknown or another user's task [INF]."""
    sandbox = context(request).sandbox
    user = await require_user(request, sandbox)
    task_id = request.path_params["id"]
    task = await sandbox.records(NAME).get("task", task_id)
    if task is None or task.get("user") != user:
        raise error(request, await sandbox.now(), 404, "NOT_FOUND", f"Task {task_id} not found.")
    return json_response(request, await task_view(sandbox, task))
