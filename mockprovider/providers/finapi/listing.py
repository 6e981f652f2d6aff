"""`GET /api/webForms` and `GET /api/tasks` (spec §2.3 "Polling / management endpoints",
[DOC-2 F7]): one page of the caller's web forms or tasks,
`{"items": [...], "paging": {"page", "perPage", "pageCount", "totalCount"}}`.

Query, all optional [DOC-2 F7]: `page` (default 1), `perPage` (default 20; at most 500, the
`Paging` schema's maximum and the pages' `maxItems`), `order` = `createdAt[,asc|desc]` (default
`createdAt,asc`). Both numbers start at 1, as finAPI Access's paging parameters do [INF]; an
empty value means the default [INF]. Bad values answer the 400 `ValidationError` listing every
problem; the messages are the sandbox's [GAP].
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import EXPIRABLE_STATUSES, Session
from mockprovider.providers.finapi.auth import NAME, require_user
from mockprovider.providers.finapi.bodies import webform_body
from mockprovider.providers.finapi.errors import json_response, validation_error
from mockprovider.providers.finapi.tasks import task_view
from mockprovider.providers.finapi.validate import Problems
from mockprovider.providers.finapi.webforms import visible_to
from mockprovider.web.context import context

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 500
INT32_MAX = 2**31 - 1
ORDER_PROPERTY = "createdAt"
#: How many web forms (newest) or tasks (oldest) a listing looks at: a sandbox limit, since the
#: Store lists a provider's sessions and records without a per-user index.
SCAN_LIMIT = 10_000
INTEGER = re.compile(r"[+-]?0*[0-9]{1,10}")  # bounded: int() of a huge string is slow

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Which page the caller asked for."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    descending: bool = False

    def cut(self, items: Sequence[T]) -> list[T]:
        """This page of `items`, which come oldest first."""
        ordered = list(reversed(items)) if self.descending else list(items)
        start = (self.page - 1) * self.per_page
        return ordered[start : start + self.per_page]

    def paging(self, total: int) -> dict[str, int]:
        """`Paging`; no items means no pages [INF]."""
        return {
            "page": self.page,
            "perPage": self.per_page,
            "pageCount": math.ceil(total / self.per_page),
            "totalCount": total,
        }


def _number(params: QueryParams, name: str, default: int, high: int) -> tuple[int, Problems]:
    raw = params.get(name, "").strip()
    if not raw:
        return default, []
    if not INTEGER.fullmatch(raw) or int(raw) > INT32_MAX:
        return default, [(name, "must be an integer")]
    value = int(raw)
    if value < 1:
        return default, [(name, "must be greater than or equal to 1")]
    if value > high:
        return default, [(name, f"must be less than or equal to {high}")]
    return value, []


def _descending(params: QueryParams) -> tuple[bool, Problems]:
    raw = params.get("order", "").strip()
    if not raw:
        return False, []
    prop, _, direction = raw.partition(",")
    direction = direction.strip().lower() or "asc"
    if prop.strip() != ORDER_PROPERTY or direction not in ("asc", "desc"):
        expected = f"{ORDER_PROPERTY}, {ORDER_PROPERTY},asc or {ORDER_PROPERTY},desc"
        return False, [("order", f"must be {expected}")]
    return direction == "desc", []


def page_request(params: QueryParams) -> tuple[PageRequest, Problems]:
    """The page asked for, and every problem with the query (empty when it is valid)."""
    page, problems = _number(params, "page", 1, INT32_MAX)
    per_page, more = _number(params, "perPage", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    descending, order = _descending(params)
    return PageRequest(page, per_page, descending), problems + more + order


async def _asked(request: Request, sandbox: Sandbox) -> PageRequest:
    wanted, problems = page_request(request.query_params)
    if problems:
        raise validation_error(request, await sandbox.now(), problems)
    return wanted


async def _current(sandbox: Sandbox, session: Session, now: float) -> Session:
    """`session` as `GET /api/webForms/{id}` would show it: expired if its time is up."""
    if session.status in EXPIRABLE_STATUSES and now >= session.expires_at:
        return await sandbox.expire_if_due(session)
    return session


async def list_webforms(request: Request) -> Response:
    """200 `WebFormsPage`: the caller's web forms (deleted ones and other users' left out)."""
    sandbox = context(request).sandbox
    user = await require_user(request, sandbox)
    wanted = await _asked(request, sandbox)
    newest_first = await sandbox.list_sessions(NAME, limit=SCAN_LIMIT)
    mine = [s for s in reversed(newest_first) if visible_to(s, user)]
    now = await sandbox.now()
    items = [webform_body(await _current(sandbox, s, now)) for s in wanted.cut(mine)]
    return json_response(request, {"items": items, "paging": wanted.paging(len(mine))})


async def list_tasks(request: Request) -> Response:
    """200 `TasksPage`: the caller's update tasks, each as `GET /api/tasks/{id}` shows it."""
    sandbox = context(request).sandbox
    user = await require_user(request, sandbox)
    wanted = await _asked(request, sandbox)
    stored = await sandbox.records(NAME).list("task", limit=SCAN_LIMIT)  # oldest first
    mine = [task for task in stored if task.get("user") == user]
    items = [await task_view(sandbox, task) for task in wanted.cut(mine)]
    return json_response(request, {"items": items, "paging": wanted.paging(len(mine))})
