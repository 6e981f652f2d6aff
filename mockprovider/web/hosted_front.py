"""The short path for the two requests a load test repeats: the hosted page and its outcome POST.

`GET /<provider>/s/{id}` and `POST /<provider>/s/{id}/outcome` go straight from this small ASGI
middleware (the app's first, inside Starlette's server-error handler) to the hosted page's
handlers, without the router, the provider's Mount, its API-fault middleware (which never
applies to pages) and the per-route wrappers in between. Everything else, and any request these
two handlers do not own (another method, a trailing slash, a root path), goes down the normal
stack. Errors become responses through the app's own handlers, exactly as there.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockprovider.errors import MockProviderError
from mockprovider.web import hosted
from mockprovider.web.errors import domain_error, http_error
from mockprovider.web.provider import WebProvider

#: `/<provider>/s/<session id>` with `/outcome` or not, as the two routes' paths match them.
_PATH = re.compile(r"/([^/]+)/s/([^/]+)(/outcome)?")

Handler = Callable[[Request, WebProvider], Awaitable[Response]]


class HostedFront:
    """Dispatches the hosted page and outcome POST of `providers` before the router."""

    def __init__(self, app: ASGIApp, *, providers: Sequence[WebProvider]) -> None:
        self.app = app
        self.providers = {provider.name: provider for provider in providers}

    def _route(self, scope: Scope) -> tuple[Handler, WebProvider, str] | None:
        if scope["type"] != "http" or scope.get("root_path"):
            return None
        found = _PATH.fullmatch(scope["path"])
        if found is None:
            return None
        provider = self.providers.get(found[1])
        if provider is None:
            return None
        method = scope["method"]
        if found[3] is None:
            return (hosted.page, provider, found[2]) if method == "GET" else None
        return (hosted.outcome, provider, found[2]) if method == "POST" else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        handler, provider, session_id = route
        # What the provider's Mount would have set for its routes.
        scope["path_params"] = {"session_id": session_id}
        scope["app_root_path"] = ""
        scope["root_path"] = f"/{provider.name}"
        request = Request(scope, receive, send)
        try:
            response = await handler(request, provider)
        except MockProviderError as exc:
            response = await domain_error(request, exc)
        except HTTPException as exc:
            response = await http_error(request, exc)
        await response(scope, receive, send)
