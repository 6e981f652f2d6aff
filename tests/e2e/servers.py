"""Real processes and sockets for the end-to-end tests.

* `WebhookReceiver`: a stdlib HTTP server in a daemon thread. It records every POST (path,
  headers, raw body, arrival time), answers a programmable status, and serves `GET /return…`,
  the page a browser lands on when the sandbox sends it back.
* `ServerProcess`: `python -m mockprovider serve` as a subprocess on a free port, logging to a
  file, ready once `GET /_sandbox/health` answers 200.
* `wait_until`: the synchronous twin of `tests.support.wait_until` (poll with a deadline).
* `verify_topiic_signature`: an independent check of `Topiic-Signature`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mockprovider.testing import receiver
from tests.support import topiic_link

T = TypeVar("T")

#: How long a server may take to answer its health check (it normally takes well under 1 s).
START_TIMEOUT = 20.0
LOG_TAIL = 6000
#: The `user_properties` name of a line a test adds for the end-of-run summary (see `Figures`).
FIGURE = "end-to-end figure"


def wait_until(
    check: Callable[[], T | None],
    *,
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str | Callable[[], str] = "condition not met",
) -> T:
    """Poll `check` until it returns something truthy and return it; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"{text} (within {timeout:g} s)")
        time.sleep(interval)  # wait-ok: polling a condition with a deadline


def free_port() -> int:
    """A TCP port nobody listens on right now (bind port 0, read it back, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Figures:
    """The "end-to-end figures" summary: every `(FIGURE, line)` a test put in its
    `request.node.user_properties`, printed at the end of the run (registered by
    tests/conftest.py). Read from the test reports, so under pytest-xdist the workers' lines
    reach the summary the controller prints."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":  # each phase's report carries all properties so far
            self.lines += [str(value) for name, value in report.user_properties if name == FIGURE]

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.lines:
            terminalreporter.section("end-to-end figures")
            for line in self.lines:
                terminalreporter.write_line(line)


# -- webhook receiver ---------------------------------------------------------------------------


class Received(receiver.Received):
    """One request as it arrived (see `mockprovider.testing.Received`), plus Topiic's event id."""

    @property
    def event_id(self) -> str | None:
        return self.header("Topiic-Event-Id")


