"""`/_sandbox/inbox`: a built-in webhook receiver for trying the sandbox with nothing but curl.

Point a provider's `webhook_url` at `http://127.0.0.1:8600/_sandbox/inbox` and read what
arrived with `GET /_sandbox/inbox`. It keeps the last `LIMIT` requests of this process in
memory (with several workers, each keeps its own); real test suites use their own receiver.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.web.context import context

LIMIT = 500


def _inbox(request: Request) -> deque[dict[str, Any]]:
    """The inbox of the request's tenant (each tenant has its own)."""
    ctx = context(request)
    if ctx.inbox is None:
        ctx.inbox = deque(maxlen=LIMIT)
    return ctx.inbox


async def receive(request: Request) -> Response:
    body = await request.body()
    _inbox(request).appendleft(
        {
            "path": request.url.path,
            "headers": dict(request.headers),
            "body": body.decode("utf-8", "replace"),
        }
    )
    return JSONResponse({"received": True})


async def listing(request: Request) -> Response:
    return JSONResponse({"requests": list(_inbox(request))})


async def clear(request: Request) -> Response:
    _inbox(request).clear()
    return JSONResponse({"cleared": True})


async def inbox(request: Request) -> Response:
    """One route for every method of `/inbox`, so a 405 lists all of them in `Allow`."""
    handler = {"POST": receive, "DELETE": clear}.get(request.method, listing)
    return await handler(request)


def inbox_routes() -> list[BaseRoute]:
    return [
        Route("/inbox", inbox, methods=["GET", "POST", "DELETE"]),
        Route("/inbox/{name:path}", receive, methods=["POST"]),
    ]
