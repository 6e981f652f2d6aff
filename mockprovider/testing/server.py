"""`LiveServer`: the sandbox app on uvicorn in a background thread with its own event loop.

It binds 127.0.0.1 port 0 itself and hands the socket to uvicorn, so there is no window in
which another process could take the port. Signal handlers are left alone (uvicorn installs
them only in the main thread), so Ctrl-C still stops the test run.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

from mockprovider.config import Config

if TYPE_CHECKING:
    import httpx
    import uvicorn

WEBHOOK_URL = "webhook_url"
#: How long the app may take to start (it normally takes well under a second).
START_TIMEOUT = 20.0


class LiveServer:
    """A sandbox on a free local port; `start()` returns once it serves, `stop()` joins it.

    `config` defaults to an in-memory store and the built-in scenarios; its host and port are
    ignored (the server always listens on 127.0.0.1 and a port the OS picks).
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config(store="memory")
        self.port = 0
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._failure: BaseException | None = None
        self._http: httpx.Client | None = None
        #: The names of the providers it serves, and of those with a `webhook_url` setting
        #: (the others take a callback URL per request, e.g. finAPI), once started.
        self.providers: list[str] = []
        self.webhook_providers: list[str] = []

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def http(self) -> httpx.Client:
        """A kept-alive `httpx.Client` on `url`, closed by `stop()`."""
        import httpx

        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=10.0)
        return self._http

    def start(self, timeout: float = START_TIMEOUT) -> LiveServer:
        """Build the app, serve it in a daemon thread and wait until uvicorn has started."""
        import uvicorn

        from mockprovider.app import create_app

        if self._thread is not None:
            raise RuntimeError("the server is already running")
        app = create_app(self.config)
        specs = app.state.sandbox.providers
        self.providers = list(specs)
        self.webhook_providers = [
            name
            for name, spec in specs.items()
            if any(s.name == WEBHOOK_URL for s in spec.settings)
        ]
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        )
        self._server = server

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported by start(); a thread cannot raise
                self._failure = exc
            finally:
                sock.close()

        self._thread = threading.Thread(target=serve, name=f"mockprovider-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                why = f": {self._failure!r}" if self._failure else ""
                raise RuntimeError(f"the mockprovider sandbox did not start{why}")
            time.sleep(0.005)  # wait-ok: polling uvicorn's started flag with a deadline
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit (the app's lifespan closes the store and dispatcher) and join."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if self._http is not None:
            self._http.close()
            self._http = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
