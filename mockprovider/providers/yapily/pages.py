"""The sandbox bank and the `auth.yapily.com`-style hop (spec §3.2, §3.4 sandbox choice).

`GET /yapily/bank/{institution}/authorize?…&state=…` is the bank's page (login + Allow/Cancel +
the tester's outcome panel); the outcome answers 303 to `GET /yapily/auth-redirect/?state=…&code=…`
(or `&error=…`), which answers 302 to the integrator's `callback` at once (§3.2: the hop must
not add latency), or shows Yapily's own page when there is no callback (§6 row 4b).
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.errors import NotFound
from mockprovider.providers.yapily.hosted.retry import automatic_scenario
from mockprovider.providers.yapily.reauth_state import is_reauthorisation, superseded
from mockprovider.providers.yapily.views import consent_status, revoked
from mockprovider.web.context import context
from mockprovider.web.hosted import respond, show
from mockprovider.web.pages import render
from mockprovider.web.provider import WebProvider

NAME = "yapily"


async def session_for_state(request: Request) -> Session:
    """The consent a bank `state` belongs to; 404 page for an unknown one."""
    sandbox = context(request).sandbox
    state = request.query_params.get("state", "")
    found = await sandbox.records(NAME).get("state", state) if state else None
    if found is None:
        raise NotFound("unknown or missing state: open the authorisationUrl Yapily returned")
    return await sandbox.get_session(str(found["consent_id"]))


def _values(session: Session, provider: WebProvider) -> dict[str, object]:
    return {
        "session": session,
        "provider_title": provider.title,
        "status_label": consent_status(session),
        "consent_status": consent_status(session),
    }


def routes(provider: WebProvider) -> list[BaseRoute]:
    """The bank page, the hop and the QR image, for `provider` (the Yapily instance)."""

    async def authorize(request: Request) -> Response:
        sandbox = context(request).sandbox
        session = await session_for_state(request)
        if request.path_params["institution"] != session.data.get("institutionId"):
            raise NotFound("this authorisation belongs to another institution")
        session = await sandbox.expire_if_due(session)  # §5.4: the window passed; lazily
        if revoked(session):  # deleted (DELETE /consents/{id}) before it was answered
            return render(request, "yapily/used.html", _values(session, provider), 200)
        gone = await superseded(sandbox, session) if is_reauthorisation(session) else None
        if gone is not None:  # its consent was revoked, or a later PATCH gave a newer URL
            values = _values(session, provider) | {"consent_status": gone}
            return render(request, "yapily/used.html", values, 200)
        automatic = automatic_scenario(session)
        if session.is_open and automatic is not None:
            completion = await sandbox.complete(session.id, automatic, via="auto")
            return await respond(request, provider, completion)
        if not session.is_open:
            template = (
                "yapily/expired.html"
                if session.status is SessionStatus.EXPIRED
                else "yapily/used.html"
            )
            return render(request, template, _values(session, provider), 200)
        session = await sandbox.mark_opened(session)
        return await show(request, provider, session)

    async def auth_redirect(request: Request) -> Response:
        session = await session_for_state(request)
        target = session.data.get("callbackRedirect")
        if target:
            return Response(status_code=302, headers={"location": str(target)})
        if session.outcome is None:
            raise NotFound("this authorisation has not come back from the bank yet")
        return render(request, "yapily/auth_done.html", _values(session, provider), 200)

    async def image(request: Request) -> Response:
        """`qrCodeUrl`: an SVG placeholder naming the consent (no QR encoder is bundled)."""
        text = html.escape(request.path_params["image_id"])
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60">'
            f'<text x="8" y="34" font-size="10">SANDBOX QR {text}</text></svg>'
        )
        return Response(svg, media_type="image/svg+xml")

    return [
        Route("/bank/{institution}/authorize", authorize, methods=["GET"], name="bank"),
        Route("/auth-redirect/", auth_redirect, methods=["GET"], name="auth_redirect"),
        Route("/images/{image_id}/{stamp}", image, methods=["GET"], name="qr"),
    ]
