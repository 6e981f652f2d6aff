"""What the per-provider `trigger.py` modules share: the type of a start function, the error
they raise when the provider's API refuses, and small helpers.

A start function creates one session through the provider's own API, as an integrator's
backend would, with the sandbox credentials from the provider's settings, and returns the
sandbox session id (`mockprovider trigger` then completes it through the control API).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from mockprovider.errors import MockProviderError

#: `start(http, settings) -> session id`; `http` has the sandbox URL as its base URL.
Starter = Callable[[httpx.AsyncClient, Mapping[str, Any]], Awaitable[str]]


class TriggerRefused(MockProviderError):
    """The provider's API did not create the session."""


def return_url(http: httpx.AsyncClient) -> str:
    """Where a triggered session sends the browser back: the sandbox's own dashboard."""
    return f"{str(http.base_url).rstrip('/')}/_sandbox/"


def answer(response: httpx.Response, status: int, what: str) -> Any:
    """The JSON body of `response` if it has `status`, else a one-line `TriggerRefused`."""
    if response.status_code != status:
        detail = " ".join(response.text.split())[:300]
        raise TriggerRefused(f"{what} answered HTTP {response.status_code}: {detail}")
    return response.json()


async def sandbox_now(http: httpx.AsyncClient) -> float:
    """The sandbox clock (it may have been advanced), in Unix seconds."""
    now: float = answer(await http.get("/_sandbox/clock"), 200, "GET /_sandbox/clock")["now"]
    return now
