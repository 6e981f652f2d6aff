"""`GET /consents` (spec §5.1, [DOC S1] `getConsents`): the application's consents, newest
first, filtered by user, institution, status and creation time, with `limit` / `offset`.

At least one of `filter[applicationUserId]`, `filter[userUuid]` or `limit` is required, as the
OpenAPI file words it (the spec's summary names only the two filters); the error body is the
sandbox's legacy 400 (§2.3 [GAP]). Several values of one filter match any of them; different
filters must all match [INF].
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.core.sessions import Session
from mockprovider.providers.yapily import errors, views
from mockprovider.providers.yapily.auth_requests import NAME, check_auth
from mockprovider.providers.yapily.dates import parse_instant
from mockprovider.providers.yapily.reauth_state import settle
from mockprovider.web.context import context

#: `limit` "must be between 1 and 1000" [DOC S1].
MAX_LIMIT = 1000
#: The newest consents a listing looks at (sandbox limit: the Store lists newest first).
SCAN_LIMIT = 10_000
#: Query filter → the Consent field it matches.
FILTERS = {
    "filter[applicationUserId]": "applicationUserId",
    "filter[userUuid]": "userUuid",
    "filter[institution]": "institutionId",
    "filter[status]": "status",
}
REQUIRED = ("filter[applicationUserId]", "filter[userUuid]", "limit")


@dataclass(frozen=True)
class ConsentQuery:
    """A parsed `GET /consents` query."""

    filters: dict[str, frozenset[str]]
    limit: int | None
    offset: int
    since: float | None
    before: float | None

    def matches(self, session: Session, consent: dict[str, Any]) -> bool:
        if self.since is not None and session.created_at < self.since:
            return False
        if self.before is not None and session.created_at > self.before:
            return False
        return all(consent.get(field) in wanted for field, wanted in self.filters.items())

    def page(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        end = None if self.limit is None else self.offset + self.limit
        return list(items[self.offset : end])


def _integer(params: QueryParams, name: str, low: int, high: int | None) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.bad_request(f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise errors.bad_request(f"{name} must be {bounds}")
    return value


def _instant(params: QueryParams, name: str) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    found = parse_instant(raw)
    if found is None:
        raise errors.bad_request(f"{name} must be a date-time such as 2021-06-08T10:59:35.138Z")
    return found


def _filters(params: QueryParams) -> dict[str, frozenset[str]]:
    filters: dict[str, frozenset[str]] = {}
    for name, field in FILTERS.items():
        values = frozenset(v for v in params.getlist(name) if v)
        if values:
            filters[field] = values
    for value in filters.get("userUuid", frozenset()):
        try:
            uuid.UUID(value)
        except ValueError:
            raise errors.bad_request(f"filter[userUuid] must hold UUIDs, not {value}") from None
    return filters


def parse_query(params: QueryParams) -> ConsentQuery:
    """The query, or the legacy 400 for a missing filter or a bad value."""
    filters = _filters(params)
    limit = _integer(params, "limit", 1, MAX_LIMIT)
    if limit is None and not {"applicationUserId", "userUuid"} & filters.keys():
        raise errors.bad_request(f"At least one of {', '.join(REQUIRED)} is required")
    return ConsentQuery(
        filters=filters,
        limit=limit,
        offset=_integer(params, "offset", 0, None) or 0,
        since=_instant(params, "from"),
        before=_instant(params, "before"),
    )


def list_meta(query: ConsentQuery, count: int, total: int) -> dict[str, Any]:
    """`ResponseListMeta`: `tracingId`, `count`, `pagination {totalCount, self}` [DOC S1]."""
    echo: dict[str, Any] = {}
    if query.since is not None:
        echo["from"] = iso_millis(query.since)
    if query.before is not None:
        echo["before"] = iso_millis(query.before)
    if query.limit is not None:
        echo["limit"] = query.limit
    echo |= {"sort": "-date", "offset": query.offset}
    pagination = {"totalCount": total, "self": echo}
    return {"tracingId": errors.tracing_id(), "count": count, "pagination": pagination}


async def list_consents(request: Request) -> Response:
    """Basic auth first (§1), then the query; 200 `ApiListResponseOfConsent`."""
    sandbox = context(request).sandbox
    check_auth(request, await sandbox.settings(NAME))
    query = parse_query(request.query_params)
    found, now = [], await sandbox.now()
    for session in await sandbox.list_sessions(NAME, limit=SCAN_LIMIT):
        if not views.is_consent(session):  # a hosted request without a consent (yet)
            continue
        session = await settle(sandbox, session, now)
        consent = views.consent(session)
        if query.matches(session, consent):
            found.append(consent)
    data = query.page(found)
    body = {"meta": list_meta(query, len(data), len(found)), "data": data}
    return views.json_response(body)


def routes() -> list[BaseRoute]:
    return [Route("/consents", list_consents, methods=["GET"], name="consents")]
