"""A webhook receiver that answers `200` as fast as it can and remembers when each event arrived.

Raw asyncio (uvloop when installed), HTTP/1.1 keep-alive, stdlib parsing. Every request except
the two control paths is counted as a delivery: the arrival time (`time.monotonic()`, the same
clock in every process of this machine) is kept per `sessionId` found in the JSON body (Topiic's
`data.sessionId`), so the driver can match arrivals to the outcome POSTs it sent.

Control paths: `GET /_arrivals` → `{"total": n, "arrivals": {sessionId: t}}`;
`POST /_reset` forgets everything. Requests to `/hold` are read and never answered (until the
sender hangs up): a webhook URL that queues deliveries without letting them complete, so the
outcome-POST benchmark measures the POST path while the dispatcher waits on at most its
concurrency of requests. Only 127.0.0.1 is served.

    python bench/receiver.py --port 18902
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import time

SESSION_RE = re.compile(rb'"sessionId"\s*:\s*"([^"]+)"')
MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.total = 0
        self.held = 0

    def reply_json(self, value: object) -> bytes:
        body = json.dumps(value).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        return head.encode() + b"\r\n\r\n" + body

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if len(head) > MAX_HEAD:
                    return
                request_line, _, rest = head.partition(b"\r\n")
                headers: dict[bytes, bytes] = {}
                for line in rest[:-4].split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get(b"content-length") or b"0")
                close = headers.get(b"connection", b"").lower() == b"close"
                if length > MAX_BODY:
                    return
                body = await reader.readexactly(length) if length else b""
                reply = self.answer(request_line, headers, body)
                if reply is None:  # /hold: never answer; wait for the sender to hang up
                    self.held += 1
                    await reader.read()
                    return
                writer.write(reply)
                if close:
                    await writer.drain()
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return
        except ValueError:
            return
        finally:
            writer.close()

    def answer(self, request_line: bytes, headers: dict[bytes, bytes], body: bytes) -> bytes | None:
        """The reply to one request (`headers`: lower-cased names); None: never answer."""
        parts = request_line.split()
        method, path = (parts[0], parts[1]) if len(parts) >= 2 else (b"", b"")
        if path == b"/hold":
            return None
        if method == b"GET" and path == b"/_arrivals":
            return self.reply_json(
                {"total": self.total, "held": self.held, "arrivals": self.arrivals}
            )
        if method == b"POST" and path == b"/_reset":
            self.arrivals.clear()
            self.total = self.held = 0
            return self.reply_json({"status": "reset"})
        now = time.monotonic()
        self.total += 1
        match = SESSION_RE.search(body)
        if match:
            self.arrivals.setdefault(match.group(1).decode(errors="replace"), now)
        return OK


async def serve(port: int) -> None:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        try:
            import uvloop
        except ImportError:  # plain asyncio still answers in well under a millisecond
            asyncio.run(serve(args.port))
        else:
            uvloop.run(serve(args.port))


if __name__ == "__main__":
    main()
