"""Topiic hosted checkout (spec §2): outcomes → `ret?…&status=ok|cancelled`, checkout.* events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from mockprovider.core.contract import Choice, EffectContext, Effects, OutcomeSpec, Page, Setting
from mockprovider.core.outcomes import Outcome
from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import DeliveryPolicy, any_2xx
from mockprovider.errors import ProviderError
from mockprovider.providers.topiic import events, link, pages, tenancy
from mockprovider.providers.topiic.settings import SETTINGS, find_plan
from mockprovider.web.provider import BaseProvider, with_params

MINUTE, HOUR = 60.0, 3600.0
#: Spec §2.7 [DOC T10]: 8 attempts, any 2xx within 10 s, redirects are failures, then Abandoned.
SCHEDULE = (0.0, 30.0, 2 * MINUTE, 10 * MINUTE, HOUR, 6 * HOUR, 24 * HOUR, 24 * HOUR)

OUTCOMES = (
    OutcomeSpec("success", "Pay", "303 to ret with status=ok; checkout.completed webhook."),
    OutcomeSpec(
        "user_abort",
        "Cancel",
        '303 to ret with status=cancelled; checkout.failed "User abandoned checkout."',
    ),
    OutcomeSpec(
        "capture_failure",
        "Decline card",
        '303 to ret with status=cancelled; checkout.failed "Card capture failed…"',
    ),
    OutcomeSpec(
        "expiry",
        "Expire now",
        'Expires as the user acts: status=cancelled; checkout.failed "Checkout session expired."',
    ),
    OutcomeSpec(
        "closed_tab", "Close tab", "Nothing is sent back; the session expires silently at exp."
    ),
)
#: Topiic's own state names [DOC T12: AwaitingPayment, Expired; INF: Completed, Failed].
STATE_NAMES = {
    SessionStatus.CREATED: "AwaitingPayment",
    SessionStatus.OPENED: "AwaitingPayment",
    SessionStatus.ABANDONED: "AwaitingPayment",
    SessionStatus.EXPIRED: "Expired",
}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return len(digits) >= 12 and total % 10 == 0


class TopiicProvider(BaseProvider):
    tenancy = tenancy
    name = "topiic"
    title = "Topiic hosted checkout"
    outcomes: tuple[OutcomeSpec, ...] = OUTCOMES
    match_fields: tuple[str, ...] = (
        "ref",
        "plan",
        "contact.fn",
        "contact.ln",
        "contact.em",
        "contact.ph",
    )
    settings: tuple[Setting, ...] = SETTINGS
    delivery = DeliveryPolicy(
        schedule=SCHEDULE, timeout=10.0, judge=any_2xx, sign=events.sign_attempt
    )
    page_template = "topiic/checkout.html"

    def page_routes(self) -> list[BaseRoute]:
        return pages.routes()

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        """Topiic's RFC 7807 problem JSON [DOC T6]."""
        problem = link.LinkRejected("api", status, message).problem()
        return ProviderError(
            status, json.dumps(problem).encode(), content_type="application/problem+json"
        )

    def match_values(self, session: Session) -> Mapping[str, str]:
        values = {"ref": session.data.get("ref"), "plan": session.data.get("plan")}
        for key, value in (session.data.get("contact") or {}).items():
            values[f"contact.{key}"] = value
        return {k: str(v) for k, v in values.items() if v is not None}

    def status_label(self, session: Session) -> str:
        if session.status is SessionStatus.FINISHED:
            return "Completed" if session.outcome == Outcome.SUCCESS else "Failed"
        return STATE_NAMES[session.status]

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        outcome, settings = choice.outcome, ctx.settings
        if outcome == Outcome.CLOSED_TAB:
            return Effects(status=SessionStatus.ABANDONED, page=Page("sandbox/closed_tab.html"))
        if outcome == Outcome.EXPIRY and settings["expire_now"] == "silent":
            return Effects(status=SessionStatus.EXPIRED, page=Page("sandbox/expired.html"))
        overrides = dict(choice.scenario.redirect.params) if choice.scenario else {}
        fields = dict(choice.scenario.webhooks.fields) if choice.scenario else {}
        ids: dict[str, Any] = {}
        if outcome == Outcome.SUCCESS:
            contact = session.data.get("contact") or {}
            ids = {
                "memberId": events.member_id(session.data["mid"], contact.get("em")),
                "paymentMethodId": str(uuid.uuid4()),
                "subscriptionId": str(uuid.uuid4()),
            }
            data = events.completed_data(session.id, session.data["ref"], ids, session.data["plan"])
            event_type, status = "checkout.completed", "ok"
        else:
            reason = str(settings["failure_reasons"].get(outcome, "Checkout failed."))
            data = events.failed_data(session.id, session.data["ref"], reason)
            event_type, status = "checkout.failed", "cancelled"
        data.update(fields)
        params = with_params([("status", status)], overrides)
        return Effects(
            status=SessionStatus.EXPIRED if outcome == Outcome.EXPIRY else SessionStatus.FINISHED,
            redirect_url=append_params(session.callback_url or "", params),
            webhooks=self._events(session, event_type, data, ctx),
            data=ids,
        )

    def _events(
        self, session: Session, event_type: str, data: dict[str, Any], ctx: EffectContext
    ) -> list[WebhookMessage]:
        """The event if both the portal (`events`) and the link (`evts`) ask for it [INF]."""
        wanted = set(ctx.settings["events"]) & set(session.data.get("evts") or [])
        if event_type not in wanted:
            return []
        message = events.event(
            event_type,
            data,
            str(ctx.settings["webhook_url"]),
            ctx.now,
            akid=str(session.data["akid"]),
        )
        return [message]

    def page_context(self, session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
        plan_id = session.data.get("plan", "")
        plan = find_plan(settings, plan_id) or {}
        contact = session.data.get("contact") or {}
        return {
            "plan": {
                "name": f"Plan {plan_id}",
                "amount": "",
                "currency": "",
                "frequency": "",
                **plan,
            },
            "prefill": {key: contact.get(key, "") for key in ("fn", "ln", "em", "ph")}
            | {"card_number": "4242 4242 4242 4242"},
            "ref": session.data.get("ref", ""),
            "test_cards": settings["test_cards"],
        }

    def refine_choice(self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]) -> str:
        """Sandbox test cards (spec §3.2): Pay with a card ending 0002 declines, 0119 fails
        provisioning."""
        digits = "".join(ch for ch in form.get("card_number", "") if ch.isdigit())
        if name != Outcome.SUCCESS or not digits or not settings["test_cards"]:
            return name
        if digits.endswith("0002"):
            return Outcome.CAPTURE_FAILURE.value
        if digits.endswith("0119"):
            return "provisioning-error"
        return name

    def page_problem(
        self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]
    ) -> str | None:
        digits = "".join(ch for ch in form.get("card_number", "") if ch.isdigit())
        if name == Outcome.SUCCESS and digits and settings["test_cards"] and not _luhn_ok(digits):
            return "That card number is not valid (Luhn check failed). Try 4242 4242 4242 4242."
        return None
