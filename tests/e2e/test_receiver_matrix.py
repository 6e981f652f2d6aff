"""Every provider's delivery rule against a misbehaving receiver, over real sockets: the twin of
tests/core/test_receiver_rules.py with a real `mockprovider serve` process (its dispatcher and
HTTP transport) and a real receiver. The receiver being down (nothing listens), slow (never
answers: beyond the provider's timeout), answering 500, 503, 302 (not followed) or 410, or
resetting the connection: every provider counts each as a failed attempt and retries it on its
own schedule on the sandbox clock until the schedule is used up (finAPI: one attempt).

The full matrix, 5 providers by 7 misbehaviours, runs at once: one session per cell, each with
one webhook to its own receiver path. A driver advances the sandbox clock through the control
API whenever every pending fast delivery waits for it, so the fast cells run their whole
schedule in a few seconds of real time. The slow cells must wait out the providers' real HTTP
timeouts (10 s, Gigs 15 s; no setting shortens them): they run alongside, so the module costs
one Gigs timeout plus start-up, and only their first attempt is checked.
"""

from __future__ import annotations

import asyncio
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockprovider.app.registry import all_providers, trigger_starters
from mockprovider.core.webhooks.policy import DeliveryPolicy, Verdict
from tests.e2e.servers import ServerProcess, wait_until

pytestmark = pytest.mark.slow

POLICIES: dict[str, DeliveryPolicy] = {p.name: p.delivery for p in all_providers()}
STATUSES = {"500": 500, "503": 503, "302": 302, "410": 410}
KINDS = ["slow", "down", "reset", *STATUSES]  # slow first: its timeouts start soonest
CELLS = [(provider, kind) for provider in POLICIES for kind in KINDS]
#: Times in the control API are ISO strings truncated to milliseconds.
MS = 0.0011


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        while (request := self._read()) is not None:
            kind = request.strip("/").split("/")[0]
            self.server.owner.record(request)
            if kind == "slow":  # never answer; wait for the sender to give up and hang up
                while self.rfile.read1(65536):
                    pass
                return
            if kind == "reset":  # closed at once with SO_LINGER 0: an RST, no FIN before it
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                for stream in (self.rfile, self.wfile, self.connection):
                    stream.close()
                return
            status = STATUSES.get(kind, 200)
            where = f"Location: {self.server.owner.url}/followed\r\n" if status == 302 else ""
            head = f"HTTP/1.1 {status} Whatever\r\n{where}Content-Length: 0\r\n\r\n"
            self.wfile.write(head.encode())

    def _read(self) -> str | None:
        """Read one request; its path, or None once the sender closed the connection."""
        line = self.rfile.readline()
        if not line:
            return None
        length = 0
        while (header := self.rfile.readline()) not in (b"\r\n", b""):
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        self.rfile.read(length)
        return line.split()[1].decode()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    owner: Receiver


