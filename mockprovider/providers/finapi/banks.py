"""finAPI Access banks: `GET /api/v1/banks`, `/api/v1/banks/{id}` and `/api/v1/banks/{ids}`
(`finapi-access.yaml` 1.151.1: `Bank`, `BankList`, `PageableBankList`).

The banks are finAPI's two test banks [DOC F13] and the sandbox's magic bank 280500 (its web
forms end `COMPLETED_WITH_ERROR`, README). Field values the spec does not give are the
sandbox's [INF]; a web form for any other `bank.id` is refused with 422 `BANK_NOT_SUPPORTED`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.providers.finapi.auth import require_token
from mockprovider.providers.finapi.errors import access_error, json_response
from mockprovider.providers.finapi.settings import TEST_BANKS
from mockprovider.web.context import context

#: The magic bank of `scenarios/finapi/bank-error.yaml`: a test bank whose imports fail.
ERROR_BANK = 280500
BANKS: dict[int, tuple[str, str, str]] = {
    **TEST_BANKS,
    ERROR_BANK: ("finAPI Test Bank (bank error)", "DEMO0500", "DEMOBIC0500"),
}
#: 280001 authorises embedded/decoupled, 280002 by redirect [DOC F13].
APPROACH = {280002: "REDIRECT_APPROACH"}
#: `bankGroup` / `tppAuthenticationGroup` [INF]: objects, not null, because the file's
#: nullable-through-allOf cannot validate null (as with `multiStepAuthentication`).
GROUP = {"id": 1, "name": "finAPI Test"}
ORDER_FIELDS = ("id", "name", "blz", "bic", "popularity")
MAX_PER_PAGE = 500


def known(bank_id: Any) -> bool:
    return isinstance(bank_id, int) and not isinstance(bank_id, bool) and bank_id in BANKS


def bank_body(bank_id: int) -> dict[str, Any]:
    """A `Bank` with every required field, keys in the schema's order."""
    name, blz, bic = BANKS[bank_id]
    credentials = [
        {"label": "Onlinebanking-ID", "isSecret": False, "isVolatile": False},
        {"label": "PIN", "isSecret": True, "isVolatile": False},
    ]
    interface = {
        "interface": "XS2A",
        "tppAuthenticationGroup": GROUP,
        "loginCredentials": credentials,
        "properties": [APPROACH.get(bank_id, "DECOUPLED_APPROACH")],
        "loginHint": None,
        "health": 100,
        "lastCommunicationAttempt": None,
        "lastSuccessfulCommunication": None,
        "isMoneyTransferSupported": True,
        "isAisSupported": True,
        "paymentCapabilities": {
            "sepaMoneyTransfer": True,
            "sepaInstantMoneyTransfer": False,
            "sepaCollectiveMoneyTransfer": False,
            "sepaFutureDatedMoneyTransfer": False,
            "sepaStandingOrder": False,
        },
        "aisAccountTypes": ["Checking", "Savings"],
    }
    return {
        "id": bank_id,
        "name": name,
        "loginHint": None,
        "bic": bic,
        "blzs": [blz],
        "blz": blz,
        "location": "DE",
        "city": None,
        "isSupported": True,
        "isTestBank": True,
        "popularity": 0,
        "health": 100,
        "loginFieldUserId": "Onlinebanking-ID",
        "loginFieldCustomerId": None,
        "loginFieldPin": "PIN",
        "pinsAreVolatile": False,
        "isCustomerIdPassword": False,
        "supportedDataSources": [],
        "interfaces": [interface],
        "bankGroup": GROUP,
        "lastCommunicationAttempt": None,
        "lastSuccessfulCommunication": None,
        "isBeta": False,
    }


def _matches(bank: Mapping[str, Any], query: Mapping[str, list[str]]) -> bool:
    search = " ".join(query.get("search", [])).strip().lower()
    if search and not any(search in str(bank[k]).lower() for k in ("name", "blz", "bic")):
        return False
    ids = {int(i) for value in query.get("ids", []) for i in value.split(",") if i.strip()}
    if ids and bank["id"] not in ids:
        return False
    locations = {v.upper() for value in query.get("location", []) for v in value.split(",")}
    if locations and bank["location"] not in locations:
        return False
    for flag in ("isSupported", "isTestBank", "pinsAreVolatile"):
        if flag in query and str(bank[flag]).lower() != query[flag][-1].lower():
            return False
    return True


def _check_query(request: Request, now: float, query: Mapping[str, list[str]]) -> None:
    """400 `ErrorMessage` for values the file's parameter schemas refuse."""
    for value in query.get("ids", []):
        if not all(i.strip().isdigit() for i in value.split(",") if i.strip()):
            raise access_error(request, now, 400, "BAD_REQUEST", "ids must be integers")
    for flag in ("isSupported", "isTestBank", "pinsAreVolatile"):
        if flag in query and query[flag][-1].lower() not in ("true", "false"):
            raise access_error(request, now, 400, "BAD_REQUEST", f"{flag} must be true or false")
    for name, high in (("page", 2**31 - 1), ("perPage", MAX_PER_PAGE)):
        raw = query.get(name, ["1"])[-1]
        if not raw.isdigit() or not 1 <= int(raw) <= high:
            message = f"{name} must be an integer from 1 to {high}"
            raise access_error(request, now, 400, "BAD_REQUEST", message)
    for order in query.get("order", []):
        field, _, direction = order.partition(",")
        if field not in ORDER_FIELDS or direction.lower() not in ("", "asc", "desc"):
            message = f"order must be one of {', '.join(ORDER_FIELDS)}, then ,asc or ,desc"
            raise access_error(request, now, 400, "BAD_REQUEST", message)


async def list_banks(request: Request) -> Response:
    """200 `PageableBankList`, ordered by id unless `order` says otherwise."""
    sandbox = context(request).sandbox
    await require_token(request, sandbox)
    now = await sandbox.now()
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    _check_query(request, now, query)
    found = [b for b in map(bank_body, sorted(BANKS)) if _matches(b, query)]
    for order in reversed(query.get("order", [])):
        field, _, direction = order.partition(",")
        found.sort(key=lambda b: b[field], reverse=direction.lower() == "desc")
    page, per_page = int(query.get("page", ["1"])[-1]), int(query.get("perPage", ["20"])[-1])
    paging = {
        "page": page,
        "perPage": per_page,
        "pageCount": math.ceil(len(found) / per_page),
        "totalCount": len(found),
    }
    start = (page - 1) * per_page
    body = {"banks": found[start : start + per_page], "paging": paging}
    return json_response(request, body)


async def get_banks(request: Request) -> Response:
    """`/api/v1/banks/{id}` → `Bank` (404 `UNKNOWN_ENTITY`); `/api/v1/banks/{ids}` (a comma in
    the path) → `BankList` of the known ones."""
    sandbox = context(request).sandbox
    await require_token(request, sandbox)
    now = await sandbox.now()
    raw = request.path_params["ids"]
    parts = [p.strip() for p in raw.split(",")]
    if not all(p.isdigit() for p in parts):
        raise access_error(request, now, 400, "BAD_REQUEST", "bank ids must be integers")
    ids = [int(p) for p in parts]
    if "," in raw:
        return json_response(request, {"banks": [bank_body(i) for i in ids if i in BANKS]})
    if ids[0] not in BANKS:
        raise access_error(request, now, 404, "UNKNOWN_ENTITY", f"Bank {ids[0]} not found")
    return json_response(request, bank_body(ids[0]))
