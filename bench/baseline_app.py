"""The bare baseline: a Starlette hello world, served by uvicorn exactly like `mockprovider serve`.

`GET /` and `POST /` answer `Hello, world!` (the POST does not read its form: that is the
framework's floor, not a form handler). `GET /_sandbox/health` exists so start-up is polled on
the same path as the product.

Run by `bench/run.py` as `python -m uvicorn baseline_app:app --app-dir bench ...`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


async def hello(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/", hello, methods=["GET", "POST"]),
        Route("/_sandbox/health", health, methods=["GET"]),
    ]
)
