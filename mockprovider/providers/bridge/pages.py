"""The hosted Connect funnel at `/bridge/connect/session/<token>` (spec §1.3, §1.9.2).

Steps (their `step` names [DOC B1]): highlighted_banks → bank_creds_form → otp_form (Demo Bank
`otp`/`otp_fail` logins) → sync_in_progress → sync_success | sync_error (→ edit_bank_creds_form
to retry [DOC B13]). Each step is a server-rendered page; every move is written with
`sandbox.progress` (events included) and answered 303 back to the funnel URL. Every page also
has a quit button, the top-right Exit link and the sandbox outcome panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_seconds
from mockprovider.core.contract import Page
from mockprovider.core.outcomes import Outcome
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.errors import Conflict, NotFound
from mockprovider.providers.bridge.flow import EXIT, FIRST_STEP, Case, Flow, demo_case
from mockprovider.web import hosted
from mockprovider.web.context import context
from mockprovider.web.pages import form_fields, render, see_other
from mockprovider.web.provider import WebProvider

NAME = "bridge"
CREDENTIAL_STEPS = ("bank_creds_form", "edit_bank_creds_form")
#: Button `do` → the outcome it ends the flow with, and the steps where it is offered.
ENDINGS = {
    "quit": (Outcome.USER_ABORT.value, None),
    "finish": (Outcome.SUCCESS.value, ("sync_success",)),
    "back": (Outcome.CAPTURE_FAILURE.value, ("sync_error",)),
}


def expired_page() -> Page:
    """Spec §1.4 sandbox choice for an expired session: an error page, never a redirect."""
    detail = "This Bridge Connect session has expired. Nothing was sent back to the application."
    hint = "Create a new Connect session (POST /v3/aggregation/connect-sessions)."
    values = {"status_code": 410, "title": "Session expired", "detail": detail, "hint": hint}
    return Page("sandbox/error.html", values, 410)


def page_values(session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Template values of the funnel page for the session's current step."""
    data = session.data
    banks = list(settings.get("banks") or [])
    bank = next((b for b in banks if b.get("id") == data.get("provider_id")), None)
    refresh = data.get("refresh") or {}
    return {
        "step": data.get("step", FIRST_STEP),
        "banks": banks,
        "bank_name": (bank or {}).get("name", "Demo Bank"),
        "funnel_url": data.get("connect_url", ""),
        "login": data.get("login", ""),
        "notice": data.get("problem") or "",
        "refresh": refresh,
        "accounts": [{"balance": b} for b in refresh.get("balances") or []],
        "manage": data.get("kind") == "manage",
        "items": list(data.get("items_view") or []),
    }


async def _load(request: Request) -> Session:
    sandbox = context(request).sandbox
    link = await sandbox.records(NAME).get("link", request.path_params["token"])
    if link is None:
        raise NotFound("no Bridge Connect session behind this link")
    return await sandbox.get_session(str(link["session_id"]))


async def gate(request: Request, provider: WebProvider, session: Session) -> Response | None:
    """An answer when the session cannot go on: expired (error page, spec §1.8), finished
    ("already used", spec §3.1 item 1), or an automatic scenario matched at creation."""
    sandbox = context(request).sandbox
    if session.status is SessionStatus.EXPIRED:
        page = expired_page()
        return render(request, page.template, page.context, page.status_code)
    if not session.is_open:
        values = {
            "session": session,
            "provider_title": provider.title,
            "status_label": provider.status_label(session),
            "expires_at_iso": iso_seconds(session.expires_at),
        }
        return render(request, "sandbox/finished.html", values)
    if await sandbox.now() >= session.expires_at:
        done = await sandbox.complete(session.id, Outcome.EXPIRY.value, via="page", session=session)
        return await hosted.respond(request, provider, done)
    if session.scenario is not None:
        done = await sandbox.complete(session.id, session.scenario, via="auto")
        return await hosted.respond(request, provider, done)
    return None


