"""finAPI Access `GET /api/v1/accounts/dailyBalances` (`finapi-access.yaml` 1.151.1:
`DailyBalanceList`): the accounts' end-of-day booked balances, from the same engine data as
the accounts and transactions (`connections.py`)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.accountdata import Account
from mockprovider.providers.finapi.accounts import mine, query_ids
from mockprovider.providers.finapi.connections import transaction_id
from mockprovider.providers.finapi.errors import access_error, json_response

DAY = 86400.0


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
