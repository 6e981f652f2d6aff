"""Web Form 2.0 API (spec §2.3): `POST /api/webForms/{bankConnectionImport, standalonePayment,
paymentWithAccountId}` → 201 WebForm; `GET` / `DELETE /api/webForms/{id}` (the list is in
`listing`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session
from mockprovider.errors import NotFound
from mockprovider.providers.finapi import banks, validate
from mockprovider.providers.finapi.auth import NAME, require_user
from mockprovider.providers.finapi.bodies import webform_body
from mockprovider.providers.finapi.errors import (
    error,
    json_response,
    request_id,
    validation_error,
)
from mockprovider.providers.finapi.settings import TEST_BANKS, WEBFORM_LIFETIME
from mockprovider.web.context import context


async def json_body(request: Request, now: float) -> dict[str, Any]:
    """The JSON object sent, else a 400 `ValidationError` on `body`."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise validation_error(request, now, [("body", "must be a JSON object")])
    return body


def check_redirect(request: Request, now: float, body: Mapping[str, Any], settings: Any) -> None:
    """Body `redirectUrl` (§2.3 notes, §3.2.5): forbidden for unlicensed mandators, mandatory
    for licensed ones, both as 422 `INVALID_REDIRECT_URL` [DOC-2 F7]."""
    given = body.get("redirectUrl") is not None
    if given and not settings["licensed"]:
        raise error(
            request,
            now,
            422,
            "INVALID_REDIRECT_URL",
            "redirectUrl is only allowed for mandators with a FULLY_LICENSED, AISP or PISP "
            "licence; append redirectUrl to the web form URL instead.",
        )
    if settings["licensed"] and not given:
        raise error(request, now, 422, "INVALID_REDIRECT_URL", "redirectUrl is mandatory.")
    if given and (problem := validate.url_problem(body["redirectUrl"], "faithful")):
        raise validation_error(request, now, [("redirectUrl", problem)])


def find_bank(request: Request, now: float, bank: Any, settings: Any) -> dict[str, Any] | None:
    """The bank the import is for: `bank.id` (a bank of `GET /api/v1/banks`, not in
    `unsupported_bank_ids`) or `bank.search` among the test banks; 422 `BANK_NOT_SUPPORTED` /
    `BANK_NOT_UNIQUE`."""
    if not isinstance(bank, dict):
        return None
    if bank.get("id") is not None:
        if bank["id"] in settings["unsupported_bank_ids"] or not banks.known(bank["id"]):
            raise error(
                request, now, 422, "BANK_NOT_SUPPORTED", f"Bank {bank['id']} is not supported."
            )
        return {"id": bank["id"], "search": None}
    search = str(bank.get("search") or "").strip()
    if not search:
        return None
    hits = [
        bank_id
        for bank_id, (name, blz, bic) in TEST_BANKS.items()
        if search.lower() in name.lower() or search.upper() in (blz, bic)
    ]
    if not hits:
        raise error(request, now, 422, "BANK_NOT_SUPPORTED", f"No supported bank for {search!r}.")
    if len(hits) > 1:
        raise error(request, now, 422, "BANK_NOT_UNIQUE", f"Several banks match {search!r}.")
    return {"id": hits[0], "search": search}


async def new_webform(
    request: Request, kind: str, user: str, now: float, data: dict[str, Any]
) -> Session:
    """A web form session: its id is the token in `<base>/finapi/wf/<id>` [DOC F4], valid
    20 minutes [DOC F1]."""
    ctx = context(request)
    form_id = str(uuid.uuid4())
    return Session(
        id=form_id,
        provider=NAME,
        created_at=now,
        expires_at=now + WEBFORM_LIFETIME,
        hosted_url=f"{ctx.base_url(request)}/{NAME}/wf/{form_id}",
        callback_url=(data.get("callbacks") or {}).get("finalised"),
        data={"type": kind, "user": user, **data},
    )


def _order_summary(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "amount": str(o["amount"]["value"]),
            "currency": o["amount"]["currency"],
            "recipient": o["recipient"]["name"],
            "iban": o["recipient"]["iban"],
            "purpose": o.get("purpose") or "",
        }
        for o in body.get("orders") or []
    ]


def create_route(kind: str) -> Any:
    """The handler of one create-web-form endpoint."""

    async def create(request: Request) -> Response:
        sandbox = context(request).sandbox
        now = await sandbox.now()
        user = await require_user(request, sandbox)
        body = await json_body(request, now)
        settings = await sandbox.settings(NAME)
        mode = str(settings["callback_url_check"])
        if kind == "BANK_CONNECTION_IMPORT":
            problems = validate.bank_import(body, mode)
        else:
            problems = validate.payment(body, mode, with_account=kind == "PAYMENT_WITH_ACCOUNT_ID")
        if problems:
            raise validation_error(request, now, problems)
        check_redirect(request, now, body, settings)
        data: dict[str, Any] = {"callbacks": dict(body.get("callbacks") or {})}
        if kind == "BANK_CONNECTION_IMPORT":
            data["bank"] = find_bank(request, now, body.get("bank"), settings)
        else:
            data["orders"] = _order_summary(body)
        session = await new_webform(request, kind, user, now, data)
        await sandbox.create_session(session)
        return json_response(request, webform_body(session), 201)

    return create


def visible_to(session: Session, user: str) -> bool:
    """Whether `user` sees `session` as one of their web forms: not deleted, not the record of
    an update task that needed no form, and theirs [INF]."""
    data = session.data
    return (
        session.provider == NAME
        and not data.get("task_only")
        and not data.get("deleted")
        and data.get("user") == user
    )


async def owned_webform(request: Request, sandbox: Sandbox, user: str) -> Session:
    """The caller's web form; 404 `NOT_FOUND` for unknown, deleted or another user's [INF]."""
    form_id = request.path_params["id"]
    try:
        session = await sandbox.get_session(form_id)
    except NotFound:
        session = None
    if session is None or not visible_to(session, user):
        raise error(
            request, await sandbox.now(), 404, "NOT_FOUND", f"Web form {form_id} not found."
        )
    return session


async def get_webform(request: Request) -> Response:
    """`GET /api/webForms/{id}`: the status polling sees is the one the callback carries."""
    sandbox = context(request).sandbox
    user = await require_user(request, sandbox)
    session = await owned_webform(request, sandbox, user)
    session = await sandbox.expire_if_due(session)  # past expiresAt reads EXPIRED between sweeps
    return json_response(request, webform_body(session))


async def delete_webform(request: Request) -> Response:
    """`DELETE /api/webForms/{id}` → 200 without a body [DOC-2 F7]; the form is gone for good:
    404 for the API, the "not found" page for its link (also from a page already open, see
    `FinapiProvider.effects`), no callback at expiry."""
    sandbox = context(request).sandbox
    user = await require_user(request, sandbox)
    session = await owned_webform(request, sandbox, user)
    await sandbox.progress(session, "deleted", data={"deleted": True})
    return Response(status_code=200, headers={"X-Request-Id": request_id(request)})
