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
* `--mockprovider-url URL` (env `MOCKPROVIDER_PYTEST_URL`): use the sandbox running at URL
  (`mockprovider_shared_server`, session) instead of starting `mockprovider_server`; every
  test then gets a tenant of its own there (`pytest-<xdist worker or main>-<random>`, created
  with `--mockprovider-admin-token` or env `MOCKPROVIDER_ADMIN_TOKEN`, deleted after the
  test), so parallel runs never collide.
* `mockprovider_tenant` (function): the tenant `mockprovider` acts in: `default`, or that
  test's own tenant of the shared sandbox.

Everything but pytest is imported on first use, so the plugin costs nothing in suites that do
not use it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockprovider.config import Config
    from mockprovider.testing import LiveServer, SandboxClient, WebhookReceiver
    from mockprovider.testing.shared import SharedSandbox

URL_ENV = "MOCKPROVIDER_PYTEST_URL"
TOKEN_ENV = "MOCKPROVIDER_ADMIN_TOKEN"  # noqa: S105 (the variable's name)
#: The tenant of a single-user sandbox (and of the plugin's own server).
DEFAULT_TENANT = "default"

MARKER = (
    "mockprovider(settings=None, scenario=None): per-test sandbox settings "
    '({"provider": {key: value}}, applied after each reset) and the default choice of '
    "complete() (an outcome or scenario name)"
)
MARKER_KEYS = frozenset({"settings", "scenario"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockprovider")
    group.addoption(
        "--mockprovider-url",
        default=None,
        metavar="URL",
        help=f"Run against the sandbox at URL (env {URL_ENV}), each test in a tenant of its "
        "own, instead of starting one in a thread.",
    )
    group.addoption(
        "--mockprovider-admin-token",
        default=None,
        metavar="TOKEN",
        help=f"The admin token of the --mockprovider-url sandbox (env {TOKEN_ENV}, better: a "
        "flag shows in `ps`).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def shared_url(config: pytest.Config) -> str | None:
    """The shared sandbox's URL (`--mockprovider-url`, else env), or None: start our own."""
    url = config.getoption("mockprovider_url", None) or os.environ.get(URL_ENV)
    return str(url).rstrip("/") if url else None


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
def mockprovider_server(
    pytestconfig: pytest.Config, mockprovider_config: Config
) -> Iterator[LiveServer]:
    """One live sandbox for the whole test session, stopped at its end."""
    from mockprovider.testing import LiveServer

    if url := shared_url(pytestconfig):
        pytest.fail(
            f"mockprovider_server is the sandbox the plugin starts, and with a shared one "
            f"({url}) it starts none: use the mockprovider fixture's base_url(provider) or "
            "api_url, which point into this test's tenant",
            pytrace=False,
        )
    server = LiveServer(mockprovider_config).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mockprovider_shared_server(
    pytestconfig: pytest.Config, mockprovider_admin_token: str | None
) -> Iterator[SharedSandbox | None]:
    """The sandbox of `--mockprovider-url` (env MOCKPROVIDER_PYTEST_URL), or None."""
    from mockprovider.testing import ControlError
    from mockprovider.testing.shared import SharedSandbox

    url = shared_url(pytestconfig)
    if url is None:
        yield None
        return
    shared = SharedSandbox(url, mockprovider_admin_token)
    try:
        shared.connect()
    except ControlError as exc:
        shared.close()
        pytest.fail(str(exc), pytrace=False)
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def mockprovider_receiver_server() -> Iterator[WebhookReceiver]:
    """The webhook receiver's server for the whole session (use `mockprovider_receiver`)."""
    from mockprovider.testing import WebhookReceiver

    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="session")
def mockprovider_admin_token(
    pytestconfig: pytest.Config, mockprovider_config: Config
) -> str | None:
    """The admin token: of a shared sandbox, `--mockprovider-admin-token` or env
    MOCKPROVIDER_ADMIN_TOKEN; else the config's (the token `mockprovider` sends)."""
    if shared_url(pytestconfig):
        given = pytestconfig.getoption("mockprovider_admin_token", None)
        return str(given) if given else os.environ.get(TOKEN_ENV) or None
    return mockprovider_config.admin_token


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER") or "main"


@pytest.fixture
def mockprovider_tenant(
    mockprovider_shared_server: SharedSandbox | None,
) -> Iterator[str]:
    """The tenant this test's `mockprovider` acts in: `default` on the plugin's own server;
    on a shared one a fresh `pytest-<worker>-<random>`, deleted after the test (pass or
    fail)."""
    shared = mockprovider_shared_server
    if shared is None:
        yield DEFAULT_TENANT
        return
    name = shared.create_tenant(_worker())
    yield name
    shared.delete_tenant(name)


@pytest.fixture
def mockprovider(
    request: pytest.FixtureRequest,
    mockprovider_receiver_server: WebhookReceiver,
    mockprovider_admin_token: str | None,
    mockprovider_shared_server: SharedSandbox | None,
    mockprovider_tenant: str,
) -> Iterator[SandboxClient]:
    """The live sandbox (or this test's tenant of the shared one), reset for this test: every
    provider's `webhook_url` points at the receiver, then the marker's settings are applied."""
    from mockprovider.testing import SandboxClient

    settings, scenario = _marked(request.node)
    shared = mockprovider_shared_server
    if shared is not None:
        client = shared.client(
            mockprovider_tenant, mockprovider_receiver_server, preset=settings, scenario=scenario
        )
        try:
            client.reset()
            yield client
        finally:
            client.close()
        return
    server: LiveServer = request.getfixturevalue("mockprovider_server")
    client = SandboxClient(
        server.url,
        mockprovider_receiver_server,
        preset=settings,
        scenario=scenario,
        http=server.http,
        providers=server.providers,
        webhook_providers=server.webhook_providers,
        token=mockprovider_admin_token,
    )
    client.reset()
    yield client


@pytest.fixture
def mockprovider_receiver(mockprovider: SandboxClient) -> WebhookReceiver:
    """The receiver every provider sends its webhooks to, empty at the start of the test."""
    assert mockprovider.receiver is not None
    return mockprovider.receiver
