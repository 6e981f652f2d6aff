"""Helpers shared by the Gigs test modules: create sessions through the API, open the one-off
url, press hosted-page buttons or pick outcomes headlessly, and verify Svix signatures with the
independent `standardwebhooks` package."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import httpx
import standardwebhooks
import standardwebhooks.webhooks

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.gigs.settings import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET
from tests.support import SANDBOX, parse_form

API = "/gigs/projects/gigs/connectSessions"
AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
PLAN = "pln_0SNlurA049MEWV3V0q7gjQbM4EVo"
USER = "usr_0SNlurA049MEWV4OpCwsNyC9Kn2d"
CHECKOUT = {"type": "checkoutNewSubscription", "checkoutNewSubscription": {"plan": PLAN}}
CALLBACK = "https://example.com/link"
PATHS = ("button", "api")


@dataclass(frozen=True)
class Finished:
    """What an outcome did: the browser's redirect (None when it stayed) and the response."""

    session_id: str
    location: str | None
    response: httpx.Response


async def create(
    client: httpx.AsyncClient, body: Mapping[str, Any] | None = None, **fields: Any
) -> httpx.Response:
    """POST a Connect Session (default: checkout of PLAN back to CALLBACK)."""
    payload = dict(body) if body is not None else {"intent": CHECKOUT, "callbackUrl": CALLBACK}
    payload.update(fields)
    return await client.post(API, json=payload, headers=AUTH)


async def new_session(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await create(client, **fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def open_url(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """GET the one-off url as a browser would (redirects not followed)."""
    assert url.startswith(SANDBOX + "/gigs/checkout/entry?")
    return await client.get(url)


async def choose(client: httpx.AsyncClient, session_id: str, outcome: str) -> httpx.Response:
    return await client.post(f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": outcome})


async def press(client: httpx.AsyncClient, page_url: str, outcome: str) -> httpx.Response:
    """Load the hosted page and press the button `outcome` (the form parsed from the page)."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    assert outcome in form.buttons, form.buttons
    return await client.post(form.action, data={"t": form.token, "outcome": outcome})


async def finish(client: httpx.AsyncClient, path: str, outcome: str, **fields: Any) -> Finished:
    """Create a session, then pick `outcome` by its button (after opening the url) or
    through the control API."""
    created = await new_session(client, **fields)
    if path == "button":
        entry = await open_url(client, created["url"])
        assert entry.status_code == 303, entry.text
        response = await press(client, entry.headers["location"], outcome)
        location = response.headers.get("location")
        assert response.status_code == (303 if location else 200), response.text
    else:
        response = await choose(client, created["id"], outcome)
        assert response.status_code == 200, response.text
        location = response.json()["redirect_url"]
    return Finished(created["id"], location, response)


async def deliveries(client: httpx.AsyncClient, session_id: str) -> list[dict[str, Any]]:
    response = await client.get("/_sandbox/webhooks", params={"session_id": session_id})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["webhooks"]
    return found[::-1]  # the control API lists newest first


async def session_view(client: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    response = await client.get(f"/_sandbox/sessions/{session_id}")
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


async def session_count(client: httpx.AsyncClient) -> int:
    response = await client.get("/_sandbox/sessions", params={"provider": "gigs"})
    return len(response.json()["sessions"])


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text


async def put_settings(client: httpx.AsyncClient, **values: Any) -> None:
    response = await client.put("/_sandbox/providers/gigs/settings", json=values)
    assert response.status_code == 200, response.text


async def deliver_due(dispatcher: Dispatcher, clock: FrozenClock) -> int:
    """Send everything due now, after stepping the frozen clock 10 ms (less than a second, so
    webhook-timestamp is unchanged)."""
    clock.advance(0.01)
    return await dispatcher.run_once()


def body_of(request: httpx.Request) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(request.content)
    return parsed


@contextmanager
def svix_now(now: float) -> Iterator[None]:
    """Make `standardwebhooks`' 5-minute tolerance check read sandbox time `now`."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls.fromtimestamp(now, tz=tz or UTC)

    with mock.patch.object(standardwebhooks.webhooks, "datetime", Frozen):
        yield


def svix_verify(
    headers: Mapping[str, str], body: bytes, now: float, secret: str = SANDBOX_WEBHOOK_SECRET
) -> Any:
    """Verify with the PyPI `standardwebhooks` package (raises WebhookVerificationError)."""
    wanted = {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    with svix_now(now):
        return standardwebhooks.Webhook(secret).verify(body, wanted)
