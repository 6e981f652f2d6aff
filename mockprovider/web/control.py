"""`/_sandbox`: the JSON control API test suites and QA drive the sandbox with.

Routes and shapes are a contract (documented in `GET /_sandbox/openapi.json`).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.scenarios import schema as scenario_schema
from mockprovider.errors import InvalidInput, NotFound
from mockprovider.web.api_fault_routes import fault_routes
from mockprovider.web.context import context
from mockprovider.web.openapi import openapi_document
from mockprovider.web.tenant_paths import TenantLookup
from mockprovider.web.views import delivery_view, session_view


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} when empty); `InvalidInput` for anything else."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise InvalidInput("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def _limit(request: Request, default: int) -> int:
    raw = request.query_params.get("limit", str(default))
    # isascii: str.isdigit() is also true for "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000:
        raise InvalidInput("limit must be a whole number from 1 to 10000")
    return int(raw)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def providers(request: Request) -> Response:
    sandbox = context(request).sandbox
    out = []
    for spec in sandbox.providers.values():
        out.append(
            {
                "name": spec.name,
                "title": spec.title,
                "base_path": f"/{spec.name}",
                "outcomes": [
                    {"name": o.name, "label": o.label, "description": o.description}
                    for o in spec.outcomes
                ],
                "scenarios": [
                    {
                        "name": s.name,
                        "outcome": s.outcome,
                        "label": s.label,
                        "description": s.description,
                        "source": s.source,
                        "automatic": s.match is not None,
                    }
                    for s in sandbox.scenarios.for_provider(spec.name)
                ],
            }
        )
    return JSONResponse({"providers": out})


async def settings(request: Request) -> Response:
    ctx = context(request)
    sandbox = ctx.sandbox
    name = request.path_params["provider"]
    if request.method == "PUT":
        values = await json_body(request)
        tenants: TenantLookup | None = getattr(request.app.state, "tenants", None)
        if tenants is not None:  # a change must not take another tenant's credential
            return JSONResponse(await tenants.update_settings(ctx, name, values))
        return JSONResponse(await sandbox.update_settings(name, values))
    return JSONResponse(await sandbox.settings(name))


async def sessions(request: Request) -> Response:
    sandbox = context(request).sandbox
    found = await sandbox.list_sessions(request.query_params.get("provider"), _limit(request, 100))
    return JSONResponse(
        {"sessions": [session_view(s, sandbox.provider(s.provider)) for s in found]}
    )


async def session(request: Request) -> Response:
    sandbox = context(request).sandbox
    found = await sandbox.get_session(request.path_params["session_id"])
    return JSONResponse(session_view(found, sandbox.provider(found.provider)))


async def outcome(request: Request) -> Response:
    sandbox = context(request).sandbox
    body = await json_body(request)
    name = body.get("outcome") or body.get("scenario")
    found = await sandbox.get_session(request.path_params["session_id"])
    if not isinstance(name, str) or not name:
        raise InvalidInput(
            'send {"outcome": "…"} or {"scenario": "…"}', valid=sandbox.choices(found.provider)
        )
    done = await sandbox.complete(found.id, name, via="api")
    view = session_view(done.session, sandbox.provider(found.provider))
    answer: dict[str, Any] = {"redirect_url": done.redirect_url, "session": view}
    if done.problem is not None:
        answer["problem"] = done.problem
    return JSONResponse(answer)


async def webhooks(request: Request) -> Response:
    sandbox = context(request).sandbox
    q = request.query_params
    found = await sandbox.list_deliveries(
        provider=q.get("provider"), session_id=q.get("session_id"), limit=_limit(request, 200)
    )
    return JSONResponse({"webhooks": [delivery_view(d) for d in found]})


async def webhook(request: Request) -> Response:
    found = await context(request).sandbox.get_delivery(request.path_params["delivery_id"])
    if found is None:
        raise NotFound(f"no webhook delivery {request.path_params['delivery_id']!r}")
    return JSONResponse(delivery_view(found))


async def replay(request: Request) -> Response:
    await context(request).sandbox.replay(request.path_params["delivery_id"])
    return JSONResponse(
        {"status": "queued", "message": "webhook delivery replay queued"}, status_code=202
    )


async def clock(request: Request) -> Response:
    sandbox = context(request).sandbox
    if request.method == "POST":
        seconds = (await json_body(request)).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise InvalidInput('send {"seconds": N} with a number N >= 0')
        await sandbox.advance_clock(float(seconds))
    now = await sandbox.now()
    return JSONResponse({"now": now, "offset": await sandbox.clock_offset()})


async def reset(request: Request) -> Response:
    forget_settings = (await json_body(request)).get("settings", False)
    if not isinstance(forget_settings, bool):  # bool("false") would wipe them
        raise InvalidInput('settings must be true or false, as in {"settings": true}')
    ctx = context(request)
    async with ctx.dispatcher.paused():  # no send of the old outbox lands after the answer
        await ctx.sandbox.reset(settings=forget_settings)
    return JSONResponse({"status": "reset"})


async def openapi(request: Request) -> Response:
    ctx = context(request)
    return JSONResponse(openapi_document(ctx.base_url(request), list(ctx.sandbox.providers)))


async def scenario_schema_view(request: Request) -> Response:
    return JSONResponse(scenario_schema())


def control_routes() -> list[BaseRoute]:
    return [
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/scenario.schema.json", scenario_schema_view, methods=["GET"]),
        Route("/providers", providers, methods=["GET"]),
        Route("/providers/{provider}/settings", settings, methods=["GET", "PUT"]),
        *fault_routes(),
        Route("/sessions", sessions, methods=["GET"]),
        Route("/sessions/{session_id}", session, methods=["GET"]),
        Route("/sessions/{session_id}/outcome", outcome, methods=["POST"]),
        Route("/webhooks", webhooks, methods=["GET"]),
        Route("/webhooks/{delivery_id}", webhook, methods=["GET"]),
        Route("/webhooks/{delivery_id}/replay", replay, methods=["POST"]),
        Route("/clock", clock, methods=["GET"]),
        Route("/clock/advance", clock, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
    ]
