"""The plugin's `WebhookReceiver` (also the base of the end-to-end tests' receiver): it records
every request, answers as told, answers late with `delay`, and `wait_for` blocks until the
requests a test expects have arrived."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from mockprovider.testing import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as found:
        yield found


def test_wait_for_returns_once_the_requests_arrived_from_another_thread(
    receiver: WebhookReceiver,
) -> None:
    def send() -> None:
        for n in range(3):
            httpx.post(receiver.url_for("gigs"), content=f"event {n}".encode())

    sender = threading.Thread(target=send)
    sender.start()
    found = receiver.wait_for(2, where=lambda r: r.body != b"event 0")
    sender.join()
    assert [r.body for r in found] == [b"event 1", b"event 2"]
    assert {r.path for r in found} == {"/gigs"}


def test_wait_for_times_out_naming_what_did_arrive(receiver: WebhookReceiver) -> None:
    receiver.respond(503)
    httpx.post(receiver.url_for("bridge"), content=b"{}")
    with pytest.raises(TimeoutError, match=r"expected 2 request\(s\).*POST /bridge → 503"):
        receiver.wait_for(2, timeout=0.05)


def test_delay_answers_late_after_recording_the_request(receiver: WebhookReceiver) -> None:
    receiver.delay = 2.0
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(receiver.url_for("topiic"), content=b"slow", timeout=0.2)
    [request] = receiver.received("topiic")
    assert request.body == b"slow"
    receiver.clear()
    assert receiver.delay == 0.0


def test_a_sender_hanging_up_prints_no_traceback(
    receiver: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    """A webhook send cut off (timed out, cancelled by a reset) reaches the receiver's thread as
    a connection error; socketserver would print its traceback to the current stderr."""
    server = receiver._server
    for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
        try:
            raise error
        except ConnectionError:
            server.handle_error(None, ("127.0.0.1", 40000))
    try:
        raise ValueError("a real bug")
    except ValueError:
        server.handle_error(None, ("127.0.0.1", 40001))

    printed = capsys.readouterr().err
    assert "BrokenPipeError" not in printed
    assert "ConnectionResetError" not in printed
    assert "ValueError: a real bug" in printed  # anything else is still reported
    assert httpx.post(receiver.url_for("gigs"), content=b"{}").status_code == 200
