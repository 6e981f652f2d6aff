"""Yapily's hosted pages (spec §3.1): the page `hostedUrl` opens (payment summary or consent
screen, bank picker, "Cancel"), the hand-off to the sandbox bank, and the status screen the
bank's hop leads to, which sends the browser to `redirectUrl`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.tokens import Purpose
from mockprovider.errors import Forbidden, InvalidInput, NotFound
from mockprovider.providers.yapily.auth_requests import NAME, authorisation_url
from mockprovider.providers.yapily.hosted import phases, retry
from mockprovider.providers.yapily.hosted.bodies import institutions_in
from mockprovider.providers.yapily.hosted.outcomes import new_payment
from mockprovider.providers.yapily.hosted.shapes import ID_KEYS
from mockprovider.providers.yapily.pages import session_for_state
from mockprovider.web.context import context
from mockprovider.web.hosted import respond
from mockprovider.web.pages import form_fields, render, see_other
from mockprovider.web.provider import WebProvider

PAGES = {"consents": "consent", "payments": "payment", "links": "link", "vrp": "vrp"}


def _values(request: Request, provider: WebProvider, session: Session) -> dict[str, object]:
    data = session.data
    return {
        "session": session,
        "provider_title": provider.title,
        "status_label": provider.status_label(session),
        "flow": data["hosted"],
        "details": data.get("paymentRequestDetails") or {},
        "vrp": data.get("controlParameters") or {},
        "scope": data.get("featureScope") or [],
    }


def routes(provider: WebProvider) -> list[BaseRoute]:
    """The hosted pages of `provider` (the Yapily instance)."""

    async def landing(request: Request) -> Response:
        ctx = context(request)
        flow = PAGES.get(request.url.path.rsplit("/", 1)[-1])
        sid = request.query_params.get(ID_KEYS.get(flow or "", ""), "")
        if (
            flow is None
            or ctx.tokens.verify(Purpose.HOSTED_PAGE, request.query_params.get("authToken", ""))
            != sid
        ):
            raise Forbidden("this hosted link was not issued by the sandbox")
        session = await ctx.sandbox.expire_if_due(await ctx.sandbox.get_session(sid))
        values = _values(request, provider, session)
        if session.status is SessionStatus.EXPIRED:  # §5 [GAP]: the link-expired page, no redirect
            settings = await ctx.sandbox.settings(NAME)
            return render(
                request,
                "yapily/hosted_expired.html",
                values,
                int(settings["hosted_expired_status"]),
            )
        automatic = retry.automatic_scenario(session)
        if session.is_open and automatic is not None:
            completion = await ctx.sandbox.complete(sid, automatic, via="auto")
            return await respond(request, provider, completion)
        if not session.is_open:  # §2.3: a used link allows no second payment
            return render(request, "yapily/hosted_used.html", values, 200)
        settings = await ctx.sandbox.settings(NAME)
        session = await ctx.sandbox.mark_opened(session)
        fixed = session.data["institutionIdentifiers"].get("institutionId")
        country = session.data["institutionIdentifiers"]["institutionCountryCode"]
        values |= {
            "institutions": [] if fixed else institutions_in(settings, country),
            "fixed": fixed,
            "form_token": ctx.tokens.sign(Purpose.OUTCOME_FORM, [session.id, session.form_nonce]),
            "action": f"{ctx.base_url(request)}/{NAME}/hosted/{session.id}/bank",
            "cancel": f"{ctx.base_url(request)}/{NAME}/s/{session.id}/outcome",
            "failed_attempts": retry.failed_attempts(session.data),
        }
        return render(request, "yapily/hosted_page.html", values)

    async def bank(request: Request) -> Response:
        """The user picked a bank and confirmed: phases of the hand-off, then 303 to the bank."""
        ctx = context(request)
        sandbox = ctx.sandbox
        form = await form_fields(request)
        session = await sandbox.get_session(request.path_params["session_id"])
        if ctx.tokens.verify(Purpose.OUTCOME_FORM, form.get("t", "")) != [
            session.id,
            session.form_nonce,
        ]:
            raise Forbidden("this form was not issued for this request")
        if not session.is_open:
            raise Forbidden(f"this request is already {session.status.value}")
        settings = await sandbox.settings(NAME)
        data = session.data
        country = data["institutionIdentifiers"]["institutionCountryCode"]
        chosen = data["institutionIdentifiers"].get("institutionId") or form.get("institution", "")
        if chosen not in {i["id"] for i in institutions_in(settings, country)}:
            raise InvalidInput(f"pick one of the banks in {country}")
        now = await sandbox.now()
        family = phases.family(data["hosted"])
        new: dict[str, object] = {"institutionId": chosen, "vrpStatus": ["awaiting", now]}
        # a retried link (§5): the previous attempt's return is not this one's
        new |= {"hostedRedirect": None, "callbackRedirect": None}
        if family == "payment":
            new["payments"] = [*(data.get("payments") or []), new_payment(data, chosen, now)]
        elif family == "consent":
            new["phases"] = phases.advance(
                data["phases"], phases.START + phases.HANDOFF["consent"], now
            )
        await sandbox.progress(session, "bank chosen", data=new)
        kind = "PIS" if family == "payment" else "AIS"
        return see_other(
            authorisation_url(ctx.base_url(request), chosen, data["state"], kind, session.id)
        )

    async def status(request: Request) -> Response:
        """Yapily's status screen after the bank (§3.1): the result, then the redirect."""
        session = await session_for_state(request)
        target = session.data.get("hostedRedirect")
        if not target:
            raise NotFound("this request has not come back from the bank yet")
        settings = await context(request).sandbox.settings(NAME)
        values = _values(request, provider, session) | {
            "target": target,
            "seconds": int(settings["hosted_status_screen_seconds"]),
            "ok": session.outcome == "success",
        }
        return render(request, "yapily/hosted_status.html", values)

    return [
        Route("/hosted/status", status, methods=["GET"], name="hosted_status"),
        # One route per page, not `/hosted/{page}`: that would also match the API's
        # `/hosted/consent-requests` and `/hosted/payment-requests` and put GET in their `Allow`.
        *(
            Route(f"/hosted/{page}", landing, methods=["GET"], name=f"hosted_landing_{page}")
            for page in PAGES
        ),
        Route("/hosted/{session_id}/bank", bank, methods=["POST"], name="hosted_bank"),
    ]
