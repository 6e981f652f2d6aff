"""Rendering helpers shared by every page: templates, errors as HTML or JSON, redirects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from mockprovider.web.context import context


def wants_json(request: Request) -> bool:
    """True when the client prefers JSON to HTML (API clients, `Accept: application/json`)."""
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def render(
    request: Request, template: str, values: Mapping[str, Any], status_code: int = 200
) -> Response:
    """Render a template straight from the Jinja environment (Starlette's TemplateResponse
    adds a context processor pass and `url_for` we do not use, on every hosted page)."""
    return HTMLResponse(render_html(request, template, values), status_code=status_code)


def render_html(request: Request, template: str, values: Mapping[str, Any]) -> str:
    """The page `render` answers with, as text."""
    ctx = context(request)
    return ctx.templates.get_template(template).render(base_url=ctx.base_url(request), **values)


def query_value(request: Request, name: str) -> str:
    """`request.query_params.get(name, "")` (the last value wins, as there) without building
    the whole multi-dict: the hosted page reads one parameter on every load."""
    query: str = request.scope.get("query_string", b"").decode("latin-1")
    return dict(parse_qsl(query, keep_blank_values=True)).get(name, "")


async def form_fields(request: Request) -> dict[str, str]:
    """The submitted form's text fields. URL-encoded bodies (what a browser sends for our pages)
    are parsed directly: python-multipart's general parser costs ~90 µs for a 100-byte body."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = (await request.body()).decode("utf-8", "replace")
        return dict(parse_qsl(body, keep_blank_values=True))
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def see_other(url: str) -> Response:
    """A 303 whose Location is exactly `url` (Starlette's RedirectResponse would re-quote it)."""
    return Response(status_code=303, headers={"location": url})


def error_page(
    request: Request,
    status_code: int,
    title: str,
    detail: str,
    *,
    hint: str = "",
    json_body: Mapping[str, Any] | None = None,
    media_type: str = "application/json",
) -> Response:
    """An error a person understands in a browser, or JSON for a client that asks for it."""
    if wants_json(request):
        body = json_body or {"error": {"status": status_code, "title": title, "message": detail}}
        return JSONResponse(dict(body), status_code=status_code, media_type=media_type)
    values = {"status_code": status_code, "title": title, "detail": detail, "hint": hint}
    return render(request, "sandbox/error.html", values, status_code)
