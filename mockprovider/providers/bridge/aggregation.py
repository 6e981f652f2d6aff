"""Bridge v3 account data: `GET /v3/aggregation/accounts`, `/accounts/{id}`,
`/transactions` and `/transactions/updated` (user token, as for items).

Shapes: the account example of Bridge's "Manage your accounts" guide
(docs.bridgeapi.io/docs/manage-your-accounts) and the transaction example of "Manage your
transactions" (docs.bridgeapi.io/docs/manage-your-transactions); fields past the part those
pages show are the v2 example's renamed as v3 names them (`deleted`, `future`) [INF]. Lists are
`{"resources": […], "pagination": {"next_uri"}}` with `limit` and an `after` cursor [DOC B8].
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.accountdata import DataSet
from mockprovider.core.engine import Sandbox
from mockprovider.errors import DataUnavailable, NotFound
from mockprovider.providers.bridge import data
from mockprovider.providers.bridge.auth import bad_request, bridge_error
from mockprovider.providers.bridge.items import user_and_sandbox
from mockprovider.providers.bridge.resources import account_body, transaction_body
from mockprovider.providers.bridge.settings import DEMO_BANK_ID

NAME = "bridge"
MAX_LIMIT = 500
DEFAULT_LIMIT = 50  # [GAP]


async def user_items(sandbox: Sandbox, user: str) -> Iterator[tuple[int, DataSet, int]]:
    """(item id, data set, provider id) of the user's synced, undeleted items by id."""
    found = []
    for record in await sandbox.records(NAME).list("item", limit=100_000):
        if record["user_uuid"] != user or record.get("deleted"):
            continue
        try:
            session = await sandbox.get_session(str(record["session_id"]))
        except NotFound:
            continue
        try:
            dataset = await data.item_data(sandbox, session)
        except DataUnavailable as exc:  # v3 body; the code is the sandbox's [GAP]
            raise bridge_error(exc.status, "provider_error", str(exc)) from None
        if dataset is not None:
            provider = session.data.get("provider_id") or DEMO_BANK_ID
            found.append((int(record["id"]), dataset, int(provider)))
    return iter(sorted(found, key=lambda f: f[0]))


async def _accounts(request: Request) -> list[dict[str, Any]]:
    sandbox, user = await user_and_sandbox(request)
    items = await user_items(sandbox, str(user["uuid"]))
    return [
        account_body(item, i, account, provider, dataset.anchor)
        for item, dataset, provider in items
        for i, account in enumerate(dataset.accounts)
    ]


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit", "")
    if raw and not (raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT):
        raise bad_request("limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw) if raw else DEFAULT_LIMIT


def _page(
    request: Request, rows: list[dict[str, Any]], path: str, keep: Mapping[str, str]
) -> Response:
    """One page after the `after` cursor (a resource id), and the next page's uri."""
    limit = _limit(request.query_params)
    after = request.query_params.get("after", "")
    start = 0
    if after:
        ids = [str(r["id"]) for r in rows]
        if after not in ids:
            raise bad_request("after", "after must be a cursor from pagination.next_uri")
        start = ids.index(after) + 1
    page = rows[start : start + limit]
    next_uri = None
    if start + limit < len(rows):
        query = {**keep, "limit": str(limit), "after": str(page[-1]["id"])}
        next_uri = f"/v3/aggregation/{path}?{urlencode(query)}"
    return JSONResponse({"resources": page, "pagination": {"next_uri": next_uri}})


async def list_accounts(request: Request) -> Response:
    """The user's accounts, `item_id` filters by item."""
    rows = await _accounts(request)
    keep: dict[str, str] = {}
    item = request.query_params.get("item_id", "")
    if item:
        if not item.isdigit():
            raise bad_request("item_id", "item_id must be an item id")
        rows = [r for r in rows if r["item_id"] == int(item)]
        keep["item_id"] = item
    return _page(request, rows, "accounts", keep)


async def get_account(request: Request) -> Response:
    """One account of the user's; 404 for another user's or an unknown id [DOC B9]."""
    raw = request.path_params["account_id"]
    found = [r for r in await _accounts(request) if str(r["id"]) == raw]
    if not found:
        raise bridge_error(404, "not_found", f"no account {raw}")
    return JSONResponse(found[0])


def _when(query: Mapping[str, str], name: str, *, date_only: bool) -> float | None:
    raw = query.get(name, "")
    if not raw:
        return None
    text = raw.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        kind = "a date (YYYY-MM-DD)" if date_only else "an ISO 8601 date-time"
        raise bad_request(name, f"{name} must be {kind}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


async def _transactions(request: Request, path: str) -> Response:
    """Newest first (`/updated`: by `updated_at`, the sync's time); `since`/`until` bound
    `updated_at`, `min_date`/`max_date` the `date`, `account_id` filters [INF]."""
    sandbox, user = await user_and_sandbox(request)
    query = request.query_params
    since, until = _when(query, "since", date_only=False), _when(query, "until", date_only=False)
    low, high = _when(query, "min_date", date_only=True), _when(query, "max_date", date_only=True)
    account = query.get("account_id", "")
    if account and not account.isdigit():
        raise bad_request("account_id", "account_id must be an account id")
    rows: list[tuple[float, float, dict[str, Any]]] = []
    for item, dataset, _ in await user_items(sandbox, str(user["uuid"])):
        at = dataset.anchor
        if (since is not None and at <= since) or (until is not None and at > until):
            continue
        for i, acct in enumerate(dataset.accounts):
            account_id = data.account_id(item, i)
            if account and int(account) != account_id:
                continue
            for tx in acct.transactions:
                booked = tx.booked_at - tx.booked_at % 86400
                if (low is not None and booked < low) or (high is not None and booked > high):
                    continue
                rows.append((at, tx.booked_at, transaction_body(tx, account_id, at)))
    if path.endswith("updated"):
        rows.sort(key=lambda r: (r[0], r[1], r[2]["id"]), reverse=True)
    else:
        rows.sort(key=lambda r: (r[1], r[2]["id"]), reverse=True)
    kept = ("since", "until", "min_date", "max_date", "account_id")
    keep = {k: v for k, v in query.items() if k in kept}
    return _page(request, [r[2] for r in rows], path, keep)


async def list_transactions(request: Request) -> Response:
    return await _transactions(request, "transactions")


async def list_updated(request: Request) -> Response:
    return await _transactions(request, "transactions/updated")


def routes(base: str) -> list[BaseRoute]:
    return [
        Route(f"{base}/accounts", list_accounts, methods=["GET"]),
        Route(f"{base}/accounts/{{account_id}}", get_account, methods=["GET"]),
        Route(f"{base}/transactions", list_transactions, methods=["GET"]),
        Route(f"{base}/transactions/updated", list_updated, methods=["GET"]),
    ]
