"""Yapily redirect authorisation (spec yapily.md): outcomes → the bank's return through the
`auth.yapily.com`-style hop to `callback`, consent statuses, payment webhooks."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from mockprovider.clock import iso_millis
from mockprovider.core.contract import Choice, EffectContext, Effects, OutcomeSpec, Page, Setting
from mockprovider.core.outcomes import Outcome
from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.policy import DeliveryPolicy, any_2xx
from mockprovider.errors import ProviderError
from mockprovider.providers.yapily import (
    api,
    callbacks,
    errors,
    operations,
    pages,
    tenancy,
    webhooks,
)
from mockprovider.providers.yapily.hosted import outcomes as hosted_outcomes
from mockprovider.providers.yapily.hosted import pages as hosted_pages
from mockprovider.providers.yapily.hosted.labels import hosted_label, hosted_payment
from mockprovider.providers.yapily.lifetime import lifetime_fields
from mockprovider.providers.yapily.settings import RETRY_SCHEDULE, SETTINGS, find_institution
from mockprovider.providers.yapily.tokens import consent_token, one_time_token
from mockprovider.providers.yapily.views import REVOKED, consent_status, revoked
from mockprovider.web.provider import BaseProvider, with_params

OUTCOMES = (
    OutcomeSpec(
        "success",
        "Allow",
        "Hop to callback with consent (or one-time-token), application-user-id, user-uuid, "
        "institution; consent AUTHORIZED.",
    ),
    OutcomeSpec(
        "user_abort",
        "Cancel",
        "Hop to callback with error=access_denied, error-source=user; consent REJECTED.",
    ),
    OutcomeSpec(
        "capture_failure",
        "Bank error",
        "Hop to callback with error=invalid_grant, error-source=institution; consent FAILED.",
    ),
    OutcomeSpec(
        "bad_config",
        "Bank rejects client",
        "Hop to callback with error=configuration_error (invalid_client); consent FAILED.",
    ),
    OutcomeSpec("expiry", "Expire now", "No redirect, no webhook; consent EXPIRED."),
    OutcomeSpec(
        "closed_tab",
        "Close tab",
        "Nothing is sent back; AWAITING_AUTHORIZATION until the window ends, then EXPIRED.",
    ),
)


class YapilyProvider(BaseProvider):
    tenancy = tenancy
    name = "yapily"
    title = "Yapily"
    outcomes: tuple[OutcomeSpec, ...] = OUTCOMES
    match_fields: tuple[str, ...] = ("applicationUserId", "userUuid", "institutionId", "type")
    settings: tuple[Setting, ...] = SETTINGS
    #: §7.3 [GAP → sandbox choice]: non-2xx/timeout fail; at once, then 1, 5, 15, 60, 360 min.
    delivery = DeliveryPolicy(
        schedule=RETRY_SCHEDULE, timeout=10.0, judge=any_2xx, sign=webhooks.sign_attempt
    )
    page_template = "yapily/bank.html"
    unimplemented = operations.NOT_IMITATED

    def api_routes(self) -> list[BaseRoute]:
        return api.routes()

    def page_routes(self) -> list[BaseRoute]:
        return pages.routes(self) + hosted_pages.routes(self)

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        return errors.api_error(status, message)

    def match_values(self, session: Session) -> Mapping[str, str]:
        keys = ("applicationUserId", "userUuid", "institutionId", "type")
        return {k: str(session.data[k]) for k in keys if session.data.get(k) is not None}

    def status_label(self, session: Session) -> str:
        if session.data.get("hosted"):
            return hosted_label(session)
        status = consent_status(session)
        if session.data.get("reauthorises") and status == "AWAITING_AUTHORIZATION":
            return "AWAITING_RE_AUTHORIZATION"  # what its consent shows meanwhile
        return status

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        outcome, data = choice.outcome, session.data
        if data.get("hosted"):  # Hosted Pages (yapily-hosted.md)
            return hosted_outcomes.hosted_effects(session, choice, ctx)
        if revoked(session):  # deleted while its bank page was open: no hop, no callback
            page = Page("yapily/used.html", {"consent_status": REVOKED})
            expired = session.status is SessionStatus.EXPIRED  # a late submit after the window
            return Effects(status=session.status if expired else SessionStatus.FINISHED, page=page)
        if outcome == Outcome.CLOSED_TAB:  # §6 row 6: no callback ever
            return Effects(status=SessionStatus.ABANDONED, page=Page("sandbox/closed_tab.html"))
        if outcome == Outcome.EXPIRY:  # §6 row 3: no redirect from Yapily [INF]
            return Effects(
                status=SessionStatus.EXPIRED,
                page=Page("sandbox/expired.html"),
                data={"consent_status": "EXPIRED"},
            )
        overrides = dict(choice.scenario.redirect.params) if choice.scenario else {}
        if outcome == Outcome.SUCCESS:
            params, new = self._success(session, ctx, overrides)
            auth_code = secrets.token_hex(16)
            new["authCode"] = auth_code  # for POST /consent-auth-code (§3.3)
            hop = [("state", str(data["state"])), ("code", auth_code)]
        else:
            params, code = callbacks.failure_params(data, outcome, overrides, ctx.settings)
            source = dict(params)["error-source"]
            # §5.3 [INF]: declined by the user → REJECTED; anything else → FAILED.
            new = {"consent_status": "REJECTED" if source == "user" else "FAILED"}
            hop = [("state", str(data["state"])), ("error", code)]
        callback = data.get("callback")
        new["callbackRedirect"] = callbacks.callback_url(callback, params) if callback else None
        redirect = append_params(f"{data['base_url']}/{self.name}/auth-redirect/", hop)
        return Effects(status=SessionStatus.FINISHED, redirect_url=redirect, data=new)

    def _success(
        self, session: Session, ctx: EffectContext, overrides: Mapping[str, str]
    ) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        data, settings = session.data, ctx.settings
        # A re-authorisation (PATCH) keeps its consent's id and token [DOC S1].
        consent_id = str(data.get("reauthorises") or session.id)
        token = data.get("consentToken") or consent_token(
            str(data["institutionId"]),
            consent_id,
            data.get("applicationUserId"),
            str(data["userUuid"]),
            str(settings["consent_token_key"]),
        )
        new: dict[str, Any] = {
            "consent_status": "AUTHORIZED",
            "consentToken": token,
            "authorizedAt": iso_millis(ctx.now),
        }
        new |= lifetime_fields(data, ctx)
        one_time = None
        if data.get("oneTimeToken"):
            one_time = one_time_token(consent_id)
            new["oneTimeTokenValue"] = one_time
            new["oneTimeTokenExpiresAt"] = ctx.now + float(settings["one_time_token_ttl"])
        params = callbacks.success_params(
            data, consent=token, one_time=one_time, settings=settings, consent_id=consent_id
        )
        return with_params(params, overrides), new

    def page_context(self, session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
        data = session.data
        institution = find_institution(settings, str(data.get("institutionId"))) or {}
        login = bool(institution.get("username"))
        prefill = {"username": "", "password": ""}
        if login:
            prefill = {"username": institution["username"], "password": institution["password"]}
        return {
            "institution": institution.get("name") or data.get("institutionId", ""),
            "institution_id": data.get("institutionId", ""),
            "kind": "PIS" if data.get("type") == "HOSTED_PIS" else data.get("type", "AIS"),
            "login": login,
            "prefill": prefill,
            "application_user_id": data.get("applicationUserId") or "",
            "feature_scope": data.get("featureScope") or [],
            "payment": data.get("paymentRequest") or hosted_payment(data),
        }

    def refine_choice(self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]) -> str:
        """Bank-login magic (README): user name `<user>+<outcome or scenario>` picks that choice
        when Allow is pressed, e.g. `mits+user_abort`."""
        user = form.get("username", "")
        if name == Outcome.SUCCESS and "+" in user:
            return user.split("+", 1)[1] or name
        return name

    def page_problem(
        self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]
    ) -> str | None:
        """A wrong login on a bank with credentials (modelo: mits / mits, §9.1) keeps the user on
        the bank page, which says so; Cancel still returns access_denied."""
        if name != Outcome.SUCCESS:
            return None
        institution = find_institution(settings, form.get("institution", "")) or {}
        if not institution.get("username"):
            return None
        user = form.get("username", "").split("+", 1)[0]
        password = form.get("password", "")
        if user.lower() == str(institution["username"]).lower() and password == str(
            institution.get("password", "")
        ):
            return None
        return "Incorrect credentials: check the user name and password (sandbox: {} / {}).".format(
            institution["username"], institution.get("password", "")
        )