RETURN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back at the shop</title></head>
<body><h1>Back at the shop</h1><p id="status">Checkout status: {status}</p></body></html>
"""


class WebhookReceiver(receiver.WebhookReceiver):
    """The integrator's server: the plugin's receiver (webhooks at `hook_url`, `respond`,
    `delay`, `wait_for`), which also serves `GET /return…`, the page a browser lands on when
    the sandbox sends it back (`return_url`; each visit kept in `visits()`)."""

    record = Received

    def __init__(self) -> None:
        super().__init__()
        self._visits: list[str] = []
        self.base_url = self.url
        self.hook_url = f"{self.base_url}/hooks/topiic"
        self.return_url = f"{self.base_url}/return"

    def answer(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, bytes, str]:
        if method != "GET":
            return super().answer(method, path, headers, body)
        parts = urlsplit(path)
        if not parts.path.startswith("/return"):
            return 404, b"not found", "text/plain"
        with self._lock:
            self._visits.append(path)
        # Echo only a known word, never the raw query: the page is safe whatever comes in.
        given = parse_qs(parts.query).get("status", [""])[-1]
        status = given if given in {"ok", "cancelled"} else "unknown"
        page = RETURN_PAGE.format(status=html.escape(status))
        return 200, page.encode(), "text/html; charset=utf-8"

    # `record = Received` makes every request one of ours: the two readers say so for mypy.
    def received(self, provider: str | None = None) -> list[Received]:  # type: ignore[override]
        return cast("list[Received]", super().received(provider))

    def visits(self) -> list[str]:
        with self._lock:
            return list(self._visits)

    def clear(self) -> None:
        super().clear()
        with self._lock:
            self._visits.clear()

    def wait_for(  # type: ignore[override]
        self, count: int, *, timeout: float = 10.0, where: Callable[[Received], bool] | None = None
    ) -> list[Received]:
        """Wait until at least `count` webhooks (matching `where`) arrived; return them."""
        test = cast("Callable[[receiver.Received], bool] | None", where)
        try:
            return cast("list[Received]", super().wait_for(count, where=test, timeout=timeout))
        except TimeoutError as exc:  # a test failure, not an error
            raise AssertionError(str(exc)) from None


def verify_topiic_signature(
    secret: str, header: str | None, body: bytes, *, now: float, tolerance: float = 300
) -> int:
    """Check `t=<unix>,v1=<hex>` like an integrator would; return `t`. Raises AssertionError."""
    assert header, "no Topiic-Signature header"
    parts = dict(item.split("=", 1) for item in header.split(","))
    assert set(parts) == {"t", "v1"}, f"unexpected signature header {header!r}"
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    assert hmac.compare_digest(expected.hexdigest(), parts["v1"]), f"bad signature {header!r}"
    assert abs(now - timestamp) <= tolerance, f"t={timestamp} is too far from now={now:.0f}"
    return timestamp


# -- the sandbox as a process -------------------------------------------------------------------


class _PortTaken(Exception):
    """The chosen port was bound by someone else before the server could."""


class ServerProcess:
    """`mockprovider serve` in a subprocess on a free port; its output goes to `log_path`.

    `command` is the program to run (default: this interpreter with `-m mockprovider`), `store`
    is passed as `--store`, `http_server` (if given) as `--server`. `ready_lines` > 0 also
    waits, under uvicorn, for that many "Application startup complete." lines (one per worker;
    needs `--log-level info`); a granian worker accepts connections only after its lifespan
    startup, so there the health check is enough.
    """

    #: Every instance ever started, so a failing test can show the logs (see conftest.py).
    started: ClassVar[list[ServerProcess]] = []

    def __init__(
        self,
        workdir: Path,
        *,
        store: str = "memory",
        args: Sequence[str] = (),
        command: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        name: str = "server",
        ready_lines: int = 0,
        http_server: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.store = store
        self.http_server = http_server
        self.args = list(args) + (["--server", http_server] if http_server else [])
        self.command = list(command or [sys.executable, "-m", "mockprovider"])
        self.env = dict(env) if env is not None else None
        self.name = name
        self.ready_lines = ready_lines
        self.port = 0
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self._starts = 0
        self._control: httpx.Client | None = None
        self._control_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def topiic_base(self) -> str:
        return f"{self.base_url}/topiic"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> ServerProcess:
        """Start on a fresh free port; return once healthy. A port taken between choosing and
        binding it (another process won the race) is retried on another port."""
        for _ in range(3):
            try:
                return self._start_once(timeout)
            except _PortTaken:
                continue
        raise AssertionError(self.explain(f"{self.name} found no free port in 3 tries"))

    def _start_once(self, timeout: float) -> ServerProcess:
        assert not self.running, "already running"
        self.stop()  # drop what a previous run left (its control client, stray workers)
        self.port = free_port()
        self._starts += 1
        argv = [*self.command, "serve", "--port", str(self.port), "--store", self.store]
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n$ {' '.join(argv + self.args)}  (start #{self._starts})\n".encode())
            log.flush()
            # A session of its own, so stop(kill=True) can SIGKILL the workers with the parent.
            self.process = subprocess.Popen(
                [*argv, *self.args],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                start_new_session=True,
            )
        ServerProcess.started.append(self)
        try:
            with httpx.Client(timeout=1.0) as probe:
                wait_until(
                    lambda: self._ready(probe),
                    timeout=timeout,
                    message=lambda: self.explain(f"{self.name} did not become healthy"),
                )
        except BaseException:
            self.stop(kill=True)
            raise
        return self

    def _this_start_log(self) -> str:
        """The log since the latest start (the file is appended to across restarts)."""
        return self.log().rsplit(f"(start #{self._starts})", 1)[-1]

    def _ready(self, probe: httpx.Client) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            if "address already in use" in self._this_start_log().lower():
                raise _PortTaken
            raise AssertionError(
                self.explain(f"{self.name} exited with {self.process.returncode} while starting")
            )
        try:
            response = probe.get(f"{self.base_url}/_sandbox/health")
        except httpx.HTTPError:
            return False
        if response.status_code != 200 or not listens(self.process.pid, self.port):
            return False  # not up yet, or another process won the port (ours then exits)
        if self.ready_lines and self.http_server == "uvicorn":
            ready = self._this_start_log().count("Application startup complete.")
            return ready >= self.ready_lines
        return True

    def stop(self, *, kill: bool = False, timeout: float = 10.0) -> int | None:
        """Stop the server (SIGTERM and wait, or SIGKILL at once) and any worker it left."""
        with self._control_lock:
            if self._control is not None:
                self._control.close()
                self._control = None
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            if kill:
                _kill_group(process.pid)
            else:
                process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process.pid)
                process.wait(timeout=timeout)
        _kill_group(process.pid)  # workers the server left behind, if any
        self.returncode = process.returncode
        return process.returncode

    def worker_pids(self) -> set[int]:
        """The processes serving requests: the server's workers, or the server itself."""
        assert self.process is not None
        children = _children(self.process.pid)
        return children or {self.process.pid}

    def worker_of(self, response: httpx.Response) -> int:
        """The pid of the process that holds the server end of `response`'s connection (Linux:
        /proc). Call it while the connection is still open."""
        stream = response.extensions["network_stream"]
        client_port = stream.get_extra_info("client_addr")[1]

        def holder() -> int | None:
            # Read again until it settles: /proc can list the connection before the accepting
            # worker's descriptor shows (inode 0), and a loaded machine widens that moment.
            inode = _server_socket_inode(self.port, client_port)
            if not inode:
                return None
            return next((p for p in self.worker_pids() if inode in _socket_inodes(p)), None)

        return wait_until(
            holder,
            timeout=5.0,
            message=lambda: (
                f"no worker of {self.worker_pids()} holds the server end of "
                f"client port {client_port}"
            ),
        )

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def explain(self, message: str) -> str:
        """`message` followed by the tail of the server log."""
        text = self.log()
        tail = text[-LOG_TAIL:] if len(text) > LOG_TAIL else text
        return f"{message}\n--- {self.name} log ({self.log_path}) ---\n{tail.rstrip()}\n---"

    # -- control API shortcuts ------------------------------------------------------------
    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0, **kwargs)

    def control(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """Call `/_sandbox{path}` (over a kept-alive connection); assert 2xx, return the JSON."""
        with self._control_lock:
            if self._control is None:
                self._control = self.client()
            http = self._control
        response = http.request(method, f"/_sandbox{path}", json=body)
        assert response.is_success, self.explain(
            f"{method} /_sandbox{path} → {response.status_code}: {response.text}"
        )
        return response.json()

    def reset(self) -> None:
        self.control("POST", "/reset", {"settings": True})

    def set_webhook_url(self, url: str) -> None:
        self.control("PUT", "/providers/topiic/settings", {"webhook_url": url})

    def advance(self, seconds: float) -> float:
        now: float = self.control("POST", "/clock/advance", {"seconds": seconds})["now"]
        return now

    def now(self) -> float:
        now: float = self.control("GET", "/clock")["now"]
        return now

    def session(self, session_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.control("GET", f"/sessions/{session_id}")
        return found

    def webhooks(self, session_id: str | None = None) -> list[dict[str, Any]]:
        query = f"?session_id={session_id}" if session_id else ""
        found: list[dict[str, Any]] = self.control("GET", f"/webhooks{query}")["webhooks"]
        return found

    def wait_for_delivery(
        self,
        session_id: str,
        check: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Wait until a delivery of `session_id` (as `GET /_sandbox/webhooks` shows it)
        satisfies `check`; return it."""

        def found() -> dict[str, Any] | None:
            return next((d for d in self.webhooks(session_id) if check(d)), None)

        return wait_until(
            found,
            timeout=timeout,
            message=lambda: self.explain(
                f"no delivery of session {session_id} as expected: {self.webhooks(session_id)}"
            ),
        )


def _kill_group(pid: int) -> None:
    """SIGKILL the process group (session) a server was started in."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid …"; comm may contain spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def listens(pid: int, port: int) -> bool:
    """True when process `pid` (or a child of it, e.g. a uvicorn worker) holds the socket
    listening on TCP `port`. With parallel test runs a free port can be taken by another
    worker's server between choosing and binding it; an answer from that one does not count."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # LISTEN
                    inodes.add(int(fields[9]))
    return any(inodes & _socket_inodes(p) for p in {pid, *_children(pid)})


def _server_socket_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the established socket 127.0.0.1:server_port ↔ 127.0.0.1:client_port."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote and fields[3] == "01":
            return int(fields[9])
    return None


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


@contextlib.contextmanager
def running(server: ServerProcess, *, kill: bool = False) -> Iterator[ServerProcess]:
    """Start `server`, yield it, stop it however the block ends."""
    server.start()
    try:
        yield server
    finally:
        server.stop(kill=kill)


def link_for(server: ServerProcess, receiver: WebhookReceiver, **overrides: Any) -> str:
    """A signed Topiic link to `server` whose `ret` is the receiver's return page (with
    `customer=42`); it expires 30 minutes from now (the sandbox clock is the real one right
    after a reset)."""
    values: dict[str, Any] = {
        "ret": f"{receiver.return_url}?customer=42",
        "exp": int(time.time()) + 1800,
    }
    values.update(overrides)
    return topiic_link(base=server.topiic_base, **values)