class Receiver:
    """The misbehaving integrator, one behaviour per first path segment (`/500/topiic`…).
    HTTP/1.1 keep-alive like a real server; remembers the path of every request read."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._lock = threading.Lock()
        self._paths: list[str] = []
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def record(self, path: str) -> None:
        with self._lock:
            self._paths.append(path)

    def count(self, path: str) -> int:
        with self._lock:
            return self._paths.count(path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- one webhook per cell, through each provider's own API ---------------------------------------


async def _settings(http: httpx.AsyncClient, provider: str, **changes: Any) -> dict[str, Any]:
    path = f"/_sandbox/providers/{provider}/settings"
    answer = await http.put(path, json=changes) if changes else await http.get(path)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def _outcome(http: httpx.AsyncClient, session_id: str, outcome: str) -> dict[str, Any]:
    done = await http.post(f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": outcome})
    assert done.status_code == 200, done.text
    found: dict[str, Any] = done.json()
    return found


async def _yapily_payment(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """Yapily sends webhooks for payments only: authorise a payment, then execute it."""
    auth = (str(settings["application_key"]), str(settings["application_secret"]))
    payee = {
        "name": "Jane Doe",
        "accountIdentifications": [{"type": "IBAN", "identification": "X"}],
    }
    payment = {"paymentIdempotencyId": "pay1", "type": "DOMESTIC_PAYMENT", "payee": payee}
    payment["amount"] = {"amount": 1.5, "currency": "GBP"}
    body = {"applicationUserId": "matrix", "institutionId": settings["institutions"][0]["id"]}
    body |= {"callback": "https://tpp.example/back", "paymentRequest": payment}
    created = await http.post("/yapily/payment-auth-requests", json=body, auth=auth)
    assert created.status_code == 201, created.text
    consent_id = str(created.json()["data"]["id"])
    hop = await http.get((await _outcome(http, consent_id, "success"))["redirect_url"])
    token = httpx.URL(hop.headers["location"]).params["consent"]
    paid = await http.post("/yapily/payments", json=payment, auth=auth, headers={"consent": token})
    assert paid.status_code == 201, paid.text
    return consent_id


async def start_cells(base_url: str, provider: str, urls: Mapping[str, str]) -> dict[str, str]:
    """One session per misbehaviour whose one webhook goes to `urls[kind]`; kind → session."""
    sessions = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        settings = await _settings(http, provider)
        if provider == "bridge":  # success sends four events: keep the one
            await _settings(http, provider, events=["item.refreshed"])
        if provider == "finapi":  # the callback is per web form, and may be plain http
            await _settings(http, provider, callback_url_check="dev")
        for kind, url in urls.items():
            if provider == "finapi":
                settings["webhook_url"] = url  # what `mockprovider trigger --callback` does
            else:
                settings = await _settings(http, provider, webhook_url=url)
            if provider == "yapily":
                sessions[kind] = await _yapily_payment(http, settings)
                continue
            session_id = await trigger_starters()[provider](http, settings)
            outcome = "user_abort" if provider in ("topiic", "gigs") else "success"
            await _outcome(http, session_id, outcome)
            sessions[kind] = session_id
    return sessions


# -- driving the clock -------------------------------------------------------------------------


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


@dataclass
class Cell:
    provider: str
    kind: str
    path: str
    delivery_id: str = ""
    #: The delivery as first seen with n attempts recorded, by n.
    seen: dict[int, dict[str, Any]] = field(default_factory=dict)
    latest: dict[str, Any] = field(default_factory=dict)

    def observe(self, view: dict[str, Any]) -> None:
        self.latest = view
        self.seen.setdefault(len(view["attempts"]), view)


def drive(server: ServerProcess, cells: list[Cell]) -> None:
    """Until every fast cell is final and every slow one has its first attempt: record what
    each delivery looks like after each attempt, and move the sandbox clock on whenever every
    pending fast delivery is waiting for it (to the latest of their due times)."""

    def step() -> bool:
        views = {d["id"]: d for d in server.control("GET", "/webhooks?limit=1000")["webhooks"]}
        for cell in cells:
            cell.observe(views[cell.delivery_id])
        waiting = [c.latest for c in cells if c.kind != "slow" and c.latest["status"] == "pending"]
        if not waiting:
            return all(1 in c.seen for c in cells)
        now, dues = server.now(), [_ts(d["next_attempt_at"]) for d in waiting]
        if min(dues) > now:
            server.advance(max(dues) - now)
        return False

    wait_until(step, timeout=90, interval=0.05, message=lambda: server.explain("matrix stuck"))


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    hooks = Receiver()
    yield hooks
    hooks.close()


@pytest.fixture(scope="module")
def matrix(
    tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[dict[Any, Cell]]:
    """Every cell run to its end (fast) or through its first attempt (slow)."""
    with socket.socket() as down:  # bound, never listening: connections to it are refused
        down.bind(("127.0.0.1", 0))
        down_url = f"http://127.0.0.1:{down.getsockname()[1]}"
        cells = {(p, k): Cell(p, k, f"/{k}/{p}") for p, k in CELLS}
        server = ServerProcess(Path(tmp_path_factory.mktemp("matrix")), store="memory")
        server.start()
        try:
            urls = {
                p: {k: (down_url if k == "down" else receiver.url) + f"/{k}/{p}" for k in KINDS}
                for p in POLICIES
            }

            async def start_all() -> list[dict[str, str]]:
                starts = (start_cells(server.base_url, p, urls[p]) for p in POLICIES)
                return list(await asyncio.gather(*starts))

            for provider, sessions in zip(POLICIES, asyncio.run(start_all()), strict=True):
                for kind, session_id in sessions.items():
                    [delivery] = server.webhooks(session_id)
                    cells[provider, kind].delivery_id = delivery["id"]
            drive(server, list(cells.values()))
            yield cells
        finally:
            server.stop()


# -- the cells ---------------------------------------------------------------------------------


def check_attempt(attempt: Mapping[str, Any], kind: str, policy: DeliveryPolicy) -> None:
    """What one attempt recorded: the receiver's status, or the transport's error."""
    if kind in STATUSES:
        assert (attempt["status_code"], attempt["error"]) == (STATUSES[kind], None)
        return
    assert attempt["status_code"] is None
    error = str(attempt["error"])
    if kind == "slow":
        assert error == f"no response within {policy.timeout:g} s"
    elif kind == "down":
        assert error.startswith("ConnectError: "), error
    else:  # reset: during the read, or as an end of stream before any response byte
        assert error.startswith(("ReadError: ", "RemoteProtocolError: ")), error


@pytest.mark.parametrize(("provider", "kind"), CELLS, ids=[f"{p}-{k}" for p, k in CELLS])
def test_a_misbehaving_receiver_is_retried_on_the_providers_schedule(
    matrix: dict[Any, Cell], receiver: Receiver, provider: str, kind: str
) -> None:
    cell, policy = matrix[provider, kind], POLICIES[provider]
    schedule = policy.schedule
    if kind in STATUSES:  # the provider's rule: none of these stops the retries
        assert policy.judge(STATUSES[kind], {}) is Verdict.RETRY
    attempts = cell.latest["attempts"]
    made = 1 if kind == "slow" else len(schedule)  # slow: only the first, a timeout is real time
    assert len(attempts) >= made if kind == "slow" else len(attempts) == made
    for n, attempt in enumerate(attempts[:made], start=1):
        check_attempt(attempt, kind, policy)
        after = cell.seen.get(n)
        if n == len(schedule):  # the schedule is used up
            assert after is not None
            assert (after["status"], after["next_attempt_at"]) == (
                policy.exhausted_status.value,
                None,
            )
            continue
        due = _ts(attempt["at"]) + schedule[n]
        # The state after the first attempt can be overtaken by real time (Gigs' first retry
        # comes after 5 s); every later retry waits for the driver to advance the clock.
        assert after is not None or n == 1
        if after is not None:
            assert after["status"] == "pending"
            assert abs(_ts(after["next_attempt_at"]) - due) < MS
        if n < len(attempts):  # the next attempt never came early
            assert _ts(attempts[n]["at"]) > due - MS

    sent = receiver.count(cell.path)
    if kind in STATUSES or kind == "reset":
        assert sent == len(attempts)  # each attempt exactly once, never resent under it
    elif kind == "slow":
        assert sent >= 1
    else:
        assert sent == 0


def test_no_redirect_was_followed(matrix: dict[Any, Cell], receiver: Receiver) -> None:
    assert all(receiver.count(f"/302/{p}") for p in POLICIES)
    assert receiver.count("/followed") == 0
