"""Fixtures for in-process tests: the app on a memory store with a frozen clock, an httpx
client over the ASGI transport, and a receiver that captures webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.core.engine import Sandbox
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.e2e.servers import Figures
from tests.redis_server import redis_server
from tests.support import RECEIVER, SANDBOX, T0, Receiver


def pytest_configure(config: pytest.Config) -> None:
    """The end-of-run "end-to-end figures" summary (here, not in tests/e2e/conftest.py: under
    pytest-xdist only this conftest is loaded by the process that prints the summary)."""
    config.pluginmanager.register(Figures(), "mockprovider-end-to-end-figures")


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown to a run without xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist worksteal` (`make test`) cuts the test list only between modules."""
    if config.getvalue("dist") != "worksteal":
        return None
    from tests.xdist_modules import ModuleWorkStealing

    return ModuleWorkStealing(config, log)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
async def app(clock: FrozenClock, receiver: Receiver) -> AsyncIterator[Starlette]:
    """The app with its lifespan running, webhooks sent only by explicit `dispatcher.run_once()`,
    and every provider's `webhook_url` pointing at the receiver."""
    hooks = {p.name: {"webhook_url": RECEIVER} for p in all_providers()}
    config = Config(store="memory", providers=hooks)
    application = create_app(config, clock=clock, client=receiver.client(), dispatch=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def sandbox(app: Starlette) -> Sandbox:
    engine: Sandbox = app.state.sandbox
    return engine


@pytest.fixture
def dispatcher(app: Starlette) -> Dispatcher:
    sender: Dispatcher = app.state.dispatcher
    return sender


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
        yield http


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a `redis-server` started for this test session (see tests/redis_server.py)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
