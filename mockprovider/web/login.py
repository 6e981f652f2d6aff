"""The dashboard's sign-in: the login page a browser gets instead of a 401, the signed login
cookie, sign-out, and the same-origin check on cookie-authenticated writes.

The cookie holds only what it grants (`{"s": "/admin"}` or `{"s": "<tenant>"}`), signed with
itsdangerous under a key made of the app's secret and the admin token (so changing the token
signs every browser out), and expires after `MAX_AGE`. It is HttpOnly, SameSite=Lax, scoped
to `/_sandbox`, and Secure when the sandbox is reached over https. The token itself is never
stored, echoed or logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockprovider.web.context import context
from mockprovider.web.pages import error_page, render, see_other

#: What a token grants on a tenant's routes (`ADMIN`, the tenant, or None): the policy's.
ScopeOf = Callable[[str, str | None], Awaitable[str | None]]
PATHS = frozenset({"/login", "/logout"})
#: The claim of an admin login; a tenant name (one path segment) never contains "/".
ADMIN = "/admin"
COOKIE = "mockprovider_login"
MAX_AGE = 12 * 3600
MAX_FORM = 4096
#: Where the middleware leaves the sign-out URL for the dashboard (request scope state).
SIGNED_IN = "mockprovider.logout_url"
NEEDS = (
    "send Authorization: Bearer <token>: the admin token, or a tenant's own token on "
    "/_sandbox/tenants/<tenant>/ (CLI: --admin-token or MOCKPROVIDER_ADMIN_TOKEN)"
)


class LoginCookies:
    """Mints and reads the login cookie."""

    def __init__(self, secret: str, admin_token: str) -> None:
        self._serializer = URLSafeTimedSerializer(
            f"{secret}\x1f{admin_token}", salt="mockprovider.dashboard-login"
        )

    def read(self, request: Request) -> str | None:
        """The claim of a valid, unexpired cookie (`ADMIN` or a tenant name), else None."""
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        try:
            payload = self._serializer.loads(value, max_age=MAX_AGE)
        except BadSignature:  # also expired (SignatureExpired)
            return None
        claim = payload.get("s") if isinstance(payload, dict) else None
        return claim if isinstance(claim, str) else None

    def issue(self, request: Request, response: Response, claim: str) -> None:
        response.set_cookie(
            COOKIE,
            self._serializer.dumps({"s": claim}),
            max_age=MAX_AGE,
            path="/_sandbox",
            secure=_https(request),
            httponly=True,
            samesite="lax",
        )


def _https(request: Request) -> bool:
    return context(request).base_url(request).startswith("https:")


def same_origin(request: Request) -> bool:
    """The request comes from a page of this sandbox: its `Origin` (or, lacking one, its
    `Referer`) names this host. A request with neither is refused."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
    own = {urlsplit(context(request).base_url(request)).netloc.lower()}
    own.add(request.headers.get("host", "").lower())
    return bool(netloc) and netloc in own


def _error(request: Request, status: int, title: str, message: str) -> Response:
    """An HTML error page for a browser, else the control API's error JSON."""
    if "text/html" in request.headers.get("accept", ""):
        return error_page(request, status, title, message)
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def cross_site(request: Request) -> Response:
    return _error(
        request,
        403,
        "Forbidden",
        "cross-site request refused: a signed-in browser may change the sandbox only from "
        "the sandbox's own pages (Origin or Referer of this host)",
    )


def logout_url(request: Request) -> str | None:
    """The sign-out path when this request was signed in by the cookie."""
    url = request.scope.get("state", {}).get(SIGNED_IN)
    return str(url) if url else None


def _next_path(raw: str, prefix: str) -> str:
    """Where to go after signing in: a path of this sandbox, never another site."""
    safe = raw.startswith("/_sandbox") and raw.isascii() and raw.isprintable()
    return raw if safe and "\\" not in raw and not raw.startswith("//") else prefix + "/"


def _here(request: Request, prefix: str) -> str:
    if request.method != "GET":
        return prefix + "/"
    path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return _next_path(f"{path}?{query}" if query else path, prefix)


def login_page(
    request: Request, prefix: str, next_path: str, problem: str = "", *, status: int = 401
) -> Response:
    """The sign-in form for `prefix`'s routes."""
    values: dict[str, Any] = {
        "action": f"{context(request).base_url(request)}{prefix}/login",
        "next_path": next_path,
        "tenant": prefix.rsplit("/", 1)[-1] if prefix != "/_sandbox" else None,
        "problem": problem,
    }
    response = render(request, "sandbox/login.html", values, status)
    response.headers["www-authenticate"] = _challenge(bool(problem))
    response.headers["cache-control"] = "no-store"
    return response


def _challenge(tried: bool) -> str:
    return 'Bearer realm="mockprovider"' + (', error="invalid_token"' if tried else "")


def refused(request: Request, prefix: str, *, tried: bool) -> Response:
    """401: the login page for a browser, JSON for an API client."""
    if "text/html" in request.headers.get("accept", ""):
        problem = "That sign-in does not open this page; sign in with its token." if tried else ""
        return login_page(request, prefix, _here(request, prefix), problem)
    message = "the token given does not open this route; " if tried else "a token is needed: "
    return JSONResponse(
        {"error": {"status": 401, "message": message + NEEDS}},
        status_code=401,
        headers={"www-authenticate": _challenge(tried)},
    )


async def _small_form(request: Request) -> dict[str, str] | None:
    """The sign-in form's fields, or None past `MAX_FORM` bytes (the route is open to all)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


async def handle(
    request: Request,
    rest: str,
    prefix: str,
    tenant: str | None,
    scope_of: ScopeOf,
    cookies: LoginCookies,
) -> Response:
    """`GET|POST {prefix}/login` and `POST {prefix}/logout`."""
    allowed = "GET, POST" if rest == "/login" else "POST"
    if request.method not in allowed.split(", "):
        return Response(status_code=405, headers={"allow": allowed})
    if rest == "/login" and request.method == "GET":
        shown = _next_path(request.query_params.get("next", ""), prefix)
        return login_page(request, prefix, shown, status=200)
    if not same_origin(request):
        return cross_site(request)
    if rest == "/logout":
        response = see_other(f"{context(request).base_url(request)}{prefix}/")
        response.delete_cookie(COOKIE, path="/_sandbox", httponly=True, samesite="lax")
        return response
    form = await _small_form(request)
    if form is None:
        return _error(request, 413, "Too large", "a sign-in form is a token, nothing more")
    next_path = _next_path(form.get("next", ""), prefix)
    claim = await scope_of(form.get("token", ""), tenant)
    if claim is None:
        return login_page(request, prefix, next_path, "That token is not valid here.")
    response = see_other(f"{context(request).base_url(request)}{next_path}")
    cookies.issue(request, response, claim)
    return response
