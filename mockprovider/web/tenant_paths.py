"""Which tenant a request is for, decided before anything else sees it.

1. `/_t/<tenant>/_sandbox/…` becomes `/_sandbox/tenants/<tenant>/…` (the access guard then
   asks for that tenant's token or the admin's: a prefix never gets around it).
2. `/_t/<tenant>/<provider>/…` is served as `/<provider>/…` in the tenant's context (the
   context's `prefix` puts `/_t/<tenant>` back into every URL the sandbox builds).
3. Any other provider request, once some tenant owns credentials of its own, goes to the
   tenant owning the credential it carries (`WebProvider.tenant_credential`), else `default`.

An unknown tenant in a prefix is a 404: the provider's error shape under a provider path, the
control API's JSON otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockprovider.core.tenants import DEFAULT, NAME
from mockprovider.errors import NotFound
from mockprovider.web.context import SCOPE_KEY, AppContext
from mockprovider.web.provider import WebProvider

PREFIX = "/_t/"
TENANT_KEY = "mockprovider.tenant"


class TenantLookup(Protocol):
    """What the web layer asks of the app's tenant hub."""

    @property
    def any_owned_credentials(self) -> bool: ...

    def owner_of(self, provider: str, credential: str) -> str | None: ...

    def running_context(self, name: str) -> AppContext | None: ...

    async def context(self, name: str) -> AppContext | None: ...

    async def update_settings(
        self, ctx: AppContext, provider: str, values: Mapping[str, Any]
    ) -> dict[str, Any]: ...


def _serve_as(scope: Scope, cut: int, path: str, raw_head: bytes = b"") -> None:
    """Serve `scope` as `path`: `raw_path` loses its first `cut` bytes, `raw_head` before."""
    raw = scope.get("raw_path")
    scope["path"] = path
    scope["raw_path"] = raw_head + raw[cut:] if raw is not None else path.encode()


class TenantRouter:
    """The app's outermost middleware (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, tenants: TenantLookup, providers: Mapping[str, WebProvider]
    ) -> None:
        self.app = app
        self.tenants = tenants
        self.providers = providers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(PREFIX):
            await self._prefixed(scope, receive, send, path)
            return
        if self.tenants.any_owned_credentials:
            first, _, below = path[1:].partition("/")
            provider = self.providers.get(first)
            # A hosted page (`/<provider>/s/…`) carries no credential: its URL has the prefix.
            if provider is not None and not below.startswith("s/"):
                receive = await self._by_credential(scope, receive, provider)
        await self.app(scope, receive, send)

    async def _prefixed(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        name, _, rest = path[len(PREFIX) :].partition("/")
        rest = "/" + rest
        if rest == "/_sandbox" or rest.startswith("/_sandbox/"):
            head = f"/_sandbox/tenants/{name}"
            cut = len(PREFIX) + len(name) + len("/_sandbox")
            _serve_as(scope, cut, head + rest[len("/_sandbox") :], head.encode())
            await self.app(scope, receive, send)
            return
        ctx = self.tenants.running_context(name)  # the hot path: a tenant already open
        if ctx is None and NAME.fullmatch(name):
            ctx = await self.tenants.context(name)
        if ctx is None:
            await (await self._unknown(scope, name, rest))(scope, receive, send)
            return
        scope[SCOPE_KEY], scope[TENANT_KEY] = ctx, name
        _serve_as(scope, len(PREFIX) + len(name), rest)
        await self.app(scope, receive, send)

    async def _by_credential(
        self, scope: Scope, receive: Receive, provider: WebProvider
    ) -> Receive:
        request = Request(scope, receive)
        credential = await provider.tenant_credential(request)
        body: bytes | None = request.__dict__.get("_body")
        owner = self.tenants.owner_of(provider.name, credential) if credential else None
        if owner is not None:
            ctx = await self.tenants.context(owner)
            if ctx is not None:
                scope[SCOPE_KEY], scope[TENANT_KEY] = ctx, owner
        if body is None:
            return receive
        return _replay(body, receive)

    async def _unknown(self, scope: Scope, name: str, rest: str) -> Response:
        message = f"no tenant {name[:40]!r} (create it with POST /_sandbox/tenants)"
        provider = self.providers.get(rest[1:].partition("/")[0])
        if provider is None:
            body = {"error": {"status": 404, "message": message}}
            return JSONResponse(body, status_code=404)
        default = await self.tenants.context(DEFAULT)
        now = await default.sandbox.now() if default is not None else 0.0
        error = provider.api_error(Request(scope), 404, message, now)
        return Response(error.body, 404, headers=error.headers, media_type=error.content_type)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` giving `body` (already read) once, then the connection's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class TenantScope:
    """Middleware of the `/_sandbox/tenants/{tenant}` mount: the control routes below it act on
    that tenant (404 for an unknown one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope.get("path_params", {}).get("tenant", "")
        tenants: TenantLookup = scope["app"].state.tenants
        ctx = await tenants.context(name) if NAME.fullmatch(name) else None
        if ctx is None:
            raise NotFound(f"no tenant {name[:40]!r}")
        scope[SCOPE_KEY], scope[TENANT_KEY] = ctx, name
        await self.app(scope, receive, send)
