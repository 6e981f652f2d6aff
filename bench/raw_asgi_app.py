"""The floor under the floor: a raw ASGI hello world, no Starlette, served like `baseline_app`.

Every `GET` or `POST` answers `Hello, world!` (a POST's body is not read, as in the Starlette
baseline); `GET /_sandbox/health` answers a JSON `{"status":"ok"}` so start-up is polled on the
same path as the product. The lifespan protocol is answered so uvicorn starts as it does for
the other two servers.

Run by `bench/run.py` as `python -m uvicorn raw_asgi_app:app --app-dir bench ...`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HELLO = b"Hello, world!"
HEALTH = b'{"status":"ok"}'
TEXT = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")]
JSON = [(b"content-type", b"application/json"), (b"content-length", b"15")]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    health = scope["path"] == "/_sandbox/health"
    await send({"type": "http.response.start", "status": 200, "headers": JSON if health else TEXT})
    await send({"type": "http.response.body", "body": HEALTH if health else HELLO})
