"""Gigs' browser routes: the one-off entry url (spec §1.3).

`GET /gigs/checkout/entry?session=csn_…&token=…` checks the token in constant time, burns it
(single use [DOC-2 G12]) and 303s to the hosted Connect page. A second open, or an open after the
TTL, sends the browser to `callbackUrl` with `status=auth_expired` [DOC seeds; INF].
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session
from mockprovider.errors import Conflict, NotFound
from mockprovider.providers.gigs.api import EXPIRED, NAME, digest
from mockprovider.web.context import context
from mockprovider.web.pages import error_page, render, see_other


async def entry(request: Request) -> Response:
    """Open the one-off url: valid and first → the hosted page; used or late → auth_expired."""
    ctx = context(request)
    sandbox = ctx.sandbox
    query = request.query_params
    try:
        session = await sandbox.get_session(query.get("session", ""))
        if session.provider != NAME:
            raise NotFound("not a Gigs session")
    except NotFound:
        return error_page(request, 404, "Unknown session", "No Connect Session has this id.")
    given = digest(query.get("token", ""))
    if not hmac.compare_digest(given, str(session.data.get("token_sha256", ""))):
        return error_page(
            request,
            403,
            "Invalid link",
            "The token does not belong to this Connect Session.",
            hint="Open the url exactly as the create response returned it.",
        )
    now = await sandbox.now()
    if session.is_open and now >= session.expires_at:
        try:  # end it as an expiry (the engine turns a late choice into one)
            done = await sandbox.complete(session.id, "expiry", via="entry", session=session)
            session = done.session
        except Conflict:
            session = await sandbox.get_session(session.id)
        return _auth_expired(request, session)
    first = await sandbox.records(NAME).insert("opened_url", session.id, {"at": now})
    if not first or not session.is_open:
        return _auth_expired(request, session)
    return see_other(session.hosted_url)


def _auth_expired(request: Request, session: Session) -> Response:
    """The browser goes back with `status=auth_expired` [DOC seeds]; without a callbackUrl a
    sandbox end page shows that status [INF]."""
    if session.callback_url:
        params = [("session_id", session.id), ("status", EXPIRED)]
        return see_other(append_params(session.callback_url, params))
    provider = context(request).sandbox.provider(NAME)
    values = {
        "session": session,
        "provider_title": provider.title,
        "status_label": provider.status_label(session),
        "connect_status": EXPIRED,
    }
    return render(request, "gigs/done.html", values)


def routes() -> list[BaseRoute]:
    """The browser's routes (the Connect page itself is the shared hosted page)."""
    return [Route("/checkout/entry", entry, methods=["GET"], name="entry")]
