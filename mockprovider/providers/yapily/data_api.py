"""Yapily's financial data (spec: yapily.json 12.13.0 "Financial Data"): `GET /accounts`,
`/accounts/{accountId}`, `/accounts/{accountId}/balances`, `/accounts/{accountId}/transactions`
and `/identity`, read with the `consent` header from the shared account-data engine."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.accountdata import Account, DataSet, data_set
from mockprovider.core.sessions import Session
from mockprovider.errors import DataUnavailable, ProviderError
from mockprovider.providers.yapily import data_views, errors, views
from mockprovider.providers.yapily.consents import consent_of_request
from mockprovider.providers.yapily.dates import parse_instant
from mockprovider.providers.yapily.reauth_state import readable_status
from mockprovider.web.context import context

#: `limit` must be between 1 and 1000 [DOC]; without it the sandbox returns up to 1000 [INF].
MAX_LIMIT = 1000
#: Accounts whose rendered transactions a process keeps.
RENDERED_ACCOUNTS = 16


async def authorised_consent(request: Request, feature: str | None, kind: str = "AIS") -> Session:
    """The consent named by the `consent` header, if it may read `feature` now.

    Missing or forged token → 401; unknown consent → 404; a consent that is not `AUTHORIZED`
    (revoked, expired, rejected, failed, awaiting; one awaiting its re-authorisation reads as
    before it, see `readable_status`) → 403; a feature outside its `featureScope`
    → 403 (statuses [GAP]: the contract lists only `default` → `ApiResponseError`)."""
    consent, settings = await consent_of_request(request)
    session = await context(request).sandbox.expire_if_due(consent)
    status = readable_status(session, settings)
    if status != "AUTHORIZED":
        raise errors.legacy(403, f"Consent {session.id} is {status}, not AUTHORIZED")
    if session.data.get("type") != kind:
        raise errors.legacy(403, f"Consent {session.id} is not an {kind} consent")
    if feature is not None and feature not in (session.data.get("featureScope") or []):
        raise errors.legacy(403, f"The consent's featureScope does not include {feature}")
    return session


def institution_error(exc: DataUnavailable) -> ProviderError:
    """A scenario's data failure: the 424 the institution's error comes back in, `source`
    `INSTITUTION` and `institutionError` (spec §8.2 [DOC S10])."""
    error = {
        "code": 424,
        "status": "FAILED_DEPENDENCY",
        "message": "The institution returned an error",
        "source": "INSTITUTION",
        "tracingId": errors.tracing_id(),
        "institutionError": {"errorMessage": exc.message, "httpStatusCode": exc.status},
    }
    return ProviderError(424, errors.body({"error": error}), content_type=errors.CONTENT_TYPE)


async def _data(request: Request, session: Session) -> DataSet:
    try:
        return await data_set(context(request).sandbox, session)
    except DataUnavailable as exc:
        raise institution_error(exc) from None


async def _account(request: Request, feature: str) -> tuple[Session, Account, float]:
    """The consent, the account of the path and the time its balances are dated (the data
    set's anchor: the consent's creation)."""
    session = await authorised_consent(request, feature)
    data = await _data(request, session)
    account = data.account(request.path_params["accountId"])
    if account is None:
        raise errors.legacy(404, f"Account {request.path_params['accountId']} not found")
    return session, account, data.anchor


async def list_accounts(request: Request) -> Response:
    session = await authorised_consent(request, "ACCOUNTS")
    data = await _data(request, session)
    items = [data_views.account_view(a, data.anchor) for a in data.accounts]
    meta = {"tracingId": errors.tracing_id(), "count": len(items)}
    return views.json_response({"meta": meta, "data": items})


async def get_account(request: Request) -> Response:
    _, account, at = await _account(request, "ACCOUNTS")
    return views.json_response(views.envelope(data_views.account_view(account, at)))


async def get_balances(request: Request) -> Response:
    _, account, at = await _account(request, "ACCOUNT_BALANCES")
    body = {
        "mainBalanceAmount": data_views.amount(account.booked_minor, account.currency),
        "balances": data_views.balances(account, at),
    }
    return views.json_response(views.envelope(body))


async def get_identity(request: Request) -> Response:
    session = await authorised_consent(request, "IDENTITY")
    data = await _data(request, session)
    body = data_views.identity_view(data.owner, str(session.data["userUuid"]))
    return views.json_response(views.envelope(body))


def _paging(request: Request) -> dict[str, Any]:
    """`from`, `before`, `limit`, `sort`, `offset` checked; the legacy 400 otherwise [GAP]."""
    query = request.query_params
    out: dict[str, Any] = {"sort": query.get("sort") or "-date"}
    if out["sort"] not in ("date", "-date"):
        raise errors.bad_request("sort must be date or -date")
    for key in ("from", "before"):
        if query.get(key):
            instant = parse_instant(query[key])
            if instant is None:
                raise errors.bad_request(
                    f"{key} must be a date-time such as 2021-05-06T17:44:34.589Z"
                )
            out[key] = (query[key], instant)
    for key, low, default in (("limit", 1, MAX_LIMIT), ("offset", 0, 0)):
        raw = query.get(key) or str(default)
        if not raw.isdigit() or not low <= int(raw) <= (MAX_LIMIT if key == "limit" else 2**31 - 1):
            bounds = "between 1 and 1000" if key == "limit" else "0 or more"
            raise errors.bad_request(f"{key} must be an integer {bounds}")
        out[key] = int(raw)
    return out


def _page_url(request: Request, paging: dict[str, Any], offset: int) -> str:
    pairs = [
        ("from", paging["from"][0] if "from" in paging else ""),
        ("before", paging["before"][0] if "before" in paging else ""),
        ("limit", str(paging["limit"])),
        ("sort", paging["sort"]),
        ("offset", str(offset)),
    ]
    base = str(request.url.replace(query=""))
    return base + "?" + urlencode([(k, v) for k, v in pairs if v])


_rendered: OrderedDict[tuple[str, str], tuple[Account, list[bytes]]] = OrderedDict()


def _fragments(session: Session, account: Account) -> list[bytes]:
    """Each transaction of `account` as JSON bytes, newest first, rendered once per process
    (the engine hands back the same `Account` until its data set is rebuilt)."""
    key = (session.id, account.id)
    found = _rendered.get(key)
    if found is not None and found[0] is account:
        _rendered.move_to_end(key)
        return found[1]
    institution = str(session.data["institutionId"])
    frags = [
        json.dumps(data_views.transaction_view(t, institution), separators=(",", ":")).encode()
        for t in account.transactions
    ]
    _rendered[key] = (account, frags)
    while len(_rendered) > RENDERED_ACCOUNTS:
        _rendered.popitem(last=False)
    return frags


async def get_transactions(request: Request) -> Response:
    """Newest first unless `sort=date`; `from`/`before` bound the booking date (inclusive);
    `meta.pagination` and `links` as the documented example, plus `next` while more remain."""
    session, account, _ = await _account(request, "ACCOUNT_TRANSACTIONS")  # auth first
    paging = _paging(request)
    frags = _fragments(session, account)
    picked: Sequence[int] = range(len(frags))
    if "from" in paging or "before" in paging:
        low = paging["from"][1] if "from" in paging else float("-inf")
        high = paging["before"][1] if "before" in paging else float("inf")
        txs = account.transactions
        picked = [i for i in picked if low <= txs[i].booked_at <= high]
    if paging["sort"] == "date":
        picked = picked[::-1]
    offset, limit, total = paging["offset"], paging["limit"], len(picked)
    page = [frags[i] for i in picked[offset : offset + limit]]
    selected = {k: (v[0] if isinstance(v, tuple) else v) for k, v in paging.items()}
    pagination: dict[str, Any] = {"totalCount": total, "self": selected}
    links = {"self": _page_url(request, paging, offset)}
    if offset + limit < total:
        pagination["next"] = {**selected, "offset": offset + limit}
        links["next"] = _page_url(request, paging, offset + limit)
    meta = {"tracingId": errors.tracing_id(), "count": len(page), "pagination": pagination}
    body = b"".join(
        (
            b'{"meta":',
            errors.body(meta),
            b',"data":[',
            b",".join(page),
            b'],"links":',
            errors.body(links),
            b"}",
        )
    )
    return Response(body, media_type=errors.CONTENT_TYPE)


def routes() -> list[BaseRoute]:
    return [
        Route("/accounts", list_accounts, methods=["GET"], name="accounts"),
        Route("/accounts/{accountId}", get_account, methods=["GET"], name="account"),
        Route("/accounts/{accountId}/balances", get_balances, methods=["GET"], name="balances"),
        Route(
            "/accounts/{accountId}/transactions",
            get_transactions,
            methods=["GET"],
            name="transactions",
        ),
        Route("/identity", get_identity, methods=["GET"], name="identity"),
    ]
