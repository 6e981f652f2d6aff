"""What each outcome does to a hosted request (spec §7): the phases and statuses of §4.4, the
consent (token) the data API accepts, the executed payment and its webhook, then the hop to
Yapily's status screen and the redirect it will make."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from mockprovider.clock import iso_millis
from mockprovider.core.contract import Choice, EffectContext, Effects, Page
from mockprovider.core.outcomes import Outcome
from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.providers.yapily.hosted import events, phases, redirects, retry
from mockprovider.providers.yapily.hosted.bodies import institutions_in
from mockprovider.providers.yapily.tokens import consent_token, one_time_token

NAME = "yapily"
#: Scenario: the bank approved, the browser never came back (§7 closed_tab variant).
RETURN_LOST = "hosted-return-lost"
#: Scenario of the direct flow whose payment fails at execution; on a hosted payment it is
#: the "execution rejected" row of §4.4.
PAYMENT_FAILED = "payment-failed"


def institution_of(data: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """The bank the user picked, else the one asked for, else the country's first (§3.1)."""
    chosen = data.get("institutionId") or data["institutionIdentifiers"].get("institutionId")
    if chosen:
        return str(chosen)
    country = str(data["institutionIdentifiers"]["institutionCountryCode"])
    return str(institutions_in(settings, country)[0]["id"])


def new_payment(data: Mapping[str, Any], institution: str, now: float) -> dict[str, Any]:
    """A `payments[]` entry for the request's payment (§4.2), phases up to the hand-off. The
    first attempt starts when the request was created; a retry (§5) starts now."""
    details = data.get("paymentRequestDetails") or {}
    reached = [] if data.get("payments") else data["phases"]
    money = details.get("amountDetails") or {}
    entry = {
        "paymentId": str(uuid.uuid4()),
        "hostedPaymentId": str(uuid.uuid4()),
        "consentId": str(uuid.uuid4()),
        "institutionIdentifiers": {
            "institutionId": institution,
            "institutionCountryCode": data["institutionIdentifiers"]["institutionCountryCode"],
        },
        "phases": phases.advance(reached, phases.START + phases.HANDOFF["payment"], now),
        "statusDetails": [],
        "amount": {
            "amount": money.get("amountToPay", money.get("amount")),
            "currency": money.get("currency"),
        },
    }
    for key in ("paymentIdempotencyId", "reference", "contextType", "type", "payee", "payer"):
        if details.get(key) is not None:
            entry[key] = details[key]
    return entry


def hosted_effects(session: Session, choice: Choice, ctx: EffectContext) -> Effects:
    """The effects of `choice` on the hosted request `session`."""
    data, outcome = session.data, choice.outcome
    scenario = choice.scenario.name if choice.scenario else None
    if outcome == Outcome.EXPIRY:  # §5: the "link expired" page, no redirect
        page = Page("yapily/hosted_expired.html", {}, int(ctx.settings["hosted_expired_status"]))
        new: dict[str, Any] = {"vrpStatus": ["expired", ctx.now]}
        if data["hosted"] == "consent":
            new["consent_status"] = "EXPIRED"
        return Effects(status=SessionStatus.EXPIRED, page=page, data=new)
    if outcome == Outcome.CLOSED_TAB:
        new = {
            "vrpStatus": [
                data["vrpStatus"][0] if data["vrpStatus"][0] != "created" else "awaiting",
                ctx.now,
            ]
        }
        messages: list[WebhookMessage] = []
        if scenario == RETURN_LOST:  # the bank approved, the return was lost: pollable
            new, messages = _result(session, "success", ctx)
        return Effects(
            status=SessionStatus.ABANDONED,
            page=Page("sandbox/closed_tab.html"),
            data=new,
            webhooks=messages,
        )
    if scenario == PAYMENT_FAILED and phases.family(data["hosted"]) == "payment":
        outcome = Outcome.CAPTURE_FAILURE.value
    new, messages = _result(session, outcome, ctx)
    if outcome == Outcome.SUCCESS:
        params = redirects.success(
            data | new,
            session.id,
            ctx.settings,
            new.get("consentToken"),
            new.get("oneTimeTokenValue"),
        )
    else:
        error = (
            "payment_rejected"
            if outcome == Outcome.CAPTURE_FAILURE and phases.family(data["hosted"]) == "payment"
            else outcome
        )
        params = redirects.failure(data | new, session.id, ctx.settings, error)
        new["errorCode"] = dict(params)["error"]
    overrides = dict(choice.scenario.redirect.params) if choice.scenario else {}
    params += [(k, v) for k, v in overrides.items() if k not in dict(params) and "-" not in k]
    base = data["base_url"]
    new["hostedRedirect"] = append_params(str(data["redirectUrl"]), params)
    new["callbackRedirect"] = f"{base}/{NAME}/hosted/status?state={data['state']}"
    new["tppNotified"] = True
    hop_key = "code" if outcome == Outcome.SUCCESS else "error"
    hop = append_params(
        f"{base}/{NAME}/auth-redirect/",
        [
            ("state", str(data["state"])),
            (hop_key, uuid.uuid4().hex if outcome == Outcome.SUCCESS else str(new["errorCode"])),
        ],
    )
    # §5 [INF]: a link whose payment failed stays open for another attempt until it expires
    after = SessionStatus.OPENED if retry.retryable(data, outcome, ctx.settings) else None
    return Effects(
        status=after or SessionStatus.FINISHED, redirect_url=hop, data=new, webhooks=messages
    )


