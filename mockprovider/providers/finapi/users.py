"""finAPI Access's authorized user: `GET`, `PATCH` and `DELETE /api/v1/users`
(`finapi-access.yaml` 1.151.1: `User`, `UserUpdateParams`).

A user logged in through the `users` setting (or any pair, when it is empty) has no record until
it is changed: it reads back with null `email` and `phone`. `DELETE` answers 200 with no body
[DOC-2]; the user's tokens stop working at once and its login is refused from then on.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.providers.finapi.auth import NAME, require_access_user
from mockprovider.providers.finapi.errors import access_error, json_response, request_id
from mockprovider.web.context import context

#: `UserUpdateParams.email` / `.phone` pattern and lengths [DOC-2 finapi-access.yaml].
ALLOWED = re.compile(r"[A-Za-z0-9\u00a1-\u02af &(){}\[\].:,;?!+\-_$@#~`^€]*")
LIMITS = {"email": 320, "phone": 50}
#: The file: "some services may return a distorted password (always 'XXXXX')".
HIDDEN = "XXXXX"


def user_body(user: str, doc: dict[str, Any] | None) -> dict[str, Any]:
    doc = doc or {}
    return {
        "id": user,
        "password": HIDDEN,
        "email": doc.get("email"),
        "phone": doc.get("phone"),
        "isAutoUpdateEnabled": bool(doc.get("isAutoUpdateEnabled", False)),
    }


async def get_user(request: Request) -> Response:
    """200 `User` of the token's user (password distorted)."""
    sandbox = context(request).sandbox
    user = await require_access_user(request, sandbox)
    return json_response(request, user_body(user, await sandbox.records(NAME).get("user", user)))


def _update(body: Any) -> list[str]:
    """Every problem with a `UserUpdateParams` body."""
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems = [
        f"unknown field {key}" for key in body if key not in (*LIMITS, "isAutoUpdateEnabled")
    ]
    for key, high in LIMITS.items():
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not ALLOWED.fullmatch(value) or len(value) > high:
            problems.append(f"{key} must be a string of at most {high} allowed characters")
    flag = body.get("isAutoUpdateEnabled")
    if flag is not None and not isinstance(flag, bool):
        problems.append("isAutoUpdateEnabled must be a boolean")
    return problems


async def patch_user(request: Request) -> Response:
    """200 `User` after the change; an empty string clears `email` / `phone` [DOC-2]."""
    sandbox = context(request).sandbox
    user = await require_access_user(request, sandbox)
    now = await sandbox.now()
    try:
        body = await request.json()
    except ValueError:
        body = None
    problems = _update(body)
    if problems:
        raise access_error(request, now, 400, "BAD_REQUEST", "; ".join(problems))
    records = sandbox.records(NAME)
    doc = dict(await records.get("user", user) or {"id": user})
    for key in LIMITS:
        if key in body:
            doc[key] = body[key] or None
    if body.get("isAutoUpdateEnabled") is not None:
        doc["isAutoUpdateEnabled"] = body["isAutoUpdateEnabled"]
    await records.put("user", user, doc)
    return json_response(request, user_body(user, doc))


async def delete_user(request: Request) -> Response:
    """200, empty body; the user is gone for every later call and login."""
    sandbox = context(request).sandbox
    user = await require_access_user(request, sandbox)
    await sandbox.records(NAME).put("user", user, {"id": user, "deleted": True})
    return Response(status_code=200, headers={"X-Request-Id": request_id(request)})
