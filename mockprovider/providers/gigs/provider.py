"""Gigs Connect (spec §1): outcomes → `callbackUrl?…&session_id=csn_…&status=…`, com.gigs.*
events through Svix."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from mockprovider.core.contract import Choice, EffectContext, Effects, OutcomeSpec, Page, Setting
from mockprovider.core.outcomes import Outcome
from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import DeliveryStatus, WebhookMessage
from mockprovider.core.webhooks.policy import DeliveryPolicy, Verdict
from mockprovider.errors import ProviderError
from mockprovider.providers.gigs import api, events, pages, reads, tenancy, validation
from mockprovider.providers.gigs.settings import (
    SETTINGS,
    SUBSCRIPTION_ACTIVATED,
    SUBSCRIPTION_CREATED,
)
from mockprovider.web.provider import BaseProvider, with_params

MINUTE, HOUR = 60.0, 3600.0
#: Svix's schedule [DOC G15, spec §1.7]: 8 attempts over ~27.5 h, then the message is Failed.
SCHEDULE = (0.0, 5.0, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR)
#: The `status` each outcome puts on the callback URL [DOC seeds/gigs-connect-link-back.txt].
STATUSES = {
    Outcome.SUCCESS: "success",
    Outcome.USER_ABORT: "user_aborted",
    Outcome.EXPIRY: "auth_expired",
    Outcome.BAD_CONFIG: "bad_configuration",
}

OUTCOMES = (
    OutcomeSpec("success", "Complete", "status=success; subscription events for a checkout."),
    OutcomeSpec("user_abort", "Cancel", "status=user_aborted; no event."),
    OutcomeSpec(
        "capture_failure",
        "Decline card",
        "Inline payment error, no redirect: pick again to retry or cancel.",
    ),
    OutcomeSpec("expiry", "Expire now", "status=auth_expired; no event."),
    OutcomeSpec(
        "bad_config", "Bad configuration", "status=bad_configuration (or not_allowed); no event."
    ),
    OutcomeSpec("closed_tab", "Close tab", "No redirect, no event; the session expires later."),
)
INTENT_TITLES = {
    "checkoutNewSubscription": "Check out your new plan",
    "checkoutAddon": "Add an add-on",
    "cancelSubscription": "Subscription settings",
    "changeSubscription": "Add data",
    "completePorting": "Bring your number",
    "confirmPayment": "Confirm your payment",
    "resumeSubscription": "Resume your subscription",
    "updatePaymentMethod": "Payment methods",
    "updateUserAddress": "Your address",
    "updateUserFullName": "Your name",
    "viewEsimInstallation": "Install your eSIM",
    "viewSubscription": "Your subscription",
    "viewSubscriptions": "Your subscriptions",
}


def judge(status_code: int, headers: Mapping[str, str]) -> Verdict:
    """Any 2xx succeeds; `webhook-delivery: abort-message` stops the retries; anything else
    (3xx too: redirects are not followed) is retried [DOC G15]."""
    if 200 <= status_code < 300:
        return Verdict.DELIVERED
    if headers.get("webhook-delivery", "").strip().lower() == "abort-message":
        return Verdict.STOP
    return Verdict.RETRY


#: (type, code) of the sandbox's own API errors [GAP: Gigs documents the envelope, not these];
#: any other 5xx is `internal` / `internalServerError`.
API_ERROR_KINDS = {
    404: ("notFound", "endpointNotFound"),
    405: ("methodNotAllowed", "methodNotAllowed"),
    429: ("tooManyRequests", "rateLimitExceeded"),
    501: ("notImplemented", "notImplemented"),
}


class GigsProvider(BaseProvider):
    tenancy = tenancy
    name = "gigs"
    title = "Gigs Connect"
    outcomes: tuple[OutcomeSpec, ...] = OUTCOMES
    match_fields: tuple[str, ...] = ("user", "userDetails.email", "intent.type", "plan")
    settings: tuple[Setting, ...] = SETTINGS
    delivery = DeliveryPolicy(
        schedule=SCHEDULE,
        timeout=15.0,
        exhausted_status=DeliveryStatus.FAILED,
        judge=judge,
        sign=events.sign_attempt,
    )
    page_template = "gigs/connect.html"

    def api_routes(self) -> list[BaseRoute]:
        return api.routes() + reads.routes()

    def page_routes(self) -> list[BaseRoute]:
        return pages.routes()

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        """Gigs' envelope [DOC G11]; type and code are [GAP]: see `API_ERROR_KINDS`."""
        type_, code = API_ERROR_KINDS.get(status, ("internal", "internalServerError"))
        return validation.error(status, type_, code, message)

    def match_values(self, session: Session) -> Mapping[str, str]:
        intent = session.data.get("intent") or {}
        params = intent.get(intent.get("type", "")) or {}
        values = {
            "user": session.data.get("user"),
            "userDetails.email": (session.data.get("userDetails") or {}).get("email"),
            "intent.type": intent.get("type"),
            "plan": params.get("plan") if isinstance(params, dict) else None,
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    def status_label(self, session: Session) -> str:
        """The Connect `status` the session ended with, else the sandbox state [INF: the
        ConnectSession object has no status field, §1.2]."""
        return str(session.data.get("connect_status") or session.status.value)

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        outcome, settings = choice.outcome, ctx.settings
        if outcome == Outcome.CLOSED_TAB:  # nothing can redirect; no event [INF]
            return Effects(status=SessionStatus.ABANDONED, page=Page("sandbox/closed_tab.html"))
        if outcome == Outcome.CAPTURE_FAILURE:  # [GAP] sandbox choice: stay, retry or abort
            return Effects(status=session.status, problem=str(settings["payment_error"]))
        status = STATUSES[Outcome(outcome)]
        if outcome == Outcome.BAD_CONFIG and settings["legacy_not_allowed"]:
            status = "not_allowed"  # the older name [DOC G5-old], behind a switch (§3.1)
        data: dict[str, Any] = {"connect_status": status}
        messages: list[WebhookMessage] = []
        if outcome == Outcome.SUCCESS:
            messages, ids = self._checkout_events(session, ctx)
            data |= ids
        if choice.scenario is not None:
            messages = [self._with_fields(m, choice.scenario.webhooks.fields) for m in messages]
        end = SessionStatus.EXPIRED if outcome == Outcome.EXPIRY else SessionStatus.FINISHED
        overrides = dict(choice.scenario.redirect.params) if choice.scenario else {}
        params = with_params([("session_id", session.id), ("status", status)], overrides)
        if not session.callback_url:  # Connect keeps the user; the sandbox shows an end page
            return Effects(
                status=end,
                page=Page("gigs/done.html", {"connect_status": status}),
                webhooks=messages,
                data=data,
            )
        return Effects(
            status=end,
            redirect_url=append_params(session.callback_url, params),
            webhooks=messages,
            data=data,
        )

    def _checkout_events(
        self, session: Session, ctx: EffectContext
    ) -> tuple[list[WebhookMessage], dict[str, Any]]:
        """`com.gigs.subscription.created` now, then `.activated` `activation_delay` sandbox
        seconds later, as the network activates the line [INF from G10, G16]."""
        intent = session.data["intent"]
        if intent["type"] != "checkoutNewSubscription":
            return [], {}
        settings = ctx.settings
        data = session.data  # ids minted with the session (api.py), so the reads find them
        ids: dict[str, Any] = {
            "subscription": data.get("subscription") or events.new_id("sub_"),
            "checkout_user": data.get("checkout_user") or data.get("user") or events.new_id("usr_"),
        }
        plan = intent["checkoutNewSubscription"]["plan"]
        project, url = str(session.data["project"]), str(settings["webhook_url"])
        delay = float(settings["activation_delay"])
        messages = []
        for event_type, state, later in (
            (SUBSCRIPTION_CREATED, "pending", 0.0),
            (SUBSCRIPTION_ACTIVATED, "active", delay),
        ):
            if event_type in settings["events"]:
                at = ctx.now + later
                payload = events.subscription_data(
                    ids["subscription"], plan, ids["checkout_user"], state, ctx.now, activated=at
                )
                message = events.event(event_type, payload, project, url, at)
                messages.append(replace(message, delay=later))
        ids |= {"completed_at": ctx.now, "activates_at": ctx.now + delay}
        return messages, ids

    @staticmethod
    def _with_fields(message: WebhookMessage, fields: Mapping[str, Any]) -> WebhookMessage:
        """A scenario's `webhooks.fields`, merged into the event's `data`."""
        if not fields:
            return message
        envelope = json.loads(message.body)
        envelope["data"].update(fields)
        return replace(message, body=events.compact(envelope))

    def page_context(self, session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
        intent = session.data.get("intent") or {}
        kind = str(intent.get("type", ""))
        params = intent.get(kind) if isinstance(intent.get(kind), dict) else {}
        details = session.data.get("userDetails") or {}
        return {
            "intent_type": kind,
            "intent_title": INTENT_TITLES.get(kind, kind),
            "params": sorted((str(k), str(v)) for k, v in (params or {}).items()),
            "user": session.data.get("user") or "",
            "email": details.get("email", ""),
            "full_name": details.get("fullName", ""),
            "theme": (session.data.get("appearance") or {}).get("theme", "light"),
        }
