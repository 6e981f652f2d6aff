"""finAPI Access handlers: `GET /api/v1/bankConnections`, `/{id}`, `/{ids}`,
`DELETE /api/v1/bankConnections/{id}`, `GET /api/v1/accounts`, `/{id}`, `/{ids}` (the file's
filters) and `GET /api/v1/accounts/dailyBalances`; all with a user token."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.engine import Sandbox
from mockprovider.providers.finapi.auth import NAME, require_access_user
from mockprovider.providers.finapi.connections import (
    Connection,
    account_body,
    connection_body,
    connections,
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
