"""The hosted page every provider shares: `GET /<provider>/s/{id}?t=…` shows the provider's
template with one button per outcome and scenario; `POST /<provider>/s/{id}/outcome` applies the
choice and answers with the provider's redirect (303) or an end page.

Both are guarded by itsdangerous tokens: a page token bound to the session id and a form token
bound to the session id and its form nonce, so a forged or replayed form gets 403.
"""

from __future__ import annotations

import asyncio
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_seconds
from mockprovider.core.contract import Page
from mockprovider.core.engine import Completion
from mockprovider.core.sessions import Session
from mockprovider.core.tokens import Purpose
from mockprovider.errors import Conflict, Forbidden, NotFound
from mockprovider.web.context import AppContext, context
from mockprovider.web.pages import form_fields, query_value, render, render_html, see_other
from mockprovider.web.provider import WebProvider


def choices(ctx: AppContext, provider: WebProvider) -> list[dict[str, Any]]:
    """The buttons: canonical outcomes first, then the provider's scenarios."""
    items: list[dict[str, Any]] = [
        {"name": o.name, "label": o.label, "description": o.description, "kind": "outcome"}
        for o in provider.outcomes
    ]
    for scenario in ctx.sandbox.scenarios.for_provider(provider.name):
        items.append(
            {
                "name": scenario.name,
                "label": scenario.label,
                "description": scenario.description,
                "kind": "scenario",
            }
        )
    return items


def choices_panel(ctx: AppContext, provider: WebProvider) -> Markup:
    """The outcome panel's HTML, rendered once per provider: it depends only on the provider
    and the scenarios loaded at start, and re-rendering its loop was most of a page's cost."""
    panel = ctx.panels.get(provider.name)
    if panel is None:
        template = ctx.templates.get_template("sandbox/_choices.html")
        html = template.render(choices=choices(ctx, provider))  # autoescaped by the environment
        panel = ctx.panels[provider.name] = Markup(html)  # noqa: S704
    return panel


async def respond(request: Request, provider: WebProvider, completion: Completion) -> Response:
    """Turn a completion into the browser's next step."""
    if completion.redirect_delay > 0:
        await asyncio.sleep(completion.redirect_delay)  # a scenario's slow-redirect fault
    if completion.redirect_url is not None:
        return see_other(completion.redirect_url)
    if completion.problem is not None:  # the flow goes on: the same page, with the error
        return await show(request, provider, completion.session, problem=completion.problem)
    page = completion.page
    if completion.dropped_redirect is not None:
        page = Page("sandbox/redirect_dropped.html", {"redirect_url": completion.dropped_redirect})
    template = page.template if page else "sandbox/finished.html"
    values = dict(page.context) if page else {}
    return render(
        request,
        template,
        _session_values(request, completion.session) | values,
        page.status_code if page else 200,
    )


def _session_values(request: Request, session: Session) -> dict[str, Any]:
    ctx = context(request)
    provider = ctx.sandbox.provider(session.provider)
    return {
        "session": session,
        "provider_title": provider.title,
        "status_label": provider.status_label(session),
        "expires_at_iso": iso_seconds(session.expires_at),
    }


async def _load(request: Request, provider: WebProvider) -> Session:
    session = await context(request).sandbox.get_session(request.path_params["session_id"])
    if session.provider != provider.name:
        raise NotFound(f"no {provider.name} session {session.id!r}")
    return session


async def page(request: Request, provider: WebProvider) -> Response:
    """`GET /<provider>/s/{session_id}?t=…`: the hosted page (or where the session went)."""
    ctx = context(request)
    sid = request.path_params["session_id"]
    if ctx.tokens.verify(Purpose.HOSTED_PAGE, query_value(request, "t")) != sid:
        raise Forbidden("this page link belongs to another session")
    session = await _load(request, provider)
    if session.is_open and session.scenario is not None:
        # A scenario matched the session's fields: it is the automatic outcome.
        completion = await ctx.sandbox.complete(sid, session.scenario, via="auto")
        return await respond(request, provider, completion)
    if not session.is_open:
        return render(request, "sandbox/finished.html", _session_values(request, session))
    session = await ctx.sandbox.mark_opened(session)
    return await show(request, provider, session, reload_tag=request.headers.get("if-none-match"))


async def outcome(request: Request, provider: WebProvider) -> Response:
    """`POST /<provider>/s/{session_id}/outcome`: apply the button the tester pressed."""
    ctx = context(request)
    sid = request.path_params["session_id"]
    form = await form_fields(request)
    signed = ctx.tokens.verify(Purpose.OUTCOME_FORM, form.get("t", ""))
    session = await _load(request, provider)
    if signed != [sid, session.form_nonce]:
        raise Forbidden("this outcome form was not issued for this session")
    name = form.get("outcome", "")
    if session.is_open:
        settings = await ctx.sandbox.settings(provider.name)
        name = provider.refine_choice(form, name, settings)
        problem = provider.page_problem(form, name, settings)
        if problem:
            return await show(
                request, provider, session, problem=problem, form=form, status_code=422
            )
    try:
        completion = await ctx.sandbox.complete(sid, name, via="page", session=session)
    except Conflict:
        raise Forbidden(
            f"this outcome form was already used: the session is {session.status.value}"
        ) from None
    return await respond(request, provider, completion)


def hosted_routes(provider: WebProvider) -> list[BaseRoute]:
    """The page and outcome routes for `provider`, to mount under `/<provider.name>` (the
    app's `HostedFront` serves the same two handlers without the router in between)."""

    async def page_route(request: Request) -> Response:
        return await page(request, provider)

    async def outcome_route(request: Request) -> Response:
        return await outcome(request, provider)

    return [
        Route("/s/{session_id}", page_route, methods=["GET"], name="hosted"),
        Route("/s/{session_id}/outcome", outcome_route, methods=["POST"], name="outcome"),
    ]


async def show(
    request: Request,
    provider: WebProvider,
    session: Session,
    *,
    problem: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
    reload_tag: str | None = None,
) -> Response:
    """Render the provider's hosted page for an open session.

    The plain page (no problem, no submitted form) is kept per session state (`page_cache`)
    and answered with its `ETag`; `reload_tag` (the request's `If-None-Match`) equal to it
    gets a 304."""
    ctx = context(request)
    settings = await ctx.sandbox.settings(provider.name)
    plain = problem is None and not form and status_code == 200
    if plain:
        cached = ctx.pages.get(session, ctx.base_url(request), settings)
        if cached is not None:
            return cached.response(reload_tag)
    values = _session_values(request, session) | {
        "choices_panel": choices_panel(ctx, provider),
        "form_token": ctx.tokens.sign(Purpose.OUTCOME_FORM, [session.id, session.form_nonce]),
        "action": f"{ctx.base_url(request)}/{provider.name}/s/{session.id}/outcome",
        "problem": problem,
        "form": form or {},
    }
    values |= provider.page_context(session, settings)
    # Form fields as the page shows them: the provider's prefill, then what was just submitted.
    values["fields"] = {**values.get("prefill", {}), **(form or {})}
    if not plain:
        return render(request, provider.page_template, values, status_code)
    html = render_html(request, provider.page_template, values)
    return ctx.pages.put(session, ctx.base_url(request), settings, html).response(reload_tag)
