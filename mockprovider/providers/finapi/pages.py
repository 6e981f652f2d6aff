"""The web form itself: `GET /finapi/wf/{id}` (spec §2.4), and where the browser goes after it.

The id in the URL is the access token [DOC F4]; the link is one-time and valid 20 minutes
[DOC F1]. The integrator may append `redirectUrl`, `errorRedirectUrl`, `abortRedirectUrl` and
`customerSupportUrl` [DOC F3, F4]: they are checked with `check_callback_url` (an unsafe one
gets a 400 page and does not burn the link) and remembered on the session for the outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_seconds
from mockprovider.core.contract import Page
from mockprovider.core.redirects import check_callback_url
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.errors import NotFound, UnsafeURL
from mockprovider.web.context import context
from mockprovider.web.hosted import respond, show
from mockprovider.web.pages import render
from mockprovider.web.provider import WebProvider

PARAMS = ("redirectUrl", "errorRedirectUrl", "abortRedirectUrl", "customerSupportUrl")
TEMPLATE = "finapi/final.html"
#: What an unknown or deleted web form's link shows.
NOT_FOUND_TITLE, NOT_FOUND_MESSAGE = "Web form not found", "This link is not valid."


def final_values(
    kind: str,
    title: str,
    message: str,
    *,
    link_url: str | None = None,
    link_label: str = "",
    support_url: str | None = None,
    close_self: bool = False,
    error_code: str | None = None,
) -> dict[str, Any]:
    """Every variable `finapi/final.html` reads."""
    return {
        "kind": kind,
        "title": title,
        "message": message,
        "link_url": link_url,
        "link_label": link_label,
        "support_url": support_url,
        "close_self": close_self,
        "error_code": error_code,
    }


def browser_return(
    status: str, browser: Mapping[str, str], settings: Mapping[str, Any], error_code: str = ""
) -> tuple[str | None, Page | None]:
    """Where the browser goes (§2.4, §2.5): automatic only to `redirectUrl` on success and to
    `abortRedirectUrl` on abort [INF]; an error keeps the page with a link [DOC F3]."""
    support = browser.get("customerSupportUrl")
    back = browser.get("abortRedirectUrl")
    if status == "COMPLETED":
        if browser.get("redirectUrl"):
            return browser["redirectUrl"], None
        values = final_values("completed", "Done", "You can close this page now.", close_self=True)
    elif status == "ABORTED":
        if back and settings["abort_redirect"] == "automatic":
            return back, None
        values = final_values(
            "aborted",
            "Cancelled",
            "You cancelled the process. You can close this page now.",
            link_url=back,
            link_label="Back to the application",
            support_url=support,
            close_self=not back,
        )
    elif status == "COMPLETED_WITH_ERROR":
        values = final_values(
            "error",
            "Something went wrong",
            "The bank rejected the request.",
            link_url=browser.get("errorRedirectUrl"),
            link_label="Back to the application",
            support_url=support,
            error_code=error_code,
        )
    else:
        values = final_values("expired", "Web form expired", "This web form has expired.")
    return None, Page(TEMPLATE, values)


def unavailable(request: Request, status_code: int, title: str, message: str) -> Response:
    """finAPI's error page for a link that cannot be used (unknown, used, expired, unsafe)."""
    values = final_values("unavailable", title, message) | {"provider_title": "finAPI"}
    return render(request, TEMPLATE, values, status_code)


async def _find(request: Request, name: str) -> Session | None:
    sandbox = context(request).sandbox
    try:
        session = await sandbox.get_session(request.path_params["id"])
    except NotFound:
        return None
    if session.provider != name or session.data.get("task_only") or session.data.get("deleted"):
        return None
    return session


def page_route(provider: WebProvider) -> Callable[[Request], Awaitable[Response]]:
    """The handler of `GET /wf/{id}` for `provider`."""

    async def webform(request: Request) -> Response:
        sandbox = context(request).sandbox
        session = await _find(request, provider.name)
        if session is None:
            return unavailable(request, 404, NOT_FOUND_TITLE, NOT_FOUND_MESSAGE)
        session = await sandbox.expire_if_due(session)  # opened after expiresAt: EXPIRED
        browser: dict[str, str] = {}
        for name in PARAMS:
            value = request.query_params.get(name)
            if value:
                try:
                    browser[name] = check_callback_url(value, field=name)
                except UnsafeURL as exc:
                    return unavailable(request, 400, "Invalid return URL", exc.message)
        if session.status is SessionStatus.EXPIRED:
            # No redirect on expiry [INF]: the form says so; the callback went at expiresAt.
            when = iso_seconds(session.expires_at)
            return unavailable(
                request, 410, "Web form expired", f"This web form expired at {when}."
            )
        if session.status is not SessionStatus.CREATED:
            return unavailable(
                request,
                410,
                "Web form already used",
                "This link can be opened only once; ask for a new web form.",
            )
        session = await sandbox.mark_opened(session)
        if session.status is not SessionStatus.OPENED:
            return unavailable(request, 410, "Web form already used", "This link was used.")
        session = await sandbox.progress(session, "web form opened", data={"browser": browser})
        if session.scenario is not None:
            # A magic value picked the outcome when the form was created (README, scenarios).
            done = await sandbox.complete(session.id, session.scenario, via="auto", session=session)
            return await respond(request, provider, done)
        return await show(request, provider, session)

    return webform


def routes(provider: WebProvider) -> list[BaseRoute]:
    """The browser's routes of `provider` (the finAPI instance): the web form link."""
    return [Route("/wf/{id}", page_route(provider), methods=["GET"], name="webform")]
