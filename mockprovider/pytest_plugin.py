"""pytest fixtures for test suites that talk to mockprovider (loaded by the `pytest11` entry
point, so installing mockprovider is enough).

* `mockprovider_server` (session): a live sandbox on a free 127.0.0.1 port, in-memory store,
  uvicorn in a background thread; `.url`. Override `mockprovider_config` (session) to change
  its `Config`, e.g. to add `scenario_dirs`.
* `mockprovider_admin_token` (session): the token the client sends to the control API;
  default `mockprovider_config.admin_token` (None: the live server is open).
* `mockprovider` (function): the sandbox reset for this test, as a `SandboxClient`
  (`base_url(provider)`, `settings`, `complete`, `sessions`, `session`, `webhooks`,
  `wait_for_webhook`, `advance`, `reset`, `http`).
* `mockprovider_receiver` (function): the webhook receiver every provider's `webhook_url`
  points at, emptied for this test (`received()`, `respond(500, …)`).
* `@pytest.mark.mockprovider(settings={"topiic": {...}}, scenario="declined")`: settings
  applied after each reset, and the choice `complete(session_id)` makes when given none.

Everything but pytest is imported on first use, so the plugin costs nothing in suites that do
not use it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockprovider.config import Config
    from mockprovider.testing import LiveServer, SandboxClient, WebhookReceiver

MARKER = (
    "mockprovider(settings=None, scenario=None): per-test sandbox settings "
    '({"provider": {key: value}}, applied after each reset) and the default choice of '
    "complete() (an outcome or scenario name)"
)
MARKER_KEYS = frozenset({"settings", "scenario"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def _marked(node: pytest.Item) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The markers' settings and scenario; the closest marker wins (function over class)."""
    settings: dict[str, dict[str, Any]] = {}
    scenario: str | None = None
    for mark in reversed(list(node.iter_markers("mockprovider"))):
        unknown = sorted(set(mark.kwargs) - MARKER_KEYS)
        if mark.args or unknown:
            pytest.fail(
                "@pytest.mark.mockprovider takes only settings={provider: {key: value}} and "
                f"scenario=NAME keywords, got args={mark.args!r} keywords={unknown}",
                pytrace=False,
            )
        given = mark.kwargs.get("settings") or {}
        if not isinstance(given, Mapping) or not all(
            isinstance(v, Mapping) for v in given.values()
        ):
            pytest.fail(
                "@pytest.mark.mockprovider(settings=…) must map provider names to dicts of "
                f'settings, e.g. {{"<provider>": {{"<setting>": "<value>"}}}}, got {given!r}',
                pytrace=False,
            )
        for provider, values in given.items():
            settings.setdefault(provider, {}).update(values)
        if mark.kwargs.get("scenario") is not None:
            scenario = str(mark.kwargs["scenario"])
    return settings, scenario


@pytest.fixture(scope="session")
def mockprovider_config() -> Config:
    """The live server's configuration: an in-memory store and the built-in scenarios."""
    from mockprovider.config import Config

    return Config(store="memory")


@pytest.fixture(scope="session")
def mockprovider_server(mockprovider_config: Config) -> Iterator[LiveServer]:
    """One live sandbox for the whole test session, stopped at its end."""
    from mockprovider.testing import LiveServer

    server = LiveServer(mockprovider_config).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mockprovider_receiver_server() -> Iterator[WebhookReceiver]:
    """The webhook receiver's server for the whole session (use `mockprovider_receiver`)."""
    from mockprovider.testing import WebhookReceiver

    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="session")
def mockprovider_admin_token(mockprovider_config: Config) -> str | None:
    """The token `mockprovider` sends to the control API: the config's admin token."""
    return mockprovider_config.admin_token


@pytest.fixture
def mockprovider(
    request: pytest.FixtureRequest,
    mockprovider_server: LiveServer,
    mockprovider_receiver_server: WebhookReceiver,
    mockprovider_admin_token: str | None,
) -> SandboxClient:
    """The live sandbox, reset for this test: every provider's `webhook_url` points at the
    receiver, then the marker's settings are applied."""
    from mockprovider.testing import SandboxClient

    settings, scenario = _marked(request.node)
    client = SandboxClient(
        mockprovider_server.url,
        mockprovider_receiver_server,
        preset=settings,
        scenario=scenario,
        http=mockprovider_server.http,
        providers=mockprovider_server.providers,
        webhook_providers=mockprovider_server.webhook_providers,
        token=mockprovider_admin_token,
    )
    client.reset()
    return client


@pytest.fixture
def mockprovider_receiver(mockprovider: SandboxClient) -> WebhookReceiver:
    """The receiver every provider sends its webhooks to, empty at the start of the test."""
    assert mockprovider.receiver is not None
    return mockprovider.receiver
