"""An in-process app with the dispatcher running and webhooks captured, for tenant tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from tests.support import RECEIVER, T0, Receiver

Make = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def app(receiver: Receiver) -> AsyncIterator[Starlette]:
    """The suite's `app`, but with its dispatcher running and only Topiic's webhooks set."""
    config = Config(store="memory", providers={"topiic": {"webhook_url": RECEIVER}})
    app = create_app(config, clock=FrozenClock(T0), client=receiver.client())
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def http(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The suite's in-process `client`, over this folder's `app`."""
    return client


@pytest.fixture
def make_tenant(http: httpx.AsyncClient) -> Make:
    """`await make_tenant("a", hook="…")`: a tenant sharing the default credentials whose
    Topiic webhooks go to `RECEIVER + "/<name>"`."""

    async def make(name: str, **body: Any) -> dict[str, Any]:
        settings = {"topiic": {"webhook_url": f"{RECEIVER}/{name}"}}
        payload = {"name": name, "shared_credentials": True, "settings": settings, **body}
        answer = await http.post("/_sandbox/tenants", json=payload)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    return make
