"""`Webhook`: what `SandboxClient.wait_for_webhook` returns."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockprovider.testing.receiver import Received


@dataclass(frozen=True)
class Webhook:
    """A delivered webhook: the delivery as `/_sandbox/webhooks` shows it (`delivery`) and, when
    it went to the receiver, the request the receiver recorded (`request`)."""

    delivery: dict[str, Any]
    request: Received | None = None

    @property
    def event_type(self) -> str:
        return str(self.delivery["event_type"])

    @property
    def session_id(self) -> str | None:
        value = self.delivery.get("session_id")
        return None if value is None else str(value)

    @property
    def body(self) -> bytes:
        """The raw body as sent (byte for byte what a signature covers)."""
        return self.request.body if self.request else str(self.delivery["body"]).encode()

    def header(self, name: str) -> str | None:
        """A header of the request as received (or of the last attempt), case-insensitive."""
        if self.request is not None:
            return self.request.header(name)
        wanted = name.lower()
        headers: Mapping[str, str] = self.delivery.get("headers") or {}
        return next((v for k, v in headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)
