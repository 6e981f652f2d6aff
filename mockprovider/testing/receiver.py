"""`WebhookReceiver`: a stdlib HTTP server in a daemon thread that records every request.

It stands in for the integrator's webhook endpoint: each provider's `webhook_url` points at
`url_for(provider)` (`http://127.0.0.1:PORT/<provider>`), every request is kept with its path,
headers, raw body and arrival time, and the answer is 200 unless `respond()` says otherwise;
`delay` makes it answer late (a slow endpoint, to meet a provider's timeout). Subclasses may
serve other paths by overriding `answer()`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as it arrived. `at` is the wall-clock arrival time (unix seconds)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    at: float
    answered: int

    def header(self, name: str) -> str | None:
        """A header's value (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        status, reply, content_type = owner.answer(
            self.command, self.path, list(self.headers.items()), body
        )
        if owner.delay:
            time.sleep(owner.delay)  # wait-ok: a slow receiver, answering late on purpose
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = do_PUT = do_PATCH = do_GET = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `received()`
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: WebhookReceiver) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A sender that hangs up (a send timed out, or cancelled by a reset) is no error of
        # ours; socketserver would print its traceback on whatever stderr is current, such as
        # the one click's CliRunner captures for a command's output.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class WebhookReceiver:
    """Records requests on a free local port; thread-safe. Use as a context manager or call
    `close()`."""

    #: The record type kept for each request (a subclass may add properties).
    record: type[Received] = Received

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._received: list[Received] = []
        self._queued: list[int] = []
        self.default_status = 200
        self.delay = 0.0
        self._server = _Server(self)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mockprovider-receiver-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def url_for(self, provider: str) -> str:
        """The webhook URL given to `provider`: `http://127.0.0.1:PORT/<provider>`."""
        return f"{self.url}/{provider}"

    def answer(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, bytes, str]:
        """Record the request; (status, body, content type) of the answer."""
        with self._lock:
            status = self._queued.pop(0) if self._queued else self.default_status
            found = self.record(method, path, tuple(headers), body, time.time(), status)
            self._received.append(found)
            self._arrived.notify_all()
        return status, b"", "text/plain"

    def respond(self, *statuses: int, default: int | None = None) -> None:
        """Answer the next requests with `statuses` in order, then `default` (if given), e.g.
        `respond(500, 500)` makes the first two attempts fail."""
        with self._lock:
            self._queued = list(statuses)
            if default is not None:
                self.default_status = default

    def received(self, provider: str | None = None) -> list[Received]:
        """Every request so far, oldest first (only `/<provider>` ones if given)."""
        with self._lock:
            found = list(self._received)
        if provider is None:
            return found
        return [r for r in found if r.path.split("?")[0] == f"/{provider}"]

    def wait_for(
        self,
        count: int,
        *,
        where: Callable[[Received], bool] | None = None,
        timeout: float = 10.0,
    ) -> list[Received]:
        """Block until at least `count` requests (matching `where`) arrived; return them.
        Raises `TimeoutError` naming what did arrive."""

        def matching() -> list[Received]:
            return [r for r in self._received if where is None or where(r)]

        with self._arrived:
            if not self._arrived.wait_for(lambda: len(matching()) >= count, timeout):
                seen = ", ".join(f"{r.method} {r.path} → {r.answered}" for r in self._received)
                raise TimeoutError(
                    f"expected {count} request(s) within {timeout:g} s, got {len(matching())}"
                    f" matching: {seen or 'none at all'}"
                )
            return matching()

    def clear(self) -> None:
        """Forget the requests, answer 200 again and at once."""
        with self._lock:
            self._received.clear()
            self._queued.clear()
            self.default_status = 200
            self.delay = 0.0

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
