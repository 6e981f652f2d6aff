"""`mockprovider webhooks list|replay|tail` and `sessions list` against a real sandbox on a
socket: the pytest plugin's live server (the `mockprovider` fixture)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner, Result

from mockprovider.cli import main
from mockprovider.testing import SandboxClient, WebhookReceiver
from tests.e2e.servers import free_port
from tests.support import topiic_link


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def start_checkout(sandbox: SandboxClient, ref: str = "cust_42") -> str:
    """Open a Topiic link like a browser; the new session's id."""
    link = topiic_link(base=sandbox.base_url("topiic"), ref=ref, exp=int(time.time()) + 1800)
    assert sandbox.http.get(link).status_code == 303
    return str(sandbox.sessions("topiic")[0]["id"])


def test_sessions_list_prints_one_line_per_session(mockprovider: SandboxClient) -> None:
    first = start_checkout(mockprovider)
    second = start_checkout(mockprovider, ref="cust_43")
    mockprovider.complete(second, "user_abort")

    result = run("sessions", "list", "--url", mockprovider.url)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines] == [first, second]  # oldest first
    assert lines[0].split()[2:4] == ["topiic", "created"]
    assert lines[1].split()[2:6] == ["topiic", "finished", "Failed", "user_abort"]


def column_starts(line: str) -> list[int]:
    """Where each field of a two-space-separated line starts."""
    return [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", line)]


def test_sessions_list_keeps_its_columns_aligned_for_long_statuses(
    mockprovider: SandboxClient,
) -> None:
    short = start_checkout(mockprovider)
    mockprovider.complete(short, "success")
    mockprovider.settings("finapi", callback_url_check="dev")
    trigger = run("trigger", "finapi", "capture_failure", "--url", mockprovider.url)
    assert trigger.exit_code == 0, trigger.output

    result = run("sessions", "list", "--url", mockprovider.url)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "COMPLETED_WITH_ERROR" in lines[1], lines
    assert column_starts(lines[0]) == column_starts(lines[1]), "\n".join(lines)
    assert len(column_starts(lines[0])) == 7


def test_webhooks_list_filters_by_provider_and_session(mockprovider: SandboxClient) -> None:
    session = start_checkout(mockprovider)
    mockprovider.complete(session, "success")
    hook = mockprovider.wait_for_webhook("checkout.completed")

    result = run("webhooks", "list", "--session", session, "--url", mockprovider.url + "/")

    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    fields = line.split()
    assert fields[1:7] == ["topiic", "checkout.completed", "delivered", "1", "attempt", "(200)"]
    assert fields[-2:] == [str(hook.delivery["url"]), str(hook.delivery["id"])]
    other = run("webhooks", "list", "--provider", "nobody", "--url", mockprovider.url)
    assert (other.exit_code, other.stdout, other.stderr) == (0, "", "no webhook deliveries\n")


def test_webhooks_replay_sends_the_same_event_again(
    mockprovider: SandboxClient, mockprovider_receiver: WebhookReceiver
) -> None:
    mockprovider.complete(start_checkout(mockprovider), "success")
    hook = mockprovider.wait_for_webhook("checkout.completed")

    result = run("webhooks", "replay", str(hook.delivery["id"]), "--url", mockprovider.url)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"replay of {hook.delivery['id']} queued\n"
    deadline = time.monotonic() + 5
    while len(mockprovider_receiver.received()) < 2:
        assert time.monotonic() < deadline, "the replay never arrived"
        time.sleep(0.02)  # wait-ok: polling a condition with a deadline
    first, again = mockprovider_receiver.received()
    assert again.body == first.body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("webhooks", "replay", "nope"), "error: no webhook delivery 'nope' (HTTP 404)"),
        (("sessions", "list", "--provider", "stripe"), "error: unknown provider 'stripe'"),
    ],
)
def test_control_api_errors_are_one_line(
    mockprovider: SandboxClient, args: tuple[str, ...], message: str
) -> None:
    result = run(*args, env={"MOCKPROVIDER_URL": mockprovider.url})

    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_no_sandbox_says_how_to_start_one() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for args in (("webhooks", "list"), ("webhooks", "tail"), ("sessions", "list")):
        result = run(*args, "--url", url)
        assert result.exit_code == 1
        assert result.stderr == f"error: no sandbox at {url}: start it with `mockprovider serve`\n"


def test_something_else_at_the_url_is_named(mockprovider_receiver: WebhookReceiver) -> None:
    result = run("webhooks", "list", "--url", mockprovider_receiver.url)

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {mockprovider_receiver.url} is not a mockprovider")


@pytest.fixture(params=["default", "ignored"], ids=["sigint-default", "sigint-ignored"])
def parent_sigint(request: pytest.FixtureRequest) -> Iterator[None]:
    """The test runner's own SIGINT disposition: as in a terminal, or ignored as `nohup`, a
    background job (`make test &`) and many CI runners leave it. The tests must pass in both."""
    wanted = signal.SIG_IGN if request.param == "ignored" else signal.default_int_handler
    previous = signal.signal(signal.SIGINT, wanted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def spawn_with_ctrl_c(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start `argv` so that SIGINT reaches it as Ctrl-C would, whatever this process does with
    SIGINT: an ignored signal stays ignored across exec, a handled one is reset to the default
    (and Python then installs its KeyboardInterrupt handler). Signal dispositions can only be
    changed from the main thread, where pytest runs tests."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture
def tail_process(
    mockprovider: SandboxClient, parent_sigint: None
) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """`mockprovider webhooks tail` as a process, its output read line by line; ready once it
    printed its "watching" line."""
    argv = [sys.executable, "-m", "mockprovider", "webhooks", "tail", "--interval", "0.1"]
    env = {**os.environ, "MOCKPROVIDER_URL": mockprovider.url, "PYTHONUNBUFFERED": "1"}
    process = spawn_with_ctrl_c(argv, env)
    lines = Lines(process)
    try:
        lines.wait_for("watching")
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


class Lines:
    """A process's output lines, read by a thread; `wait_for` waits with a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, *words: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {words} in {timeout} s: {self.seen}") from None
            if line is None:
                raise AssertionError(f"the process ended before printing {words}: {self.seen}")
            self.seen.append(line)
            if all(word in line for word in words):
                return line


def test_tail_streams_new_deliveries_and_stops_cleanly_on_ctrl_c(
    mockprovider: SandboxClient,
    mockprovider_receiver: WebhookReceiver,
    tail_process: tuple[subprocess.Popen[str], Lines],
) -> None:
    process, lines = tail_process
    mockprovider_receiver.respond(500)  # first attempt fails, the retry (after 30 s) succeeds
    mockprovider.complete(start_checkout(mockprovider), "success")

    failed = lines.wait_for("checkout.completed", "pending", "1 attempt (500)")
    assert "topiic" in failed
    mockprovider.advance(31)
    lines.wait_for("checkout.completed", "delivered", "2 attempts (200)")
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=10) == 0
    lines.wait_for("stopped")
    assert not any("Traceback" in line for line in lines.seen)


def test_tail_ignores_what_was_there_before(
    mockprovider: SandboxClient, tail_process: tuple[subprocess.Popen[str], Lines]
) -> None:
    _, lines = tail_process
    session = start_checkout(mockprovider)
    mockprovider.complete(session, "user_abort")

    line = lines.wait_for("checkout.failed", "delivered")
    assert line.split()[1:3] == ["topiic", "checkout.failed"]
    assert not any("checkout.completed" in seen for seen in lines.seen)
    assert httpx.get(f"{mockprovider.url}/_sandbox/health").status_code == 200
