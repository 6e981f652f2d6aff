"""Provider-API faults on the wire: a middleware on each provider's Mount that delays or fails
its API calls (never its hosted pages), and the `/_sandbox/providers/{provider}/faults` routes
that activate, show and clear them.

The active faults live in the store (a record of the provider) and the "first N calls" counter
is N single-use nonces, so every worker of one store agrees on which calls are faulted.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockprovider.core import api_fault_spec
from mockprovider.core.api_fault_spec import ApiFaults
from mockprovider.core.engine import Sandbox
from mockprovider.errors import InvalidInput
from mockprovider.web.context import SCOPE_KEY, context
from mockprovider.web.provider import WebProvider

KIND = "sandbox.api_faults"
KEY = "active"
#: How long the "first N" counter's nonces are kept (sandbox seconds).
COUNTER_TTL = 30 * 86400.0


async def active(sandbox: Sandbox, provider: str) -> dict[str, Any] | None:
    """The stored activation of `provider` ({faults, scenario, generation}) or None (cleared
    activations are stored as {}: the store has no delete)."""
    return await sandbox.records(provider).get(KIND, KEY) or None


async def activate(
    sandbox: Sandbox, provider: str, faults: ApiFaults, scenario: str | None
) -> dict[str, Any]:
    """Store `faults` for `provider`, with a fresh call counter."""
    doc = {"faults": faults.to_dict(), "scenario": scenario, "generation": secrets.token_hex(8)}
    await sandbox.records(provider).put(KIND, KEY, doc)
    return doc


async def wait(seconds: float) -> None:
    """The latency fault itself (real time); tests replace it to record instead of wait."""
    await asyncio.sleep(seconds)


class ApiFaultsMiddleware:
    """Applies `provider`'s active API faults to every request not matching a page route."""

    def __init__(self, app: ASGIApp, *, provider: WebProvider, pages: Sequence[BaseRoute]) -> None:
        self.app = app
        self.spec = provider
        self.provider = provider.name
        self.pages = pages
        self._used_up: set[str] = set()  # generations whose "first N" are all claimed

    def _is_page(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is not Match.NONE for route in self.pages)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._is_page(scope):
            await self.app(scope, receive, send)
            return
        sandbox: Sandbox = (scope.get(SCOPE_KEY) or scope["app"].state.ctx).sandbox
        doc = await active(sandbox, self.provider)
        if doc is None or not await self._hit(sandbox, doc):
            await self.app(scope, receive, send)
            return
        faults = ApiFaults.from_dict(doc["faults"])
        if faults.latency:
            await wait(faults.latency)
        if faults.status is None:
            await self.app(scope, receive, send)
            return
        response = error_response(self.spec, Request(scope), faults, await sandbox.now())
        await response(scope, receive, send)

    async def _hit(self, sandbox: Sandbox, doc: dict[str, Any]) -> bool:
        faults = ApiFaults.from_dict(doc["faults"])
        if faults.first is None and faults.fraction is None:
            return True
        if faults.fraction is not None and random.random() < faults.fraction:  # noqa: S311
            return True
        generation = str(doc["generation"])
        if faults.first is None or generation in self._used_up:
            return False
        scope = f"api-faults:{self.provider}:{generation}"
        expires = await sandbox.now() + COUNTER_TTL
        for number in range(faults.first):
            if await sandbox.claim_once(scope, str(number), expires):
                return True
        self._used_up.add(generation)
        return False


def error_response(
    provider: WebProvider, request: Request, faults: ApiFaults, now: float
) -> Response:
    """The faulted call's answer in the provider's own error shape, `Retry-After` where asked."""
    status = faults.status or 503
    message = "sandbox fault: too many requests" if status == 429 else "sandbox fault: API error"
    error = provider.api_error(request, status, message, now)
    headers = dict(error.headers)
    if faults.retry_after is not None:
        headers["Retry-After"] = str(faults.retry_after)
    return Response(error.body, status, headers=headers, media_type=error.content_type)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise InvalidInput("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def _from_request(sandbox: Sandbox, provider: str, body: dict[str, Any]) -> ApiFaults:
    name = body.pop("scenario", None)
    if name is not None:
        if body:
            raise InvalidInput('send either {"scenario": NAME} or the faults, not both')
        scenario = sandbox.scenarios.get(provider, name) if isinstance(name, str) else None
        if scenario is None or scenario.api is None:
            valid = [s.name for s in sandbox.scenarios.for_provider(provider) if s.api]
            raise InvalidInput(
                f"no scenario {name!r} with an api section for {provider}", valid=valid
            )
        body["scenario"] = name
        return scenario.api
    faults, problems = api_fault_spec.parse(body)
    if problems:
        message = "; ".join(f"{key}: {problem}" for key, problem in problems)
        raise InvalidInput(message, valid=list(api_fault_spec.KEYS))
    return faults


def _view(provider: str, doc: dict[str, Any] | None) -> dict[str, Any]:
    if doc is None:
        return {"provider": provider, "active": False, "faults": None, "scenario": None}
    return {
        "provider": provider,
        "active": True,
        "faults": doc["faults"],
        "scenario": doc["scenario"],
    }


async def faults_endpoint(request: Request) -> Response:
    """GET shows, POST activates (replacing), DELETE clears a provider's API faults."""
    sandbox = context(request).sandbox
    provider = sandbox.provider(request.path_params["provider"]).name
    if request.method == "POST":
        body = await _body(request)
        faults = _from_request(sandbox, provider, body)
        doc = await activate(sandbox, provider, faults, body.get("scenario"))
        return JSONResponse(_view(provider, doc))
    if request.method == "DELETE":
        await sandbox.records(provider).put(KIND, KEY, {})
    return JSONResponse(_view(provider, await active(sandbox, provider)))


def fault_routes() -> list[BaseRoute]:
    """The control routes (listed in `control_routes()`)."""
    return [
        Route("/providers/{provider}/faults", faults_endpoint, methods=["GET", "POST", "DELETE"])
    ]
