"""The `mockprovider` command: a thin click layer over the same core the web app uses.

Errors are one clear line on stderr and a non-zero exit (2 for bad input files), never a
traceback.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mockprovider.commands.control import remember_tenant
from mockprovider.errors import ConfigError, MockProviderError

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn sandbox errors into one line per problem and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(2)
        except MockProviderError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _declared() -> dict[str, Any]:
    from mockprovider.app.registry import all_providers

    return {p.name: p.settings for p in all_providers()}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mockprovider")
@click.option(
    "--tenant",
    default=None,
    metavar="NAME",
    expose_value=False,
    callback=remember_tenant,
    help="The tenant the control commands act on, as their own --tenant (env MOCKPROVIDER_TENANT).",
)
def main() -> None:
    """mockprovider: imitate payment and open-banking providers' hosted flows locally.

    \b
    Example:
      mockprovider serve --port 8600
      mockprovider --tenant ci-17 sessions list
    """


@main.command()
@click.option("--host", default=None, help="Interface to listen on [127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [8600].")
@click.option(
    "--store",
    default=None,
    help="memory, sqlite:PATH or redis://HOST:PORT/DB[?prefix=P] [sqlite:.mockprovider/state.db].",
)
@click.option(
    "--scenarios",
    "scenario_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A directory of scenario files to add (repeatable).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="YAML config file [mockprovider.yaml if present].",
)
@click.option(
    "--public-url", default=None, help="Base URL browsers use, if not the listen address."
)
@click.option(
    "--workers", type=int, default=1, show_default=True, help="Worker processes (share the store)."
)
@click.option(
    "--admin-token",
    default=None,
    metavar="TOKEN",
    help="Require this token for the control API and dashboard (env MOCKPROVIDER_ADMIN_TOKEN "
    "or server.admin_token: better, a flag shows in `ps`).",
)
@click.option(
    "--insecure-open",
    is_flag=True,
    help="Serve a non-loopback --host without an admin token: anyone who reaches it may "
    "reset the sandbox and read or change everything.",
)
@click.option(
    "--server",
    "http_server",
    type=click.Choice(["granian", "uvicorn"]),
    default=None,
    help="The HTTP server [granian].",
)
@click.option("--log-level", default="warning", show_default=True)
@friendly
def serve(
    host: str | None,
    port: int | None,
    store: str | None,
    scenario_dirs: tuple[Path, ...],
    config_path: Path | None,
    public_url: str | None,
    workers: int,
    admin_token: str | None,
    insecure_open: bool,
    http_server: str | None,
    log_level: str,
) -> None:
    """Run the sandbox. Listening on anything but loopback needs an admin token (or
    --insecure-open).

    \b
    Example:
      mockprovider serve --port 8600 --scenarios ./qa-scenarios
      MOCKPROVIDER_ADMIN_TOKEN=$(openssl rand -hex 24) mockprovider serve --host 0.0.0.0
    """
    from mockprovider.app.exposure import check_exposure, is_loopback
    from mockprovider.config import load_config
    from mockprovider.storage.factory import is_memory

    config = load_config(
        config_path,
        os.environ,
        _declared(),
        scenario_dirs=scenario_dirs,
        host=host,
        port=port,
        store=store,
        public_url=public_url,
        admin_token=admin_token,
        http_server=http_server,
    )
    check_exposure(
        config.host,
        config.port,
        config.admin_token,
        insecure_open=insecure_open,
        log_level=log_level,
    )
    from mockprovider.app import load_all_scenarios
    from mockprovider.app.registry import all_providers

    if workers > 1 and is_memory(config.store):
        raise click.BadParameter(
            "a memory store cannot be shared between workers;"
            " use --store sqlite:PATH or --store redis://HOST:PORT/DB",
            param_hint="--workers",
        )
    checked = load_all_scenarios(config, all_providers())  # refuse to start on a broken file
    asyncio.run(_check_store(config.store))
    access = "admin token required" if config.admin_token else "open, no token"
    click.echo(
        f"mockprovider on http://{config.host}:{config.port}  (store: {config.store}; "
        f"server: {config.http_server}; control API and dashboard: {access})",
        err=True,
    )
    if not config.admin_token and not is_loopback(config.host):
        click.echo(
            "warning: --insecure-open: anyone who can reach this address may reset the "
            "sandbox and read or change every setting",
            err=True,
        )
    from mockprovider.app.serving import serve as run

    run(config, checked, server=config.http_server, workers=workers, log_level=log_level)


async def _check_store(url: str) -> None:
    """Open and close the store once, so a bad path or state file is reported before serving."""
    from mockprovider.storage.factory import open_store

    store = open_store(url)
    await store.open()
    await store.close()


@main.group()
def scenarios() -> None:
    """List, validate and describe scenario files.

    \b
    Example:
      mockprovider scenarios validate ./qa-scenarios
    """


@scenarios.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@friendly
def scenarios_validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files; print `file:line: key: problem` for each error and exit 2.

    \b
    Example:
      mockprovider scenarios validate ./qa-scenarios scenarios/topiic/declined.yaml
    """
    from mockprovider.app.registry import all_providers, provider_infos
    from mockprovider.core.scenario_files import validate_files

    problems = validate_files(list(paths), provider_infos(all_providers()))
    if problems:
        raise ConfigError(problems)
    click.echo(f"ok: {len(paths)} path(s) valid")


@scenarios.command("list")
@click.option("--scenarios", "scenario_dirs", multiple=True, type=click.Path(path_type=Path))
@friendly
def scenarios_list(scenario_dirs: tuple[Path, ...]) -> None:
    """List built-in (and given) scenarios per provider.

    \b
    Example:
      mockprovider scenarios list --scenarios ./qa-scenarios
    """
    from mockprovider.app import load_all_scenarios
    from mockprovider.app.registry import all_providers
    from mockprovider.config import Config

    found = load_all_scenarios(Config(scenario_dirs=list(scenario_dirs)), all_providers())
    for scenario in found.all():
        auto = " (automatic)" if scenario.match else ""
        click.echo(
            f"{scenario.provider:8} {scenario.name:24} {scenario.outcome:16} "
            f"{scenario.source}{auto}"
        )


@scenarios.command("schema")
def scenarios_schema() -> None:
    """Print the JSON Schema of scenario files.

    \b
    Example:
      mockprovider scenarios schema > scenario.schema.json
    """
    from mockprovider.core.scenarios import schema

    click.echo(json.dumps(schema(), indent=2))


def _add_provider_commands() -> None:
    from mockprovider.app.registry import cli_commands

    for command in cli_commands():
        main.add_command(command)
    from mockprovider.commands import inspect_commands  # webhooks, sessions (over HTTP)

    for command in inspect_commands():
        main.add_command(command)


_add_provider_commands()