async def _end(request: Request, provider: WebProvider, session: Session, name: str) -> Response:
    done = await context(request).sandbox.complete(session.id, name, via="page", session=session)
    return await hosted.respond(request, provider, done)


async def _move(request: Request, session: Session, form: Mapping[str, str]) -> None:
    """One step forward inside the funnel; writes state and events together."""
    sandbox = context(request).sandbox
    data, do = session.data, form.get("do", "")
    step = str(data.get("step", FIRST_STEP))
    found = sandbox.scenarios.get(NAME, session.scenario) if session.scenario else None
    shaping = (found.name, found.data) if found is not None else None
    flow = Flow(
        data,
        await sandbox.settings(NAME),
        await sandbox.now(),
        session_id=session.id,
        scenario=shaping,
    )
    updates: dict[str, Any] = {"problem": None}
    case = Case.from_dict(data.get("case"))
    if do == "bank" and step == FIRST_STEP:
        bank = form.get("bank", "")
        updates |= {"step": "bank_creds_form", "provider_id": int(bank) if bank.isdigit() else None}
    elif do == "change_bank" and step == "bank_creds_form":
        updates["step"] = FIRST_STEP
    elif do == "credentials" and step in CREDENTIAL_STEPS:
        login = form.get("login", "").strip()
        if not login:
            updates["problem"] = "Enter your login (any password works at the Demo Bank)."
        else:
            case = demo_case(login)
            flow.credentials_submitted()  # [DOC B15] item.created on credential submission
            updates |= {"login": login, "case": case.to_dict(), "otp_attempts": 0}
            if case.status == 402:  # wrong credentials: shown on the form, retry [DOC B13]
                flow.sync_ended(case.status, case.info)
                updates |= {"problem": "Wrong credentials. Please try again.", "step": step}
            else:
                updates["step"] = "otp_form" if case.otp else "sync_in_progress"
    elif do == "otp" and step == "otp_form":
        attempts = int(data.get("otp_attempts", 0))
        if case.otp_fail and attempts == 0:  # `otp_fail`: a wrong code, the user may retry
            updates |= {"problem": "Wrong code. Please try again.", "otp_attempts": 1}
        else:
            updates["step"] = "sync_in_progress"
    elif do == "sync" and step == "sync_in_progress":
        flow.sync_ended(case.status, case.info)
        updates["step"] = "sync_success" if case.status == 0 else "sync_error"
    elif do == "retry" and step == "sync_error":
        updates["step"] = "edit_bank_creds_form"
    else:
        return  # a stale form (back button, second tab): show the current step again
    updates = flow.updates | updates
    event = f"{step}: {do}"
    try:
        await sandbox.progress(session, event, data=updates, messages=flow.messages)
    except Conflict:
        return  # another tab moved the session on; the page shows where it is now


def routes(provider: WebProvider) -> list[BaseRoute]:
    """The funnel page, its step form and the Exit link, under `/bridge/connect/session/`."""

    async def page(request: Request) -> Response:
        session = await _load(request)
        gated = await gate(request, provider, session)
        if gated is not None:
            return gated
        session = await context(request).sandbox.mark_opened(session)
        return await hosted.show(request, provider, session)

    async def step(request: Request) -> Response:
        session = await _load(request)
        gated = await gate(request, provider, session)
        if gated is not None:
            return gated
        form = await form_fields(request)
        ending = ENDINGS.get(form.get("do", ""))
        if ending is not None and (ending[1] is None or session.data.get("step") in ending[1]):
            return await _end(request, provider, session, ending[0])
        await _move(request, session, form)
        return see_other(str(session.data["connect_url"]))

    async def exit_link(request: Request) -> Response:
        session = await _load(request)
        gated = await gate(request, provider, session)
        return gated or await _end(request, provider, session, EXIT)

    path = "/connect/session/{token}"
    return [
        Route(path, page, methods=["GET"], name="connect"),
        Route(path, step, methods=["POST"], name="connect_step"),
        Route(path + "/exit", exit_link, methods=["POST"], name="connect_exit"),
    ]
