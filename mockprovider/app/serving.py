"""Run the app on an HTTP server: granian (the default) or uvicorn, one process or N workers.

One process serves the app the CLI already built (with the scenarios it checked); N workers each
rebuild it from the checked config the CLI puts in the environment (`factory.app_from_env`).
Both servers run the app's lifespan (store, token secret, webhook dispatcher) and stop
gracefully on SIGINT/SIGTERM: in-flight requests finish, then the lifespan closes the store.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any

from mockprovider.app import create_app
from mockprovider.app.factory import CONFIG_ENV, dump_config
from mockprovider.config import Config
from mockprovider.core.scenarios import ScenarioSet

FACTORY = "mockprovider.app.factory:app_from_env"


def serve(
    config: Config, scenarios: ScenarioSet, *, server: str, workers: int, log_level: str
) -> None:
    """Serve until interrupted; `server` is one of `config.HTTP_SERVERS`."""
    if workers > 1:
        os.environ[CONFIG_ENV] = dump_config(config)  # each worker rebuilds the app from it
    if server == "uvicorn":
        _uvicorn(config, scenarios, workers, log_level)
    elif workers > 1:
        _granian_workers(config, workers, log_level)
    else:
        _granian_here(config, scenarios, log_level)


def _uvicorn(config: Config, scenarios: ScenarioSet, workers: int, log_level: str) -> None:
    import uvicorn

    options: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "log_level": log_level,
        "access_log": False,
    }
    if workers <= 1:
        uvicorn.run(create_app(config, scenarios=scenarios), **options)
        return
    uvicorn.run(FACTORY, factory=True, workers=workers, **options)


def _granian_options(host: str, port: int, log_level: str) -> dict[str, Any]:
    from granian.constants import Interfaces
    from granian.log import LogLevels

    level = {"trace": "debug"}.get(log_level.lower(), log_level.lower())
    return {
        "address": host,
        "port": port,
        "interface": Interfaces.ASGI,  # with the lifespan protocol
        "backlog": 2048,  # uvicorn's default (granian's is 128): load tests open many at once
        "log_level": LogLevels(level),
        "log_access": False,
        "websockets": False,
    }


def _granian_workers(config: Config, workers: int, log_level: str) -> None:
    from granian.server import Server

    options = _granian_options(config.host, config.port, log_level)
    Server(FACTORY, factory=True, workers=workers, **options).serve()


class _Experimental(logging.Filter):
    """Drops granian's "embedded server is experimental" line (said on every start)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "experimental" not in record.getMessage()


def _granian_here(config: Config, scenarios: ScenarioSet, log_level: str) -> None:
    run_granian(create_app(config, scenarios=scenarios), config.host, config.port, log_level)


def run_granian(app: Any, host: str, port: int, log_level: str = "warning") -> None:
    """Serve the ASGI `app` on granian's embedded server in this process's event loop (uvloop
    when installed), so start-up and memory are one interpreter's: its worker mode would spawn
    a second one. Returns after SIGINT/SIGTERM, once the lifespan has shut down."""
    # granian imports watchfiles (another native library) when it is installed, for a
    # reloader the embedded server refuses anyway: ~1 MiB and ~10 ms saved on every start.
    if "watchfiles" not in sys.modules:
        sys.modules["watchfiles"] = None  # type: ignore[assignment]  # import → ImportError
    from granian.server.embed import Server

    async def main() -> None:
        server = Server(app, **_granian_options(host, port, log_level))
        logging.getLogger("_granian").addFilter(_Experimental())  # after its logging set-up
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.stop)
        await server.serve()

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        asyncio.run(main())
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
