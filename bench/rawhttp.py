"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for 127.0.0.1 only.

httpx costs about a millisecond of client CPU per request here (its connection pool, see
encode/httpx#3215), which made it, not the server, the bottleneck when opening tens of
thousands of sessions. This client reads exactly one response per request (Content-Length or
chunked) and nothing more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

HOST = "127.0.0.1"


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """Status, lower-cased headers and body of the next response on `reader`."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, headers, bytes(body)
    length = int(headers.get("content-length", "0") or 0)
    return status, headers, (await reader.readexactly(length) if length else b"")


def encode_request(
    method: str,
    path: str,
    port: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in {"POST", "PUT"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One keep-alive connection; reconnects after an error or a `Connection: close`."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        reader, writer = self._reader, self._writer
        writer.write(encode_request(method, path, self.port, body, headers))
        try:
            answer = await asyncio.wait_for(read_response(reader), self.timeout)
        except BaseException:
            self.close()
            raise
        if answer[1].get("connection", "").lower() == "close":
            self.close()
        return answer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
