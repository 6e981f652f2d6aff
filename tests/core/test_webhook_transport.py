"""`WebhookTransport` under `httpx.AsyncClient` against raw loopback servers started here
(`asyncio.start_server`, so each test scripts the bytes, closes and resets it needs): keep-alive,
response framing, stale connections and the one retry, timeouts and errors, TLS, cancellation
and the pool's bounds. No timing thresholds: waits poll a condition with a deadline."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import trustme

from mockprovider.core.webhooks import wire
from mockprovider.core.webhooks.transport import WebhookTransport
from tests.support import wait_until

TIMEOUT = httpx.Timeout(10.0)


def response(status: str = "200 OK", body: bytes = b"ok", *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


OK = response()


@dataclass
class Peer:
    """One accepted connection (numbered from 1)."""

    server: Loopback
    number: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def request(self) -> bytes | None:
        """Read one whole request (head and Content-Length body); None if the client left."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        raw = head + await self.reader.readexactly(length)
        self.server.requests.append((self.number, raw))
        return raw

    def send(self, raw: bytes) -> None:
        self.writer.write(raw)

    def reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0) instead of a FIN."""
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


Serve = Callable[[Peer], Awaitable[None]]


async def answer_all(peer: Peer, raw: bytes = OK) -> None:
    """Answer every request on the connection with `raw`, keeping it open."""
    while await peer.request() is not None:
        peer.send(raw)


@dataclass
class Loopback:
    """A raw HTTP/1.1 server on 127.0.0.1 running `serve` on each connection."""

    serve: Serve
    connections: int = 0
    open_now: int = 0
    max_open: int = 0
    #: (connection number, raw request) for every whole request read.
    requests: list[tuple[int, bytes]] = field(default_factory=list)
    peers: list[Peer] = field(default_factory=list)
    server: asyncio.Server | None = None
    url: str = ""

    async def start(self, tls: ssl.SSLContext | None = None) -> Loopback:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0, ssl=tls)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        peer = Peer(self, self.connections, reader, writer)
        self.peers.append(peer)
        try:
            await self.serve(peer)
        except ConnectionError:
            pass
        finally:
            self.open_now -= 1
            writer.transport.abort()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for peer in self.peers:
            peer.writer.transport.abort()
        await wait_until(lambda: self.open_now == 0)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Loopback]]]:
    """Start loopback servers: `await serve(handler, tls=None)`; all closed at teardown."""
    started: list[Loopback] = []

    async def start(handler: Serve = answer_all, tls: ssl.SSLContext | None = None) -> Loopback:
        started.append(await Loopback(handler).start(tls))
        return started[-1]

    yield start
    for server in started:
        await server.close()


@pytest.fixture
async def transport() -> AsyncIterator[WebhookTransport]:
    sender = WebhookTransport(max_connections=4, max_keepalive=2)
    yield sender
    await sender.aclose()


@pytest.fixture
async def client(transport: WebhookTransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        http.headers.clear()
        yield http


def pooled(transport: WebhookTransport) -> int:
    return sum(len(conns) for conns in transport.pool.idle.values())


# -- keep-alive and framing --------------------------------------------------------------------


async def test_sequential_requests_share_one_connection_and_send_the_body_as_given(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    server = await serve()
    for n in range(5):
        answer = await client.post(f"{server.url}/hooks?n={n}", content=b'{"n":%d}' % n)
        assert (answer.status_code, answer.content) == (200, b"ok")
    assert server.connections == 1
    first = server.requests[0][1]
    port = server.url.rsplit(":", 1)[1]
    assert first == f"POST /hooks?n=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode() + (
        b'Content-Length: 7\r\n\r\n{"n":0}'
    )
    assert [conn for conn, _ in server.requests] == [1] * 5


async def test_an_idle_connection_past_its_keepalive_expiry_is_not_reused(
    serve: Callable[..., Awaitable[Loopback]],
) -> None:
    server = await serve()
    async with httpx.AsyncClient(transport=WebhookTransport(keepalive_expiry=0.0)) as http:
        for _ in range(2):
            assert (await http.post(server.url, content=b"x")).content == b"ok"
    assert server.connections == 2


async def test_a_large_content_length_body_is_read_whole(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    body = bytes(range(256)) * 1000  # several reads' worth
    server = await serve(lambda peer: answer_all(peer, response("200 OK", body)))
    assert (await client.post(server.url, content=b"x")).content == body
    assert (await client.post(server.url, content=b"y")).content == body
    assert server.connections == 1


async def test_a_chunked_body_with_extensions_and_trailers_keeps_the_connection_in_step(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n"
    )
    server = await serve(lambda peer: answer_all(peer, chunked))
    for _ in range(3):
        assert (await client.post(server.url, content=b"x")).content == b"hello, world"
    assert server.connections == 1


async def test_a_body_delimited_by_close_is_read_to_the_end_and_not_reused(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    async def until_close(peer: Peer) -> None:
        await peer.request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of ")
        await peer.writer.drain()
        peer.send(b"this until the close")
        peer.writer.close()

    server = await serve(until_close)
    assert (await client.post(server.url, content=b"x")).content == b"all of this until the close"
    assert (await client.post(server.url, content=b"x")).status_code == 200
    assert server.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        response("200 OK", b"ok", "Connection: close"),
        response("200 OK", b"ok", "Connection: Keep-Alive, Close"),
        OK.replace(b"HTTP/1.1", b"HTTP/1.0"),
    ],
    ids=["connection-close", "close-among-tokens", "http-1.0"],
)
async def test_a_connection_the_response_ends_is_not_reused(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient, answer: bytes
) -> None:
    server = await serve(lambda peer: answer_all(peer, answer))  # the server itself stays open
    for _ in range(2):
        assert (await client.post(server.url, content=b"x")).content == b"ok"
    assert server.connections == 2


async def test_bodiless_responses_leave_the_connection_in_step(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    answers = [
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK,
        b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",  # to the HEAD
    ]

    async def scripted(peer: Peer) -> None:
        for raw in answers:
            await peer.request()
            peer.send(raw)
        await answer_all(peer)

    server = await serve(scripted)
    got = [await client.post(server.url, content=b"x") for _ in range(3)]
    got.append(await client.head(server.url))
    got.append(await client.post(server.url, content=b"x"))
    assert [(r.status_code, r.content) for r in got] == [
        (204, b""),
        (304, b""),
        (200, b"ok"),
        (200, b""),
        (200, b"ok"),
    ]
    assert server.connections == 1


async def test_repeated_response_headers_are_kept_in_order(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    raw = response("201 Created", b"", "Set-Cookie: a=1", "X-Tag: one", "set-cookie: b=2")
    server = await serve(lambda peer: answer_all(peer, raw))
    answer = await client.post(server.url, content=b"x")
    assert answer.status_code == 201
    assert answer.reason_phrase == "Created"
    assert answer.http_version == "HTTP/1.1"
    assert answer.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert answer.headers.raw[:3] == [
        (b"Set-Cookie", b"a=1"),
        (b"X-Tag", b"one"),
        (b"set-cookie", b"b=2"),
    ]


async def test_a_redirect_is_returned_and_only_the_client_layer_follows_it(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    moved = response("302 Found", b"", "Location: /elsewhere")

    async def redirect_once(peer: Peer) -> None:
        while (raw := await peer.request()) is not None:
            peer.send(OK if raw.startswith(b"GET /elsewhere") else moved)

    server = await serve(redirect_once)
    answer = await client.post(f"{server.url}/hook", content=b"x", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (302, "/elsewhere")
    assert len(server.requests) == 1
    followed = await client.post(f"{server.url}/hook", content=b"x", follow_redirects=True)
    assert (followed.status_code, str(followed.url)) == (200, f"{server.url}/elsewhere")
    assert len(server.requests) == 3


# -- stale connections, never resent ---------------------------------------------------------


async def test_an_idle_connection_the_server_closed_is_dropped_before_reuse(
    serve: Callable[..., Awaitable[Loopback]],
    client: httpx.AsyncClient,
    transport: WebhookTransport,
) -> None:
    async def one_then_close(peer: Peer) -> None:
        await peer.request()
        peer.send(OK)
        await peer.writer.drain()
        peer.writer.close()

    server = await serve(one_then_close)
    await client.post(server.url, content=b"first")
    [idle] = next(iter(transport.pool.idle.values()))
    await wait_until(idle.reader.at_eof)  # the FIN has arrived while the connection idled

    assert (await client.post(server.url, content=b"second")).status_code == 200
    assert [(conn, raw.rsplit(b"\n", 1)[1]) for conn, raw in server.requests] == [
        (1, b"first"),
        (2, b"second"),
    ]


async def test_a_reused_connection_closed_under_the_request_is_an_error_not_a_resend(
    serve: Callable[..., Awaitable[Loopback]],
    client: httpx.AsyncClient,
    transport: WebhookTransport,
) -> None:
    """The close races the request: the server drops the connection as the next request's
    first bytes arrive. Like httpcore, the transport reports it and sends nothing again (a
    receiver that did read a request must see it as exactly one recorded attempt); the
    request after it goes out on a new connection."""

    async def close_on_second(peer: Peer) -> None:
        if peer.number == 1:
            await peer.request()
            peer.send(OK)
            await peer.reader.read(1)  # the next request has begun to arrive
            peer.reset()
        else:
            await answer_all(peer)

    server = await serve(close_on_second)
    await client.post(server.url, content=b"first")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        await client.post(server.url, content=b"second")
    assert (await client.post(server.url, content=b"third")).content == b"ok"
    assert [(conn, raw.rsplit(b"\n", 1)[1]) for conn, raw in server.requests] == [
        (1, b"first"),
        (2, b"third"),
    ]


async def test_a_reset_on_a_fresh_connection_is_an_error_and_not_retried(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    async def read_then_reset(peer: Peer) -> None:
        await peer.request()
        peer.reset()

    server = await serve(read_then_reset)
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        await client.post(server.url, content=b"x")
    assert (server.connections, len(server.requests)) == (1, 1)


async def test_a_reused_connection_failing_after_response_bytes_is_not_retried(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient
) -> None:
    async def half_an_answer(peer: Peer) -> None:
        await peer.request()
        peer.send(OK)
        await peer.request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Le")
        await peer.writer.drain()
        peer.writer.close()

    server = await serve(half_an_answer)
    await client.post(server.url, content=b"x")
    with pytest.raises(httpx.RemoteProtocolError, match="middle of the response"):
        await client.post(server.url, content=b"y")
    assert (server.connections, len(server.requests)) == (1, 2)


async def test_a_body_cut_short_is_an_error_and_the_connection_is_not_pooled(
    serve: Callable[..., Awaitable[Loopback]],
    client: httpx.AsyncClient,
    transport: WebhookTransport,
) -> None:
    async def short(peer: Peer) -> None:
        await peer.request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await peer.writer.drain()
        peer.writer.close()

    server = await serve(short)
    with pytest.raises(httpx.RemoteProtocolError, match="response body"):
        await client.post(server.url, content=b"x")
    assert (transport.pool.count, pooled(transport)) == (0, 0)


# -- errors and timeouts -----------------------------------------------------------------------


async def hang(peer: Peer) -> None:
    """Read the request, never answer; return when the client hangs up."""
    await peer.request()
    await peer.reader.read()


async def test_a_server_that_does_not_answer_in_time_is_a_read_timeout(
    serve: Callable[..., Awaitable[Loopback]],
    client: httpx.AsyncClient,
    transport: WebhookTransport,
) -> None:
    server = await serve(hang)
    with pytest.raises(httpx.ReadTimeout):
        await client.post(server.url, content=b"x", timeout=httpx.Timeout(10.0, read=0.05))
    assert (transport.pool.count, pooled(transport)) == (0, 0)
    await wait_until(lambda: server.open_now == 0)  # the client closed its end


async def test_a_refused_connection_is_a_connect_error(client: httpx.AsyncClient) -> None:
    with socket.socket() as bound:  # bound, never listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        with pytest.raises(httpx.ConnectError, match=r"refused|111|Connect call failed"):
            await client.post(f"http://127.0.0.1:{port}/", content=b"x")


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 2OO OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["status-code", "protocol", "header-name", "content-length", "chunk-size"],
)
async def test_a_malformed_response_is_a_remote_protocol_error(
    serve: Callable[..., Awaitable[Loopback]], client: httpx.AsyncClient, answer: bytes
) -> None:
    server = await serve(lambda peer: answer_all(peer, answer))
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(server.url, content=b"x")
    assert len(server.requests) == 1


async def test_a_header_that_would_split_the_request_is_refused_before_sending() -> None:
    with pytest.raises(httpx.LocalProtocolError):
        wire.encode_request(b"POST", b"/", [(b"X-Sig", b"a\r\nInjected: 1")], b"")
    chunked = wire.encode_request(b"POST", b"/", [(b"Transfer-Encoding", b"chunked")], b"abc")
    assert chunked.endswith(b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n")


async def test_an_unsupported_scheme_is_refused(client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.UnsupportedProtocol):
        await client.post("ftp://127.0.0.1/x", content=b"x")


# -- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


async def test_https_round_trip_verifies_the_receivers_certificate(
    serve: Callable[..., Awaitable[Loopback]], ca: trustme.CA
) -> None:
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    server = await serve(answer_all, tls=server_side)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    transport = WebhookTransport(ssl_context=trusting)
    async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        for _ in range(2):
            assert (await http.post(f"{server.url}/hook", content=b"x")).content == b"ok"
    assert server.connections == 1
    async with httpx.AsyncClient(transport=WebhookTransport(), timeout=TIMEOUT) as default:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await default.post(f"{server.url}/hook", content=b"x")  # the CA is not certifi's


# -- cancellation, pool bounds, closing ---------------------------------------------------------


async def test_a_cancelled_request_closes_its_connection(
    serve: Callable[..., Awaitable[Loopback]],
    client: httpx.AsyncClient,
    transport: WebhookTransport,
) -> None:
    server = await serve(hang)
    task = asyncio.create_task(client.post(server.url, content=b"x"))
    await wait_until(lambda: server.requests)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (transport.pool.count, pooled(transport)) == (0, 0)
    await wait_until(lambda: server.open_now == 0)


async def test_concurrent_requests_never_open_more_connections_than_the_bound(
    serve: Callable[..., Awaitable[Loopback]],
) -> None:
    """30 requests at once, at most 20 connections: the server holds every answer until 20
    requests are in flight (so the bound is reached), then the rest reuse connections."""
    in_flight: list[Peer] = []
    full = asyncio.Event()

    async def gated(peer: Peer) -> None:
        while await peer.request() is not None:
            in_flight.append(peer)
            if len(in_flight) >= 20:
                full.set()
            await full.wait()
            peer.send(OK)

    server = await serve(gated)
    transport = WebhookTransport(max_connections=20, max_keepalive=10)
    async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        sent = [http.post(server.url, content=b"%d" % n) for n in range(30)]
        answers = await asyncio.gather(*sent)
        assert [a.status_code for a in answers] == [200] * 30
        assert server.max_open == 20
        assert len(server.requests) == 30
        assert pooled(transport) <= 10
    assert transport.pool.count == 0  # the client's close closed the transport


async def test_waiting_longer_than_the_pool_timeout_for_a_connection_is_a_pool_timeout(
    serve: Callable[..., Awaitable[Loopback]],
) -> None:
    server = await serve(hang)
    transport = WebhookTransport(max_connections=1)
    async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        held = asyncio.create_task(http.post(server.url, content=b"x"))
        await wait_until(lambda: server.requests)
        with pytest.raises(httpx.PoolTimeout):
            await http.post(server.url, content=b"y", timeout=httpx.Timeout(10.0, pool=0.05))
        held.cancel()
        with pytest.raises(asyncio.CancelledError):
            await held
    assert len(server.requests) == 1


async def test_aclose_closes_every_pooled_connection(
    serve: Callable[..., Awaitable[Loopback]], transport: WebhookTransport
) -> None:
    servers = [await serve(), await serve()]
    async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        for server in servers:
            await http.post(server.url, content=b"x")
        assert (transport.pool.count, pooled(transport)) == (2, 2)
    assert (transport.pool.count, pooled(transport)) == (0, 0)
    await wait_until(lambda: all(server.open_now == 0 for server in servers))
