"""`WebhookReceiver`: a stdlib HTTP server in a daemon thread that records every request.

It stands in for the integrator's webhook endpoint: each provider's `webhook_url` points at
`url_for(provider)` (`http://127.0.0.1:PORT/<provider>`), every request is kept with its path,
headers, raw body and arrival time, and the answer is 200 unless `respond()` says otherwise.
"""

from __future__ import annotations

import json
import threading
import time
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
        status = self.server.owner._record(self.command, self.path, self.headers.items(), body)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_PATCH = do_GET = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `received()`
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: WebhookReceiver) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class WebhookReceiver:
    """Records requests on a free local port; thread-safe. Use as a context manager or call
    `close()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._queued: list[int] = []
        self.default_status = 200
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

    def _record(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> int:
        with self._lock:
            status = self._queued.pop(0) if self._queued else self.default_status
            self._received.append(Received(method, path, tuple(headers), body, time.time(), status))
            return status

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

    def clear(self) -> None:
        """Forget the requests and answer 200 again."""
        with self._lock:
            self._received.clear()
            self._queued.clear()
            self.default_status = 200

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