def _result(
    session: Session, outcome: str, ctx: EffectContext
) -> tuple[dict[str, Any], list[WebhookMessage]]:
    """The data (and webhooks) of a finished authorisation: per flow, §4.4."""
    data, now, settings = session.data, ctx.now, ctx.settings
    institution = institution_of(data, settings)
    ids = dict(data["institutionIdentifiers"]) | {"institutionId": institution}
    new: dict[str, Any] = {"institutionId": institution, "institutionIdentifiers": ids}
    flow = phases.family(data["hosted"])
    if flow == "vrp":
        new["vrpStatus"] = [phases.VRP_STATUS[outcome], now]
        if outcome == Outcome.SUCCESS:
            new |= _consent(session, institution, ctx)
        return new, []
    if flow == "consent":
        new["phases"] = phases.advance(data["phases"], phases.SCRIPTS["consent"][outcome], now)
        if outcome == Outcome.SUCCESS:
            new |= _consent(session, institution, ctx)
        else:
            new["consent_status"] = "REJECTED" if outcome == Outcome.USER_ABORT else "FAILED"
        return new, []
    return _payment_result(session, outcome, institution, ctx, new)


def _consent(session: Session, institution: str, ctx: EffectContext) -> dict[str, Any]:
    """An authorised consent, as the direct flow records one (same keys, same token), under
    the `consentId` minted at creation (its alias record points at this session)."""
    data, settings = session.data, ctx.settings
    consent_id = str(data["consentRef"])
    token = consent_token(
        institution,
        consent_id,
        data.get("applicationUserId"),
        str(data["userUuid"]),
        str(settings["consent_token_key"]),
    )
    new: dict[str, Any] = {
        "consentId": consent_id,
        "consent_status": "AUTHORIZED",
        "consentToken": token,
        "authorizedAt": iso_millis(ctx.now),
        "institutionConsentId": "aac-" + str(uuid.uuid4()),
    }
    if data.get("oneTimeToken"):
        new["oneTimeTokenValue"] = one_time_token(consent_id)
        new["oneTimeTokenExpiresAt"] = ctx.now + float(settings["one_time_token_ttl"])
    return new


def _payment_result(
    session: Session, outcome: str, institution: str, ctx: EffectContext, new: dict[str, Any]
) -> tuple[dict[str, Any], list[WebhookMessage]]:
    """The payment Yapily executes itself (§2.2): phases, statusDetails, and the hosted_pis
    webhook for a completed or rejected execution (§6)."""
    data, now, settings = session.data, ctx.now, ctx.settings
    payments = [dict(p) for p in data.get("payments") or []]
    if not payments or retry.decided(payments[-1]):  # no attempt at the bank: a new one
        payments.append(new_payment(data, institution, now))
    entry = payments[-1]
    later = float(settings["hosted_settlement_seconds"])
    entry["phases"] = phases.advance(
        entry["phases"],
        phases.SCRIPTS["payment"][outcome],
        now,
        later if outcome == Outcome.SUCCESS else 0.0,
    )
    wants = bool(settings["webhook_url"])
    messages: list[WebhookMessage] = []
    if outcome == Outcome.SUCCESS:
        entry["statusDetails"] = [
            {"status": "PENDING", "at": now},
            {"status": "COMPLETED", "at": now + later},
        ]
        entry["institutionPaymentId"] = "pv3-" + uuid.uuid4().hex[:20]
        if wants:
            messages.append(
                events.payment_event(events.COMPLETED, entry, session.id, settings, delay=later)
            )
    elif outcome == Outcome.CAPTURE_FAILURE:
        entry["statusDetails"] = [{"status": "FAILED", "at": now}]
        if wants:
            messages.append(events.payment_event(events.FAILED, entry, session.id, settings))
    elif wants and settings["hosted_webhook_on_auth_failure"]:
        code = str(settings["hosted_error_params"][outcome][0])
        messages.append(
            events.payment_event(events.FAILED, entry, session.id, settings, error_code=code)
        )
    new["payments"] = payments
    return new, messages
