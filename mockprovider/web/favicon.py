"""`/favicon.ico`: every page's icon, so browsers log no 404 for it (an SVG, sandbox yellow)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

ICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="3" fill="#ffd33d"/>'
    b'<path d="M4 12V4l4 5 4-5v8" fill="none" stroke="#1b1f24" stroke-width="2"/></svg>'
)


async def favicon(request: Request) -> Response:
    return Response(
        ICON, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"}
    )


def favicon_routes() -> list[BaseRoute]:
    return [Route("/favicon.ico", favicon, methods=["GET"], name="favicon")]
