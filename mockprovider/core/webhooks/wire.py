"""HTTP/1.1 on the wire for the webhook transport: one request out, one response head and body in.

Strict where a mistake would mis-frame the next response on a kept-alive connection (status
line, header syntax, Content-Length, chunk sizes); anything malformed is an
`httpx.RemoteProtocolError`. Every read runs under the read timeout (`None`: no limit).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

#: How much body one read returns at most.
CHUNK = 64 * 1024
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_UNSAFE_VALUE = re.compile(rb"[\r\n\0]")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")

Header = tuple[bytes, bytes]


def encode_request(method: bytes, target: bytes, headers: Sequence[Header], body: bytes) -> bytes:
    """The request's bytes: request line, headers as given, body (chunked if the headers say
    so). A header that could split the request is refused, as h11 does."""
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    chunked = False
    for name, value in headers:
        if not _TOKEN.fullmatch(name) or _UNSAFE_VALUE.search(value):
            raise httpx.LocalProtocolError(f"invalid header {name!r}: {value!r}")
        chunked = chunked or (name.lower() == b"transfer-encoding" and b"chunked" in value.lower())
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    if chunked:
        parts += (b"%x\r\n" % len(body), body, b"\r\n0\r\n\r\n") if body else (b"0\r\n\r\n",)
    else:
        parts.append(body)
    return b"".join(parts)


@dataclass(frozen=True)
class Head:
    """A response's status line and headers (raw, in order, repeated names kept)."""

    version: bytes
    status: int
    reason: bytes
    headers: list[Header]

    def values(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k.lower() == name]


def parse_head(raw: bytes) -> Head:
    """Parse `raw` (status line and headers, up to and including the blank line)."""
    lines = raw[:-4].split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    code, _, reason = rest.partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise httpx.RemoteProtocolError(f"malformed status line {lines[0][:100]!r}")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name) or b"\n" in value or b"\r" in value:
            raise httpx.RemoteProtocolError(f"malformed header line {line[:100]!r}")
        headers.append((name, value.strip(b" \t")))
    return Head(version, int(code), reason, headers)


async def read_head(reader: asyncio.StreamReader, timeout: float | None) -> Head:
    """Read the next final response head, skipping interim 1xx ones (100, 102, 103)."""
    while True:
        async with asyncio.timeout(timeout):
            head = parse_head(await reader.readuntil(b"\r\n\r\n"))
        if not 100 <= head.status < 200 or head.status == 101:
            return head


def content_length(head: Head) -> int | None:
    """The Content-Length (repeated equal values allowed), or None if absent."""
    found = {v.strip() for v in b",".join(head.values(b"content-length")).split(b",") if v}
    if not found:
        return None
    if len(found) > 1 or not all(v.isdigit() for v in found):
        raise httpx.RemoteProtocolError(f"bad Content-Length {sorted(found)!r}")
    return int(found.pop())


class BodyReader:
    """Reads one response body: by Content-Length, chunked (trailers read and dropped) or up to
    the connection's close. `next()` returns the next piece, b"" once the body is complete."""

    def __init__(
        self, reader: asyncio.StreamReader, head: Head, method: bytes, timeout: float | None
    ) -> None:
        self.reader, self.timeout = reader, timeout
        codings = b",".join(head.values(b"transfer-encoding")).lower()
        self.chunked = codings.rsplit(b",", 1)[-1].strip() == b"chunked"
        self.length = None if codings else content_length(head)
        #: Bytes left in the body (Content-Length) or in the current chunk.
        self.left = self.length or 0
        no_body = method == b"HEAD" or head.status in (204, 304) or head.status < 200
        self.done = no_body or self.length == 0
        #: The body ends at a known point (else only the connection's close ends it).
        self.framed = no_body or self.chunked or self.length is not None

    async def next(self) -> bytes:
        """The next piece of the body; b"" once it is complete."""
        if self.done:
            return b""
        async with asyncio.timeout(self.timeout):
            if self.chunked:
                return await self._chunk()
            if self.length is None:
                data = await self.reader.read(CHUNK)
                self.done = not data
                return data
            data = await self.reader.readexactly(min(self.left, CHUNK))
            self.left -= len(data)
            self.done = not self.left
            return data

    async def _chunk(self) -> bytes:
        if not self.left:
            size = (await self.reader.readuntil(b"\r\n"))[:-2].split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size):
                raise httpx.RemoteProtocolError(f"bad chunk size {size[:40]!r}")
            self.left = int(size, 16)
            if not self.left:
                while await self.reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # a trailer field: httpx has nowhere to put it
                self.done = True
                return b""
        data = await self.reader.readexactly(min(self.left, CHUNK))
        self.left -= len(data)
        if not self.left and await self.reader.readexactly(2) != b"\r\n":
            raise httpx.RemoteProtocolError("chunk not followed by CRLF")
        return data
