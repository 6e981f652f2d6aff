"""`FakeSandbox`: a stand-in for a sandbox's HTTP surface on a real socket, for CLI tests that
check which requests a command sends and what it prints of the answers. Every request is
recorded; each `(method, path)` answers what `route()` said, anything else 404 with the
control API's error JSON."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from click.testing import CliRunner, Result

from mockprovider.cli import main

ADMIN = "admin-token-for-cli-tests-0123"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """`mockprovider ARGS` with only the given MOCKPROVIDER_* variables set."""
    environment: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith("MOCKPROVIDER_")
    }
    environment.update(env or {})
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


@dataclass(frozen=True)
class Seen:
    """One request: method, path (without the query), query, headers (lower-case names), body."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any

    @property
    def line(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        seen = Seen(
            self.command,
            parts.path,
            dict(parse_qsl(parts.query)),
            {k.lower(): v for k, v in self.headers.items()},
            json.loads(raw) if raw else None,
        )
        answer = self.server.owner.record(seen)
        reply = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        for name, value in {"content-type": "application/json", **answer.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: FakeSandbox) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class FakeSandbox:
    """Records requests on a free local port and answers them from `route()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self._routes: dict[tuple[str, str], list[Answer]] = {}
        self._server = _Server(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def route(
        self,
        method: str,
        path: str,
        body: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer `method path` with `body` as JSON. Routed again, the answers queue up: each
        is given once, in order, and the last one from then on."""
        answer = Answer(status, body, dict(headers or {}))
        self._routes.setdefault((method, path), []).append(answer)

    def record(self, seen: Seen) -> Answer:
        missing = {"error": {"status": 404, "message": f"no route {seen.line}", "valid": []}}
        with self._lock:
            self._seen.append(seen)
            answers = self._routes.get((seen.method, seen.path))
            if not answers:
                return Answer(404, missing, {})
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def lines(self) -> list[str]:
        """`METHOD /path` of every request so far, in order."""
        return [s.line for s in self.seen()]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
