"""Bridge Connect (spec §1): outcomes → `callback_url?item_id=…&user_uuid=…`, item.* events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from mockprovider.core.contract import Choice, EffectContext, Effects, OutcomeSpec, Page, Setting
from mockprovider.core.outcomes import Outcome
from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.policy import DeliveryPolicy
from mockprovider.errors import ProviderError
from mockprovider.providers.bridge import api, events, manage, pages, tenancy
from mockprovider.providers.bridge.auth import bridge_error
from mockprovider.providers.bridge.flow import (
    EXIT,
    FIRST_STEP,
    OTP_MISSING,
    Case,
    Flow,
    callback_params,
)
from mockprovider.providers.bridge.pages import expired_page
from mockprovider.providers.bridge.settings import SETTINGS, status_info
from mockprovider.web.provider import BaseProvider, with_params

OUTCOMES = (
    OutcomeSpec(
        "success",
        "Sync succeeds",
        "callback_url?item_id&user_uuid&success=true&source=connect&context; item.created, "
        "item.account.created, item.refreshed (0), item.account.updated.",
    ),
    OutcomeSpec(
        "user_abort",
        "Quit at this step",
        "Quit button: full set with success=false&step=<current step> (item_id once credentials "
        "were submitted); item.refreshed with the final status if an item exists.",
    ),
    OutcomeSpec(
        "capture_failure",
        "Sync fails",
        "callback_url?user_uuid only; item.created then item.refreshed with the failing "
        "status_code (Demo Bank login's, else the capture_failure_status setting).",
    ),
    OutcomeSpec(
        "expiry", "Expire now", "An error page, no redirect, no webhook (session TTL reached)."
    ),
    OutcomeSpec(
        "closed_tab",
        "Close tab",
        "No redirect; events for what already happened (item.refreshed when the sync ends).",
    ),
)


def _failure(flow: Flow, fields: Mapping[str, Any], step: str) -> tuple[int, str]:
    """Which status a failed sync ends with: the scenario's, the one already announced, the
    Demo Bank login's, 1010 at the OTP step, else the `capture_failure_status` setting."""
    case = Case.from_dict(flow.get("case"))
    last = flow.get("refresh") or {}
    if "status_code" in fields:
        status = int(fields["status_code"])
        return status, str(fields.get("status_code_info", status_info(status)))
    if last.get("status_code", 0) != 0:
        return int(last["status_code"]), str(last["status_code_info"])
    if case.status != 0:
        return case.status, case.info
    if step == "otp_form":
        return OTP_MISSING, status_info(OTP_MISSING)
    status = int(flow.settings["capture_failure_status"])
    return status, status_info(status)


#: `code` of the sandbox's own API errors (Bridge documents the shape and statuses, not these
#: strings [GAP, spec §1.2.5]); any other 5xx is `internal_server_error`.
API_ERROR_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
    501: "not_implemented",
}


class BridgeProvider(BaseProvider):
    tenancy = tenancy
    name = "bridge"
    title = "Bridge Connect"
    outcomes: tuple[OutcomeSpec, ...] = OUTCOMES
    match_fields: tuple[str, ...] = ("user_email", "context", "external_user_id")
    settings: tuple[Setting, ...] = SETTINGS
    delivery = DeliveryPolicy(
        schedule=events.SCHEDULE, timeout=10.0, judge=events.judge, sign=events.sign_attempt
    )
    page_template = "bridge/funnel.html"

    def api_routes(self) -> list[BaseRoute]:
        return api.routes()

    def page_routes(self) -> list[BaseRoute]:
        return pages.routes(self) + manage.routes(self)

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        """The v3 error body [DOC B9]; the codes are [GAP]: see `API_ERROR_CODES`."""
        return bridge_error(status, API_ERROR_CODES.get(status, "internal_server_error"), message)

    def match_values(self, session: Session) -> Mapping[str, str]:
        return {k: str(session.data[k]) for k in self.match_fields if session.data.get(k)}

    def status_label(self, session: Session) -> str:
        if session.is_open:
            return str(session.data.get("step", FIRST_STEP))
        if session.status is SessionStatus.FINISHED:
            return "completed" if session.outcome == Outcome.SUCCESS else "left"
        return session.status.value

    def page_context(self, session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
        return pages.page_values(session, settings)

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        if session.data.get("kind") == manage.KIND:  # the user-management page
            return manage.effects(session, choice, ctx)
        data, settings = session.data, ctx.settings
        scenario = choice.scenario
        shaping = (scenario.name, scenario.data) if scenario is not None else None
        flow = Flow(data, settings, ctx.now, session_id=session.id, scenario=shaping)
        fields = dict(choice.scenario.webhooks.fields) if choice.scenario else {}
        overrides = dict(choice.scenario.redirect.params) if choice.scenario else {}
        step = str(overrides.get("step") or data.get("step") or FIRST_STEP)
        outcome = choice.outcome
        if outcome == Outcome.EXPIRY:
            return Effects(status=SessionStatus.EXPIRED, page=expired_page())
        if outcome == Outcome.CLOSED_TAB:
            flow.background_end(step, fields)
            return Effects(
                status=SessionStatus.ABANDONED,
                page=Page("bridge/closed_tab.html"),
                webhooks=flow.messages,
                data=flow.updates,
            )
        short = False  # spec §1.4 sandbox choice: Exit link and sync failure → user_uuid only
        if outcome == Outcome.SUCCESS:
            flow.credentials_submitted()
            if flow.needs_refresh(0):
                flow.sync_ended(0, "ok", fields)
            step = "sync_success"
        elif outcome == Outcome.CAPTURE_FAILURE:
            status, info = _failure(flow, fields, step)
            flow.credentials_submitted()
            if flow.needs_refresh(status):
                flow.sync_ended(status, info, fields)
            short, step = True, "sync_error"
        else:
            flow.background_end(step, fields)
            short = choice.name == EXIT
        flow.updates["step"] = step
        if short and not settings["full_params_on_exit"]:
            params = [("user_uuid", str(data["user_uuid"]))]
        else:
            success = outcome == Outcome.SUCCESS
            item = bool(flow.get("item_created"))
            params = callback_params(data, success=success, step=step, item=item)
        params = with_params(params, overrides)
        redirect, page = None, None
        if session.callback_url:
            redirect = append_params(session.callback_url, params)
        else:  # [DOC seeds/bridge-end-of-connect-flow.txt]: a Bridge status page
            values = {"success": outcome == Outcome.SUCCESS, "step": step, "params": params}
            page = Page("bridge/status.html", values)
        return Effects(redirect_url=redirect, page=page, webhooks=flow.messages, data=flow.updates)
