"""Who may use `/_sandbox` (the control API and the dashboard) when an admin token is set.

* The admin token opens every route. A tenant's own token opens the routes of that tenant:
  `/_sandbox/tenants/{tenant}/…`, and the unprefixed routes for the `default` tenant. Tenant
  management (`/_sandbox/tenants`, `/_sandbox/tenants/{tenant}`) is for the admin token only.
* Credentials: `Authorization: Bearer <token>`, or the dashboard's signed login cookie
  (`web.login`). Tokens are compared with `hmac.compare_digest` and never logged.
* Open without a token: `/_sandbox/health`, `POST …/inbox[/…]` (a webhook receiver: the
  sandbox's own dispatcher posts there without credentials) and the login/logout routes.
  Provider APIs and hosted pages are not under `/_sandbox` and keep the provider's own auth.
* Refused: 401 with `WWW-Authenticate: Bearer`, as JSON for API clients and as the login page
  for browsers (`Accept: text/html`). A token that opens some other tenant is refused like a
  forged one (401): the verifier is only asked about the tenant of the route, so the answer
  never tells which tenants a token would open.
* Cross-site requests: a write authenticated by the cookie must come from the sandbox's own
  origin (`Origin`, else `Referer`), on top of the cookie's `SameSite=Lax`.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mockprovider.web import login

#: `(tenant, token) -> whether token is that tenant's own`; the tenants package provides one.
TenantTokenVerifier = Callable[[str, str], Awaitable[bool]]
PREFIX = "/_sandbox"
TENANTS = "/tenants"
DEFAULT_TENANT = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def refuse_all(tenant: str, token: str) -> bool:
    """The verifier when no tenants exist: no tenant token opens anything."""
    return False


@dataclass(frozen=True)
class Need:
    """What a route asks for: nothing (`open`), the admin token (`tenant` None), or the admin
    token or `tenant`'s own. `prefix` is the route's sandbox root (`/_sandbox[/tenants/t]`)
    and `rest` the path below it."""

    prefix: str
    rest: str
    tenant: str | None = None
    open: bool = False


def route_need(method: str, path: str) -> Need | None:
    """What `method path` needs; None for paths outside `/_sandbox` (not ours to guard)."""
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    rest, prefix, tenant = path[len(PREFIX) :], PREFIX, DEFAULT_TENANT
    if rest in (TENANTS, TENANTS + "/"):
        return Need(prefix, rest)
    if rest.startswith(TENANTS + "/"):
        name, slash, below = rest[len(TENANTS) + 1 :].partition("/")
        if not slash:  # the tenant itself (GET, DELETE): management; `…/{tenant}/` is its
            return Need(prefix, rest)  # dashboard's home

        prefix, rest, tenant = f"{PREFIX}{TENANTS}/{name}", "/" + below, name
    elif rest == "/health":
        return Need(prefix, rest, open=True)
    receiver = method == "POST" and (rest == "/inbox" or rest.startswith("/inbox/"))
    return Need(prefix, rest, tenant, open=receiver or rest in login.PATHS)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class AccessPolicy:
    """The admin token, the tenant-token verifier and the login cookies (keyed at start-up,
    once the app's secret is known)."""

    def __init__(self, admin_token: str, tenant_tokens: TenantTokenVerifier = refuse_all) -> None:
        self._admin = admin_token.encode()
        self.tenant_tokens = tenant_tokens
        self._cookies: login.LoginCookies | None = None

    def use_secret(self, secret: str) -> None:
        """Key the login cookies with the app's secret and the admin token: changing either
        signs every browser out."""
        self._cookies = login.LoginCookies(secret, self._admin.decode())

    @property
    def cookies(self) -> login.LoginCookies:
        if self._cookies is None:
            raise RuntimeError("AccessPolicy.use_secret() was not called (app lifespan)")
        return self._cookies

    def is_admin(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self._admin)

    async def opens(self, token: str, tenant: str | None) -> bool:
        """Whether `token` is the admin token, or `tenant`'s own."""
        return await self.scope_of(token, tenant) is not None

    async def scope_of(self, token: str, tenant: str | None) -> str | None:
        """What `token` grants on `tenant`'s routes: `login.ADMIN`, the tenant, or None."""
        if not token:
            return None
        if self.is_admin(token):
            return login.ADMIN
        if tenant is not None and await self.tenant_tokens(tenant, token):
            return tenant
        return None


class AccessControl:
    """ASGI middleware guarding `/_sandbox` with an `AccessPolicy`; other paths pass as they
    are (one prefix test)."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        need = route_need(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if need is None or (need.open and need.rest not in login.PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if need.rest in login.PATHS:
            policy = self.policy
            response = await login.handle(
                request, need.rest, need.prefix, need.tenant, policy.scope_of, policy.cookies
            )
            await response(scope, receive, send)
            return
        token = bearer_token(request)
        if token is not None and await self.policy.opens(token, need.tenant):
            await self.app(scope, receive, send)
            return
        claim = self.policy.cookies.read(request)
        if claim is not None and claim in (login.ADMIN, need.tenant):
            if request.method not in SAFE_METHODS and not login.same_origin(request):
                await login.cross_site(request)(scope, receive, send)
                return
            scope.setdefault("state", {})[login.SIGNED_IN] = need.prefix + "/logout"
            await self.app(scope, receive, send)
            return
        await login.refused(request, need.prefix, tried=token is not None or claim is not None)(
            scope, receive, send
        )
