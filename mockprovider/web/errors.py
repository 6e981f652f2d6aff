"""Exception handlers: the one place domain errors become HTTP responses.

`/_sandbox` gets JSON `{"error": {...}}`; a provider's own error (`ProviderError`) is returned
exactly as the provider built it; pages get an HTML error a tester understands (or JSON when the
client asks for JSON).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockprovider.errors import InvalidInput, LimitExceeded, MockProviderError, ProviderError
from mockprovider.web.context import context
from mockprovider.web.pages import error_page
from mockprovider.web.provider import WebProvider

TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Unprocessable",
    429: "Too many requests",
    500: "Sandbox error",
}


def _is_api(request: Request) -> bool:
    """The JSON control API (the dashboard's pages under `[/_sandbox/tenants/T]/_sandbox/ui/`
    get HTML errors)."""
    path = request.url.path
    if path.startswith("/_sandbox/tenants/"):
        path = "/_sandbox/" + path[len("/_sandbox/tenants/") :].partition("/")[2]
    return path.startswith("/_sandbox/") and not path.startswith("/_sandbox/ui/")


async def _limit_error(request: Request, exc: LimitExceeded) -> Response:
    """429 with `Retry-After`: the control API's JSON, the provider's own error shape on its
    API, an HTML page for a browser (a hosted page, or `Accept: text/html`)."""
    headers = {"Retry-After": str(exc.retry_after)}
    if _is_api(request):
        return _error_json(429, exc.message, headers=headers)
    path = request.url.path
    providers: Mapping[str, WebProvider] = getattr(request.app.state, "providers", {})
    provider = providers.get(path[1:].partition("/")[0])
    browser = "/s/" in path or "text/html" in request.headers.get("accept", "")
    if provider is not None and not browser:
        now = await context(request).sandbox.now()
        error = provider.api_error(request, 429, exc.message, now)
        return Response(
            error.body, 429, headers={**error.headers, **headers}, media_type=error.content_type
        )
    page = error_page(request, 429, TITLES[429], exc.message)
    page.headers.update(headers)
    return page


def _error_json(
    status: int,
    message: str,
    valid: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"status": status, "message": message}
    if valid:
        body["valid"] = valid
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MockProviderError)
    if isinstance(exc, LimitExceeded):
        return await _limit_error(request, exc)
    if isinstance(exc, ProviderError):
        return Response(exc.body, exc.status_code, headers=exc.headers, media_type=exc.content_type)
    valid = exc.valid if isinstance(exc, InvalidInput) else None
    if _is_api(request):
        return _error_json(exc.status_code, exc.message, valid)
    hint = f"Valid choices: {', '.join(valid)}." if valid else ""
    return error_page(
        request, exc.status_code, TITLES.get(exc.status_code, "Error"), exc.message, hint=hint
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # Keep the exception's headers: a 405 must say which methods are allowed (`Allow`, RFC 9110).
    if _is_api(request):
        return _error_json(exc.status_code, exc.detail, headers=exc.headers)
    page = error_page(request, exc.status_code, TITLES.get(exc.status_code, "Error"), exc.detail)
    page.headers.update(exc.headers or {})
    return page


HANDLERS = {MockProviderError: domain_error, HTTPException: http_error}
