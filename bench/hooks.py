"""The full flow's webhook receiver: verifies every Gigs event and wakes the flow it belongs to.

It runs inside the load driver's event loop (one process on the load CPU, no polling): the
HTTP handling is `receiver.Receiver`'s; each request on `/gigs-hooks` is verified with the
independent `standardwebhooks` package (Svix / Standard Webhooks: HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{body}` with the base64-decoded `whsec_` secret, timestamp
within 5 minutes), then matched to its flow by `data.user`. It always answers 200, so a bad
event is counted, not retried. Counted as errors: `missing_signature`, `bad_signature`,
`duplicate_webhook` (a `webhook-id` seen before), `unexpected_webhook` (no flow waits for it,
or an event type it does not expect). Events for a flow that already failed are only counted.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import standardwebhooks
from receiver import OK, Receiver

PATH = b"/gigs-hooks"
SVIX = ("webhook-id", "webhook-timestamp", "webhook-signature")


@dataclass
class Pending:
    """What one flow still waits for: its event types; arrival times and `data` of each."""

    want: frozenset[str]
    arrivals: dict[str, float] = field(default_factory=dict)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class HookReceiver(Receiver):
    def __init__(self, secret: str = "") -> None:
        super().__init__()
        self.webhook = standardwebhooks.Webhook(secret) if secret else None
        self.pending: dict[str, Pending] = {}
        self.failed: set[str] = set()
        self.ids: set[str] = set()
        self.errors: Counter[str] = Counter()
        self.after_failure = 0
        self.writers: set[asyncio.StreamWriter] = set()
        self.events = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            await super().handle(reader, writer)
        finally:
            self.writers.discard(writer)

    async def close(self) -> None:
        """Hang up on the senders' keep-alive connections; let the handlers end."""
        for writer in list(self.writers):
            writer.close()
        for _ in range(100):
            if not self.writers:
                return
            await asyncio.sleep(0.01)

    def use_secret(self, secret: str) -> None:
        """The endpoint's `whsec_…` secret, as the sandbox's settings give it."""
        self.webhook = standardwebhooks.Webhook(secret)

    def expect(self, user: str, events: tuple[str, ...]) -> Pending:
        """Register a flow before its first request (its first event may beat the answer)."""
        pending = Pending(frozenset(events))
        self.pending[user] = pending
        return pending

    def forget(self, user: str, failed: bool) -> None:
        self.pending.pop(user, None)
        if failed:
            self.failed.add(user)

    def answer(self, request_line: bytes, headers: dict[bytes, bytes], body: bytes) -> bytes | None:
        parts = request_line.split()
        if len(parts) < 2 or parts[1] != PATH:
            return super().answer(request_line, headers, body)
        now = time.monotonic()
        self.events += 1
        given = {name: headers.get(name.encode(), b"").decode("latin-1") for name in SVIX}
        if self.webhook is None:
            self.errors["no_secret_yet"] += 1
            return OK
        if not all(given.values()):
            self.errors["missing_signature"] += 1
            return OK
        try:
            event = self.webhook.verify(body, given)
        except (standardwebhooks.WebhookVerificationError, ValueError):  # ValueError: not JSON
            self.errors["bad_signature"] += 1
            return OK
        if given["webhook-id"] in self.ids:
            self.errors["duplicate_webhook"] += 1
            return OK
        self.ids.add(given["webhook-id"])
        self.arrived(event, now)
        return OK

    def arrived(self, event: Any, now: float) -> None:
        data = event.get("data") if isinstance(event, dict) else None
        user = str(data.get("user")) if isinstance(data, dict) else ""
        kind = str(event.get("type")) if isinstance(event, dict) else ""
        pending = self.pending.get(user)
        if pending is None or kind not in pending.want or kind in pending.arrivals:
            if user in self.failed:
                self.after_failure += 1
            else:
                self.errors["unexpected_webhook"] += 1
            return
        assert isinstance(data, dict)
        pending.arrivals[kind] = now
        pending.data[kind] = data
        if len(pending.arrivals) == len(pending.want):
            pending.done.set()


async def serve(receiver: HookReceiver) -> tuple[asyncio.Server, str]:
    """Listen on a free loopback port in the running loop; (server, webhook URL)."""
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}{PATH.decode()}"
