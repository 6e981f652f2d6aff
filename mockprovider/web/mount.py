"""One provider's Mount: its API and page routes, and the provider's own answer to anything else.

Under `/<provider>`, a request that no route serves is answered the way the provider's API
answers it, in the provider's error JSON whatever the `Accept` header (API clients parse errors):

- a published operation the sandbox does not imitate (`WebProvider.unimplemented`) → 501,
  naming the operation;
- a known path with another method → 405 with `Allow`;
- anything else → 404.

Page routes keep Starlette's behaviour (HTML error pages, the trailing-slash redirect).
"""

from __future__ import annotations

import re

from starlette._utils import get_route_path
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route, compile_path
from starlette.types import Receive, Scope, Send

from mockprovider.web.context import context
from mockprovider.web.provider import WebProvider


class ProviderRoutes:
    """The ASGI app inside a provider's Mount (`routes` is what `url_for` looks names up in)."""

    def __init__(self, provider: WebProvider, api: list[BaseRoute], pages: list[BaseRoute]) -> None:
        self.provider = provider
        self.routes: list[BaseRoute] = api + pages
        self._pages = {id(route) for route in pages}
        self._unimplemented = [
            (method.upper(), compile_path(path)[0], path) for method, path in provider.unimplemented
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        partial: list[tuple[BaseRoute, Scope]] = []
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL:
                partial.append((route, child_scope))
        response = await self._unmatched(scope, partial)
        if response is None:  # a page route with another method: Starlette's own 405 page
            route, child_scope = partial[0]
            scope.update(child_scope)
            await route.handle(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _unmatched(
        self, scope: Scope, partial: list[tuple[BaseRoute, Scope]]
    ) -> Response | None:
        path = scope_path(scope)
        method = scope["method"]
        listed = [(m, template) for m, regex, template in self._unimplemented if regex.match(path)]
        not_imitated = [template for m, template in listed if m == method]
        if not_imitated:
            message = (
                f"{method} {not_imitated[0]} is an operation of the provider's API that "
                "the sandbox does not imitate yet"
            )
            return await self._error(scope, 501, message)
        if partial and all(id(route) in self._pages for route, _ in partial):
            return None
        if partial or listed:
            allow = allowed_methods([route for route, _ in partial], [m for m, _ in listed])
            message = f"{method} is not allowed here; allowed: {', '.join(allow)}"
            response = await self._error(scope, 405, message)
            response.headers["Allow"] = ", ".join(allow)
            return response
        slash = self._slash_redirect(scope)
        if slash is not None:
            return slash
        return await self._error(scope, 404, f"no endpoint {method} {path}")

    def _slash_redirect(self, scope: Scope) -> Response | None:
        """A page path missing (or having) its trailing slash, as Starlette's router does."""
        path = scope_path(scope)
        if path == "/":
            return None
        other = dict(scope)
        other["path"] = scope.get("root_path", "") + (
            path[:-1] if path.endswith("/") else path + "/"
        )
        for route in self.routes:
            if id(route) in self._pages and route.matches(other)[0] is not Match.NONE:
                url = Request(scope).url
                target = url.path[:-1] if url.path.endswith("/") else url.path + "/"
                return RedirectResponse(str(url.replace(path=target)))
        return None

    async def _error(self, scope: Scope, status: int, message: str) -> Response:
        request = Request(scope)
        now = await context(request).sandbox.now()
        error = self.provider.api_error(request, status, message, now)
        return Response(
            error.body, status, headers=dict(error.headers), media_type=error.content_type
        )


def scope_path(scope: Scope) -> str:
    """The path below the Mount, as the provider's routes see it."""
    return get_route_path(scope)


def allowed_methods(routes: list[BaseRoute], unimplemented: list[str]) -> list[str]:
    """The `Allow` list: every method some route (or a listed operation) has for the path."""
    methods = set(unimplemented)
    for route in routes:
        if isinstance(route, Route) and route.methods:
            methods |= route.methods
    return sorted(methods)


def provider_mount(
    provider: WebProvider, pages: list[BaseRoute], middleware: list[Middleware]
) -> Mount:
    """`/<name>`: the provider's API routes, then its page routes (including the shared hosted
    page, passed in `pages`), answering everything else in the provider's shape."""
    app = ProviderRoutes(provider, provider.api_routes(), pages)
    mount = Mount(f"/{provider.name}", app=app, name=provider.name, middleware=middleware)
    # Starlette's `{path:path}` is `.*`, which stops at a newline: a path such as
    # `/payments/%0A/details` would miss the mount and get the sandbox's HTML 404.
    mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
    return mount
