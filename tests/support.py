"""Helpers shared by the test modules: a programmable webhook receiver for in-process tests,
Topiic link building, and hosted-page form scraping."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mockprovider.providers.topiic.link import build_link
from mockprovider.providers.topiic.settings import (
    SANDBOX_AKID,
    SANDBOX_MID,
    SANDBOX_PLAN,
    SANDBOX_SECRET,
)

#: What Topiic's hosted page offers, in button order: its outcomes, then the built-in scenarios.
TOPIIC_OUTCOMES = ["success", "user_abort", "capture_failure", "expiry", "closed_tab"]
TOPIIC_SCENARIOS = [
    "cancelled",
    "declined",
    "late-webhook",
    "provisioning-error",
    "redirect-lost",
    "webhook-twice",
    "wrong-signature",
]
TOPIIC_CHOICES = TOPIIC_OUTCOMES + TOPIIC_SCENARIOS

#: Frozen sandbox start: 1000 s before the spec vector's exp (1769472000).
T0 = 1_769_471_000.0
SANDBOX = "http://sandbox.test"
RECEIVER = "http://receiver.test/hooks"


@dataclass
class Receiver:
    """Captures webhook requests sent through an `httpx.MockTransport`.

    `responses` is consumed one per request (status code, or an exception to raise); when it is
    empty every request gets `default`.
    """

    requests: list[httpx.Request] = field(default_factory=list)
    responses: list[int | Exception] = field(default_factory=list)
    default: int = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0) if self.responses else self.default
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, request=request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    def bodies(self) -> list[bytes]:
        return [r.content for r in self.requests]


def topiic_payload(**overrides: Any) -> dict[str, Any]:
    """A valid Topiic deep-link payload for the sandbox's documented key (fresh nonce)."""
    payload: dict[str, Any] = {
        "akid": SANDBOX_AKID,
        "mid": SANDBOX_MID,
        "plan": SANDBOX_PLAN,
        "ref": "cust_42",
        "contact": {"fn": "Maya", "ln": "Tan", "em": "maya@example.com", "ph": "+61 422 138 904"},
        "ret": "https://app.example/subscribed?customer=42",
        "evts": ["checkout.completed", "checkout.failed"],
        "nonce": secrets.token_hex(16),
        "exp": int(T0) + 1800,
    }
    payload.update(overrides)
    return payload


def topiic_link(
    base: str = SANDBOX + "/topiic", secret: str = SANDBOX_SECRET, **overrides: Any
) -> str:
    return build_link(secret, topiic_payload(**overrides), base)


@dataclass(frozen=True)
class HostedForm:
    """What a hosted page offers: the form token, the action URL and the button values."""

    token: str
    action: str
    buttons: list[str]


def parse_form(html: str) -> HostedForm:
    token = re.search(r'name="t" value="([^"]+)"', html)
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert token is not None, "the page has no outcome form token"
    assert action is not None, "the page has no outcome form"
    buttons = re.findall(r'<button type="submit" name="outcome" value="([^"]+)"', html)
    return HostedForm(token.group(1), action.group(1), buttons)


async def wait_until(
    check: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.02
) -> Any:
    """Poll `check` (sync or async) until it returns something truthy; fail after `timeout`."""
    import asyncio
    import inspect
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)  # wait-ok: polling a condition with a deadline


def header_items(request: httpx.Request, names: Iterable[str]) -> dict[str, str]:
    return {name: request.headers[name] for name in names if name in request.headers}


#: Each redirect and webhook fault as the body of a scenario file (`{delay_ms}` is filled in).
FAULT_SCENARIOS = {
    "slow-redirect": "redirect:\n  delay: {delay_ms}ms\n",
    "no-redirect": "redirect:\n  drop: true\n",
    "no-webhook": "webhooks:\n  drop: true\n",
    "late": "webhooks:\n  delay: 2m\n",
    "twice": "webhooks:\n  duplicate: true\n",
    "bad-secret": "webhooks:\n  wrong_secret: true\n",
    "stale": "webhooks:\n  expired_timestamp: true\n",
    "stale-10m": "webhooks:\n  expired_timestamp: 10m\n",
    "reversed": "webhooks:\n  reorder: true\n",
}


def write_fault_scenarios(
    folder: Path, providers: Iterable[str], *, redirect_delay_ms: int = 1500
) -> None:
    """One file per `FAULT_SCENARIOS` entry, each ending in `success`, for each of
    `providers`, as a user's `--scenarios` folder."""
    for name, body in FAULT_SCENARIOS.items():
        for provider in providers:
            text = f"name: {name}\nprovider: {provider}\noutcome: success\n"
            text += body.format(delay_ms=redirect_delay_ms)
            (folder / f"{provider}-{name}.yaml").write_text(text)
