"""finAPI Access handlers: `GET /api/v1/bankConnections`, `/{id}`, `/{ids}`,
`DELETE /api/v1/bankConnections/{id}`, `GET /api/v1/accounts`, `/{id}`, `/{ids}` (the file's
filters) and `GET /api/v1/accounts/dailyBalances`; all with a user token."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.accountdata import Account
from mockprovider.core.engine import Sandbox
from mockprovider.providers.finapi.auth import NAME, require_access_user
from mockprovider.providers.finapi.connections import (
    Connection,
    account_body,
    connection_body,
    connections,
    transaction_id,
)
from mockprovider.providers.finapi.errors import access_error, json_response, request_id
from mockprovider.web.context import context

DAY = 86400.0


async def mine(request: Request) -> tuple[Sandbox, list[Connection]]:
    sandbox = context(request).sandbox
    user = await require_access_user(request, sandbox)
    return sandbox, await connections(request, sandbox, user)


async def _ids(request: Request, raw: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        now = await context(request).sandbox.now()
        raise access_error(request, now, 400, "BAD_REQUEST", "ids must be integers")
    return [int(p) for p in parts]


def query_ids(request: Request, name: str) -> list[str]:
    return [v for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]


async def one_or_many(
    request: Request, rows: dict[int, dict[str, Any]], key: str, what: str
) -> Response:
    """`/{id}`: the object or 404 `UNKNOWN_ENTITY`; `/{ids}` (a comma): the known ones."""
    raw = request.path_params["ids"]
    ids = await _ids(request, raw)
    if "," in raw:
        return json_response(request, {key: [rows[i] for i in ids if i in rows]})
    if ids[0] not in rows:
        now = await context(request).sandbox.now()
        raise access_error(request, now, 404, "UNKNOWN_ENTITY", f"{what} {ids[0]} not found")
    return json_response(request, rows[ids[0]])


async def list_connections(request: Request) -> Response:
    """200 `BankConnectionList`; `ids` filters."""
    _, found = await mine(request)
    wanted = {int(i) for i in query_ids(request, "ids") if i.isdigit()}
    rows = [connection_body(c) for c in found if not wanted or c.id in wanted]
    return json_response(request, {"connections": rows})


async def get_connections(request: Request) -> Response:
    _, found = await mine(request)
    rows = {c.id: connection_body(c) for c in found}
    return await one_or_many(request, rows, "connections", "Bank connection")


async def delete_connection(request: Request) -> Response:
    """200 without a body [DOC-2]; its accounts and transactions are gone."""
    sandbox, found = await mine(request)
    ids = await _ids(request, request.path_params["ids"])
    if len(ids) != 1 or ids[0] not in {c.id for c in found}:
        raise access_error(
            request, await sandbox.now(), 404, "UNKNOWN_ENTITY", "Bank connection not found"
        )
    await sandbox.records(NAME).put("deleted_connection", str(ids[0]), {"id": ids[0]})
    return Response(status_code=200, headers={"X-Request-Id": request_id(request)})


def all_accounts(connections_: Iterable[Connection]) -> dict[int, dict[str, Any]]:
    return {i: account_body(c, i, a) for c in connections_ for i, a in c.accounts()}


def _number(request: Request, name: str) -> float | None:
    raw = request.query_params.get(name, "").strip()
    return float(raw) if raw else None


async def list_accounts(request: Request) -> Response:
    """200 `AccountList`: `ids`, `search`, `accountTypes`, `accountTypeIds`,
    `bankConnectionIds`, `minBalance`, `maxBalance` as the file lists them."""
    sandbox, found = await mine(request)
    rows = list(all_accounts(found).values())
    try:
        low, high = _number(request, "minBalance"), _number(request, "maxBalance")
    except ValueError:
        now = await sandbox.now()
        raise access_error(request, now, 400, "BAD_REQUEST", "balances must be numbers") from None
    checks: list[Callable[[dict[str, Any]], bool]] = []

    def member(field: str, wanted: set[str]) -> Callable[[dict[str, Any]], bool]:
        return lambda row: str(row[field]) in wanted

    for name, field in (
        ("ids", "id"),
        ("bankConnectionIds", "bankConnectionId"),
        ("accountTypeIds", "accountTypeId"),
        ("accountTypes", "accountType"),
    ):
        wanted = {v.strip() for v in query_ids(request, name)}
        if wanted:
            checks.append(member(field, wanted))
    search = request.query_params.get("search", "").strip().lower()
    if search:
        keys = ("accountName", "iban", "accountNumber", "accountHolderName")
        checks.append(lambda r: any(search in str(r[k] or "").lower() for k in keys))
    if low is not None:
        checks.append(lambda r: r["balance"] >= low)
    if high is not None:
        checks.append(lambda r: r["balance"] <= high)
    return json_response(request, {"accounts": [r for r in rows if all(c(r) for c in checks)]})


async def get_accounts(request: Request) -> Response:
    _, found = await mine(request)
    return await one_or_many(request, all_accounts(found), "accounts", "Account")


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def _series(account: Account, last: str) -> tuple[dict[str, int], int, str]:
    """(end-of-day booked balance per day with bookings, the balance before the oldest one,
    the oldest day) of `account`, its transactions being newest first."""
    eod: dict[str, int] = {}
    balance = account.booked_minor
    first = last
    for tx in account.transactions:
        if tx.pending:
            continue
        day = _date(tx.booked_at)
        eod.setdefault(day, balance)
        balance -= tx.amount_minor
        first = min(first, day)
    return eod, balance, first


def _int(request: Request, name: str, default: int, high: int) -> int | None:
    raw = request.query_params.get(name, "").strip() or str(default)
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= high else None


async def daily_balances(request: Request) -> Response:
    """200 `DailyBalanceList`: one entry per day (newest first) from the oldest booking to the
    data's day: the accounts' summed end-of-day booked balance, that day's income, spending and
    transaction ids; `accountIds` (default all), `startDate`/`endDate`, `page`/`perPage`."""
    sandbox, found = await mine(request)
    now = await sandbox.now()
    wanted = set(query_ids(request, "accountIds"))
    chosen = [(c, i, a) for c in found for i, a in c.accounts() if not wanted or str(i) in wanted]
    bounds = {}
    for name in ("startDate", "endDate"):
        value = request.query_params.get(name, "")
        try:
            bounds[name] = (
                datetime.strptime(value, "%Y-%m-%d").strftime("%Y-%m-%d") if value else ""
            )
        except ValueError:
            message = f"{name} must be a date (YYYY-MM-DD)"
            raise access_error(request, now, 400, "BAD_REQUEST", message) from None
    page, per_page = _int(request, "page", 1, 2**31 - 1), _int(request, "perPage", 20, 500)
    if page is None or per_page is None:
        message = "page must be 1 or more, perPage from 1 to 500"
        raise access_error(request, now, 400, "BAD_REQUEST", message)
    latest = max((c.data.anchor for c, _, _ in chosen), default=None)
    rows: list[dict[str, Any]] = []
    if latest is not None:
        last = _date(latest)
        series = [_series(a, last) for _, _, a in chosen]
        first = min(s[2] for s in series)
        flows: dict[str, list[int]] = {}
        ids: dict[str, list[int]] = {}
        for _, _, account in chosen:
            for tx in account.transactions:
                if not tx.pending:
                    day = _date(tx.booked_at)
                    flows.setdefault(day, [0, 0])[0 if tx.amount_minor > 0 else 1] += (
                        tx.amount_minor
                    )
                    ids.setdefault(day, []).append(transaction_id(tx))
        current = [opening for _, opening, _ in series]
        day_ts = datetime.strptime(first, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
        while (day := _date(day_ts)) <= last:
            for n, (eod, _, _) in enumerate(series):
                current[n] = eod.get(day, current[n])
            income, spending = flows.get(day, [0, 0])
            rows.append(
                {
                    "date": day,
                    "balance": round(sum(current) / 100, 2),
                    "income": round(income / 100, 2),
                    "spending": round(spending / 100, 2),
                    "internalAdjustingEntries": 0.0,
                    "transactions": ids.get(day, []),
                }
            )
            day_ts += DAY
    rows.reverse()
    rows = [
        r
        for r in rows
        if (not bounds["startDate"] or r["date"] >= bounds["startDate"])
        and (not bounds["endDate"] or r["date"] <= bounds["endDate"])
    ]
    paging = {
        "page": page,
        "perPage": per_page,
        "pageCount": math.ceil(len(rows) / per_page),
        "totalCount": len(rows),
    }
    body = {
        "latestCommonBalanceTimestamp": _date(latest) if latest is not None else None,
        "dailyBalances": rows[(page - 1) * per_page : page * per_page],
        "paging": paging,
    }
    return json_response(request, body)
