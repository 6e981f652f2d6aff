"""finAPI Web Form 2.0 (spec §2): outcomes → web form status, browser return and the unsigned
`callbacks.finalised` POST; closed tab → `EXPIRED` at `expiresAt` (sandbox choice §3.2.1)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from mockprovider.core.contract import Choice, EffectContext, Effects, OutcomeSpec, Page, Setting
from mockprovider.core.outcomes import Outcome
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import DeliveryStatus, WebhookMessage
from mockprovider.core.webhooks.policy import DeliveryPolicy, SigningInput, any_2xx
from mockprovider.errors import ProviderError
from mockprovider.providers.finapi import api, operations, pages, tenancy
from mockprovider.providers.finapi import errors as finapi_errors
from mockprovider.providers.finapi.bodies import PAYLOAD_KEY, finalised_messages, webform_status
from mockprovider.providers.finapi.pages import (
    NOT_FOUND_MESSAGE,
    NOT_FOUND_TITLE,
    TEMPLATE,
    browser_return,
    final_values,
)
from mockprovider.providers.finapi.settings import (
    NO_SCA_LOGIN,
    SCA_LOGIN,
    SETTINGS,
    SIGNATURE_HEADER,
    TAN,
    TEST_BANKS,
)
from mockprovider.web.provider import BaseProvider

OUTCOMES = (
    OutcomeSpec(
        "success",
        "Confirm",
        "COMPLETED: automatic redirect to redirectUrl (else the form closes); "
        'callback {"webFormId", "status": "COMPLETED"}.',
    ),
    OutcomeSpec(
        "user_abort",
        "Cancel",
        "ABORTED: redirect to abortRedirectUrl if given; callback status ABORTED.",
    ),
    OutcomeSpec(
        "capture_failure",
        "Bank error",
        "COMPLETED_WITH_ERROR (BANK_SERVER_REJECTION): error page with a link to "
        "errorRedirectUrl, no automatic redirect; callback COMPLETED_WITH_ERROR.",
    ),
    OutcomeSpec("expiry", "Expire now", "EXPIRED: error page, no redirect; callback EXPIRED."),
    OutcomeSpec(
        "closed_tab",
        "Close tab",
        "Nothing now; at expiresAt the form becomes EXPIRED and the callback says so.",
    ),
)
STATUS_OF = {
    Outcome.SUCCESS: "COMPLETED",
    Outcome.USER_ABORT: "ABORTED",
    Outcome.CAPTURE_FAILURE: "COMPLETED_WITH_ERROR",
    Outcome.EXPIRY: "EXPIRED",
}
TYPE_LABELS = {
    "BANK_CONNECTION_IMPORT": "Connect your bank account",
    "BANK_CONNECTION_UPDATE": "Update your bank connection",
    "STANDALONE_PAYMENT": "Authorise a payment",
    "PAYMENT_WITH_ACCOUNT_ID": "Authorise a payment",
}
LOGINS = {(SCA_LOGIN, SCA_LOGIN), (NO_SCA_LOGIN, NO_SCA_LOGIN)}


def sign_debug(attempt: SigningInput) -> dict[str, str]:
    """finAPI signs nothing (§2.7); with `debug_signature` a sandbox-only header carries
    `sha256=<hex HMAC-SHA256 of the body>` (sandbox choice §2.7)."""
    if not attempt.settings.get("debug_signature"):
        return {}
    key = str(attempt.settings["debug_signature_secret"]).encode()
    return {SIGNATURE_HEADER: "sha256=" + hmac.new(key, attempt.body, hashlib.sha256).hexdigest()}


class FinapiProvider(BaseProvider):
    tenancy = tenancy
    name = "finapi"
    title = "finAPI Web Form 2.0"
    outcomes: tuple[OutcomeSpec, ...] = OUTCOMES
    match_fields: tuple[str, ...] = ("user", "type", "bank.id", "bank.search", "bankConnectionId")
    settings: tuple[Setting, ...] = SETTINGS
    #: §2.8 / §3.2.2: one attempt, 10 s timeout, no retry; the response is ignored by finAPI,
    #: the sandbox records a non-2xx as `failed`.
    delivery = DeliveryPolicy(
        schedule=(0.0,),
        timeout=10.0,
        exhausted_status=DeliveryStatus.FAILED,
        judge=any_2xx,
        sign=sign_debug,
    )
    page_template = "finapi/webform.html"
    unimplemented = operations.NOT_IMITATED

    def api_routes(self) -> list[BaseRoute]:
        return api.routes()

    def page_routes(self) -> list[BaseRoute]:
        return pages.routes(self)

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        """Web Form 2.0's `Error` [DOC-2 F7] under its paths, Access's `ErrorMessage` elsewhere."""
        return finapi_errors.api_error(request, now, status, message)

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        if session.data.get("deleted"):
            # Deleted (DELETE /api/webForms/{id}) while its page was open: the form is gone, so
            # the page says what reopening its link says; nothing is sent back [INF].
            gone = final_values("unavailable", NOT_FOUND_TITLE, NOT_FOUND_MESSAGE)
            return Effects(status=SessionStatus.EXPIRED, page=Page(TEMPLATE, gone, 404))
        if choice.outcome == Outcome.CLOSED_TAB:
            return Effects(status=SessionStatus.ABANDONED, page=Page("sandbox/closed_tab.html"))
        if session.status is SessionStatus.EXPIRED:
            # A submit from a page the sweep already expired: its callback went at expiresAt.
            return Effects(status=SessionStatus.EXPIRED, page=browser_return("EXPIRED", {}, {})[1])
        status = STATUS_OF.get(Outcome(choice.outcome), "COMPLETED_WITH_ERROR")
        fields = dict(choice.scenario.webhooks.fields) if choice.scenario else {}
        payload = self._payload(session, status, fields)
        browser = session.data.get("browser") or {}
        error_code = str(payload.get("errorCode", ""))
        redirect, page = browser_return(status, browser, ctx.settings, error_code)
        return Effects(
            status=SessionStatus.EXPIRED if status == "EXPIRED" else SessionStatus.FINISHED,
            redirect_url=redirect,
            page=page,
            webhooks=finalised_messages(session, status),
            data={"status": status, "payload": payload, "completed_at": ctx.now},
        )

    def _payload(self, session: Session, status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """`bankConnectionId` / `paymentId` once completed; `errorCode` on error (a scenario's
        `webhooks.fields.errorCode` forces any code, §2.9.4)."""
        key = PAYLOAD_KEY[str(session.data["type"])]
        payload: dict[str, Any] = {key: None}
        if status == "COMPLETED":
            known = session.data.get("bankConnectionId")
            payload[key] = (
                known if known is not None else uuid.UUID(session.id).int % 900_000 + 100_000
            )
        if status == "COMPLETED_WITH_ERROR":
            payload["errorCode"] = str(fields.get("errorCode", "BANK_SERVER_REJECTION"))
        return payload

    def on_expire(self, session: Session, ctx: EffectContext) -> list[WebhookMessage]:
        """`EXPIRED` at `expiresAt`, also after a closed tab [DOC seeds/finapi-callbacks.txt]."""
        if session.data.get("deleted") or session.data.get("task_only"):
            return []
        return finalised_messages(session, "EXPIRED")

    def match_values(self, session: Session) -> Mapping[str, str]:
        data = session.data
        if data.get("task_only"):
            return {}
        bank = data.get("bank") or {}
        values = {
            "user": data.get("user"),
            "type": data.get("type"),
            "bank.id": bank.get("id"),
            "bank.search": bank.get("search"),
            "bankConnectionId": data.get("bankConnectionId"),
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    def status_label(self, session: Session) -> str:
        if session.data.get("task_only"):
            return "task"
        return "deleted" if session.data.get("deleted") else webform_status(session)

    def page_context(self, session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
        bank = session.data.get("bank") or {}
        name, blz, _ = TEST_BANKS.get(bank.get("id") or 0, ("", "", ""))
        if not name and bank.get("id"):
            name = f"Bank {bank['id']}"
        kind = str(session.data.get("type", ""))
        return {
            "type_label": TYPE_LABELS.get(kind, kind),
            "is_payment": kind in ("STANDALONE_PAYMENT", "PAYMENT_WITH_ACCOUNT_ID"),
            "bank_name": name,
            "bank_blz": blz,
            "orders": session.data.get("orders") or [],
            "support_url": (session.data.get("browser") or {}).get("customerSupportUrl"),
            "prefill": {
                "bank": name or "finAPI Test Bank",
                "username": SCA_LOGIN,
                "password": SCA_LOGIN,
                "tan": TAN,
            },
        }

    def refine_choice(self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]) -> str:
        """Test bank logins [DOC F13]: demo/demo and demo_no_msa/demo_no_msa succeed; any other
        pair is wrong credentials → COMPLETED_WITH_ERROR (BANK_SERVER_REJECTION)."""
        if name != Outcome.SUCCESS or "username" not in form:
            return name
        pair = (form.get("username", ""), form.get("password", ""))
        return name if pair in LOGINS else Outcome.CAPTURE_FAILURE.value

    def page_problem(
        self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]
    ) -> str | None:
        """SCA of the `demo` login: TAN 123456 [DOC F13]; a wrong TAN lets the user retry."""
        if name == Outcome.SUCCESS and form.get("username") == SCA_LOGIN and form.get("tan") != TAN:
            return f"Wrong TAN. The finAPI Test Bank accepts {TAN}."
        return None
