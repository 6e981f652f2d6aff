"""What access control costs a request, in-process (the ASGI app called directly, no socket):

* a path outside `/_sandbox` (`GET /favicon.ico`), which the guard only looks at: open app
  vs an app with an admin token;
* `GET /_sandbox/clock`: open, with `Authorization: Bearer <admin token>`, and with the
  dashboard's login cookie (signature check included).

The best of `--rounds` rounds of `--requests` requests each (the least disturbed on a shared
machine), in µs per request.

    .venv/bin/python bench/access_overhead.py --requests 2000 --rounds 7
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.config import Config
from mockprovider.web.login import COOKIE

TOKEN = "bench-admin-token-0123456789"


async def call(app: Starlette, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"sandbox.bench"), *headers],
        "server": ("127.0.0.1", 8600),
        "client": ("127.0.0.1", 50000),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


Case = tuple[Starlette, str, list[tuple[bytes, bytes]]]


async def per_request(cases: dict[str, Case], n: int, rounds: int) -> dict[str, float]:
    """Best-of-rounds µs per request of each case (the least disturbed round on a shared
    machine); every round runs every case, so order effects and load hit them alike."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for app, path, headers in cases.values():
        assert await call(app, path, headers) == 200
    for _ in range(rounds):
        for name, (app, path, headers) in cases.items():
            started = time.perf_counter()
            for _ in range(n):
                await call(app, path, headers)
            samples[name].append((time.perf_counter() - started) / n * 1e6)
    return {name: round(min(values), 1) for name, values in samples.items()}


async def login_cookie(app: Starlette) -> bytes:
    """Sign in through the form, as a browser would; the cookie header it gets."""
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.bench") as http:
        done = await http.post(
            "/_sandbox/login", data={"token": TOKEN}, headers={"origin": "http://sandbox.bench"}
        )
    return f"{COOKIE}={done.cookies[COOKIE]}".encode()


async def main(n: int, rounds: int) -> dict[str, float]:
    open_app = create_app(Config(store="memory"), dispatch=False)
    guarded = create_app(Config(store="memory", admin_token=TOKEN), dispatch=False)
    bearer = [(b"authorization", f"Bearer {TOKEN}".encode())]
    async with (
        open_app.router.lifespan_context(open_app),
        guarded.router.lifespan_context(guarded),
    ):
        cookie = [(b"cookie", await login_cookie(guarded))]
        cases: dict[str, Case] = {
            "favicon_open_us": (open_app, "/favicon.ico", []),
            "favicon_guarded_us": (guarded, "/favicon.ico", []),
            "clock_open_us": (open_app, "/_sandbox/clock", []),
            "clock_bearer_us": (guarded, "/_sandbox/clock", bearer),
            "clock_cookie_us": (guarded, "/_sandbox/clock", cookie),
        }
        out = await per_request(cases, n, rounds)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.requests, args.rounds)), indent=2))
