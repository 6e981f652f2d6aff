"""Fixtures for the end-to-end tests: a real webhook receiver and `mockprovider serve`
processes, shared per module and reset between tests.

A failing test's assertion message ends with the logs of the servers it used.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from tests.e2e.servers import ServerProcess, WebhookReceiver


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Append the server logs to a failing test's AssertionError (same exception object, so
    the traceback is untouched)."""
    first = len(ServerProcess.started)
    try:
        return (yield)
    except AssertionError as exc:
        used = ServerProcess.started[first:] + [s for s in ServerProcess.started if s.running]
        seen: set[int] = set()
        message = str(exc.args[0]) if exc.args else ""
        for server in used:
            if id(server) in seen or str(server.log_path) in message:
                continue  # already quoted (ServerProcess.explain)
            seen.add(id(server))
            message = server.explain(message)
        exc.args = (message, *exc.args[1:])
        raise


@pytest.fixture(scope="module")
def hooks() -> Iterator[WebhookReceiver]:
    """The integrator's server: records webhooks, serves the browser's return page."""
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def http_server() -> str | None:
    """The `--server` the module's sandbox runs on: None is `serve`'s default. Modules whose
    flows must pass on every server override it with `params=HTTP_SERVERS`."""
    return None


@pytest.fixture(scope="module")
def module_server(
    tmp_path_factory: pytest.TempPathFactory, http_server: str | None
) -> Iterator[ServerProcess]:
    """One `mockprovider serve` on a SQLite file for the whole module."""
    workdir = tmp_path_factory.mktemp("server")
    server = ServerProcess(workdir, store=f"sqlite:{workdir / 'state.db'}", http_server=http_server)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(module_server: ServerProcess, hooks: WebhookReceiver) -> ServerProcess:
    """The module's server, reset (sessions, webhooks, clock, settings), its Topiic webhooks
    pointing at `hooks`, which is emptied and answers 200."""
    if not module_server.running:  # a test stopped it: bring it back on the same store
        module_server.start()
    hooks.clear()
    module_server.reset()
    module_server.set_webhook_url(hooks.hook_url)
    return module_server
