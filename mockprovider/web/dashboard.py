"""`/_sandbox/` in a browser: sessions, a session's timeline, deliveries with Replay, the clock,
and each provider's settings and scenarios.

Server-rendered from the same views the JSON API returns. Pages refresh their main region every
two seconds with a few lines of dependency-free JavaScript (`?fragment=1` returns just that
region), so a flow running in another tab shows up live. The page carries the version (a hash)
of the region it was rendered with and each fragment its own, so the first poll already swaps in
what changed since the page was rendered. Actions are plain HTML forms that
answer 303 back to the page, so everything works without JavaScript too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_seconds
from mockprovider.core.sessions import SessionStatus
from mockprovider.core.webhooks.messages import DeliveryStatus
from mockprovider.core.yamlcheck import parse_duration
from mockprovider.errors import InvalidInput, NotFound
from mockprovider.web.context import context
from mockprovider.web.login import logout_url
from mockprovider.web.pages import form_fields, see_other
from mockprovider.web.pages import render as render_page
from mockprovider.web.timeline import pretty, timeline_steps
from mockprovider.web.views import delivery_view, session_view

STATUSES = [s.value for s in SessionStatus]
HOOK_STATUSES = [s.value for s in DeliveryStatus]


LIVE_VERSION = "x-live-version"


def render(request: Request, template: str, values: Mapping[str, Any]) -> Response:
    """A live dashboard page (or, with `?fragment=1`, its live region), with the version of the
    live region it shows: a hash of the region as rendered from these values."""
    ctx = context(request)
    region = ctx.templates.get_template(template).render(
        base_url=ctx.base_url(request), **{**values, "fragment": True}
    )
    version = hashlib.sha1(region.encode(), usedforsecurity=False).hexdigest()[:16]
    if values.get("fragment"):
        return HTMLResponse(region, headers={LIVE_VERSION: version, "cache-control": "no-store"})
    return render_page(request, template, {**values, "live_version": version})


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    return {k: query[k] for k in ("provider", "status") if query.get(k)}


async def _common(request: Request) -> dict[str, Any]:
    sandbox = context(request).sandbox
    now = await sandbox.now()
    return {
        "providers": list(sandbox.providers),
        "now_iso": iso_seconds(now),
        "offset": await sandbox.clock_offset(),
        "fragment": request.query_params.get("fragment") == "1",
        "logout_url": logout_url(request),
    }


async def home(request: Request) -> Response:
    """Sessions (filtered by provider and status) and the latest deliveries (by provider,
    delivery status and event type)."""
    sandbox = context(request).sandbox
    filters = _filters(request)
    found = await sandbox.list_sessions(filters.get("provider"), limit=200)
    if "status" in filters:
        found = [s for s in found if s.status.value == filters["status"]]
    sessions = [session_view(s, sandbox.provider(s.provider)) for s in found]
    hooks = await sandbox.list_deliveries(provider=filters.get("provider"), limit=500)
    query = request.query_params
    hook_filters = {k: query[k] for k in ("hook_status", "event") if query.get(k)}
    shown = [
        d
        for d in hooks
        if d.status.value == hook_filters.get("hook_status", d.status.value)
        and d.event_type == hook_filters.get("event", d.event_type)
    ]
    values = {
        "sessions": sessions,
        "webhooks": [delivery_view(d) for d in shown[:50]],
        "hook_filters": hook_filters,
        "hook_statuses": HOOK_STATUSES,
        "event_types": sorted({d.event_type for d in hooks}),
    }
    values |= {"filters": filters, "statuses": STATUSES} | await _common(request)
    return render(request, "sandbox/dashboard.html", values)


async def timeline(request: Request) -> Response:
    """One session: every step, the redirect and each webhook attempt as one ordered list, then
    each webhook's body and headers (pretty and exact)."""
    sandbox = context(request).sandbox
    session = await sandbox.get_session(request.path_params["session_id"])
    hooks = [
        delivery_view(d)
        for d in reversed(await sandbox.list_deliveries(session_id=session.id, limit=500))
    ]
    view = session_view(session, sandbox.provider(session.provider))
    for hook in hooks:
        hook["pretty_body"] = pretty(hook["body"])
    values = {
        "session": view,
        "steps": timeline_steps(view, hooks),
        "webhooks": hooks,
        "choices": sandbox.choices(session.provider) if session.is_open else [],
    }
    return render(request, "sandbox/timeline.html", values | await _common(request))


async def providers(request: Request) -> Response:
    """Each provider's settings (secrets included: this is a sandbox) and scenarios."""
    sandbox = context(request).sandbox
    listing = []
    for spec in sandbox.providers.values():
        settings = await sandbox.settings(spec.name)
        listing.append(
            {
                "name": spec.name,
                "title": spec.title,
                "outcomes": spec.outcomes,
                "scenarios": sandbox.scenarios.for_provider(spec.name),
                "settings": json.dumps(settings, indent=2, ensure_ascii=False),
                "help": {s.name: s.help for s in spec.settings},
            }
        )
    return render(request, "sandbox/providers.html", {"listing": listing} | await _common(request))


async def replay(request: Request) -> Response:
    await context(request).sandbox.replay(request.path_params["delivery_id"])
    return see_other(_back(request, "/_sandbox/"))


async def advance(request: Request) -> Response:
    """Advance the clock by a duration (`by`), or to just past a session's expiry (`session`,
    from a closed-tab page), then show where the effect is seen."""
    form = await form_fields(request)
    sandbox = context(request).sandbox
    if form.get("session"):
        session = await sandbox.get_session(form["session"])
        await sandbox.advance_clock(max(0.0, session.expires_at - await sandbox.now()) + 1.0)
        base = context(request).base_url(request)
        return see_other(f"{base}/_sandbox/ui/sessions/{session.id}")
    try:
        seconds = parse_duration(form.get("by", "").strip())
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    await sandbox.advance_clock(seconds)
    return see_other(_back(request, "/_sandbox/"))


async def outcome(request: Request) -> Response:
    form = await form_fields(request)
    sid = request.path_params["session_id"]
    await context(request).sandbox.complete(sid, form.get("outcome", ""), via="dashboard")
    return see_other(f"{context(request).base_url(request)}/_sandbox/ui/sessions/{sid}")


def _back(request: Request, default: str) -> str:
    """Where an action returns: the page it came from, if it is one of ours."""
    base = context(request).base_url(request)
    referer = request.headers.get("referer", "")
    return referer if referer.startswith(base + "/_sandbox/") else base + default


async def missing(request: Request) -> Response:
    raise NotFound("no such dashboard page")


def dashboard_routes() -> list[BaseRoute]:
    return [
        Route("/", home, methods=["GET"], name="dashboard"),
        Route("/ui/sessions/{session_id}", timeline, methods=["GET"], name="timeline"),
        Route("/ui/sessions/{session_id}/outcome", outcome, methods=["POST"]),
        Route("/ui/providers", providers, methods=["GET"], name="dashboard-providers"),
        Route("/ui/webhooks/{delivery_id}/replay", replay, methods=["POST"]),
        Route("/ui/clock/advance", advance, methods=["POST"]),
        Route("/ui/{rest:path}", missing, methods=["GET"]),
    ]
