"""`POST /_sandbox/reset` while a webhook is in flight: the send is cancelled before the answer,
so nothing of the forgotten outbox reaches the receiver afterwards (the pytest plugin resets
between tests, and a late webhook of the last test must not land in the next one's receiver)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.support import RECEIVER, SANDBOX, T0, topiic_link, wait_until


class HangingReceiver:
    """Never answers; records which requests started and which were cancelled."""

    def __init__(self) -> None:
        self.started: list[bytes] = []
        self.cancelled: list[bytes] = []

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.started.append(request.content)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.append(request.content)
            raise
        return httpx.Response(200)  # pragma: no cover - never reached


@pytest.fixture
async def hanging() -> HangingReceiver:
    return HangingReceiver()


@pytest.fixture
async def running(hanging: HangingReceiver) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    hooks = {p.name: {"webhook_url": RECEIVER} for p in all_providers()}
    client = httpx.AsyncClient(transport=httpx.MockTransport(hanging.handler))
    app = create_app(Config(store="memory", providers=hooks), clock=FrozenClock(T0), client=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            yield app, http


async def test_reset_cancels_the_webhook_in_flight_and_nothing_is_sent_after_it(
    running: tuple[Starlette, httpx.AsyncClient], hanging: HangingReceiver
) -> None:
    app, http = running
    entry = await http.get(topiic_link())
    session_id = urlsplit(entry.headers["location"]).path.rsplit("/", 1)[1]
    done = await http.post(f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": "success"})
    assert done.status_code == 200, done.text
    await wait_until(lambda: hanging.started)

    reset = await http.post("/_sandbox/reset")

    assert reset.status_code == 200
    assert hanging.cancelled == hanging.started  # ended before the reset answered
    dispatcher: Dispatcher = app.state.dispatcher
    dispatcher.wake()
    assert await dispatcher.run_once() == 0  # nothing of the old outbox is left to send
    assert (await http.get("/_sandbox/webhooks")).json() == {"webhooks": []}
