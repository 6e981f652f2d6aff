"""`mockprovider reset` and `mockprovider clock show|advance`: the sandbox's state and time,
of the default tenant or of `--tenant NAME`."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from mockprovider.commands.control import Control, one_line_errors, url_option


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from mockprovider.core.yamlcheck import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def _iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command()
@click.option(
    "--settings", "forget_settings", is_flag=True, help="Also reset every provider's settings."
)
@url_option
@one_line_errors
def reset(forget_settings: bool, url: str) -> None:
    """Forget the sessions, webhook deliveries, nonces and clock offset (with --settings, the
    provider settings too) of the sandbox, or of one tenant with --tenant.

    \b
    Example:
      mockprovider reset --tenant ci-job-17 --settings
    """
    with Control(url) as control:
        control.call("POST", "/reset", body={"settings": forget_settings})
        what = "sessions, deliveries, nonces, clock offset" + (
            " and settings" if forget_settings else ""
        )
        click.echo(f"reset {control.where}: {what} forgotten")


@click.group()
def clock() -> None:
    """Read or move the sandbox clock (of one tenant with --tenant).

    \b
    Example:
      mockprovider clock advance 2h
    """


@clock.command("show")
@url_option
@one_line_errors
def show(url: str) -> None:
    """Print the sandbox time and how far it is ahead of the real one.

    \b
    Example:
      mockprovider clock show --tenant acme
    """
    with Control(url) as control:
        answer = control.call("GET", "/clock")
    click.echo(f"{_iso(answer['now'])}  (offset {answer['offset']:g} s)")


@clock.command("advance")
@click.argument("duration", callback=_duration)
@url_option
@one_line_errors
def advance(duration: float, url: str) -> None:
    """Move the sandbox clock forward by DURATION (seconds, or 90s, 15m, 1h30m, 2d):
    sessions expire and due webhook retries go out as if the time had passed.

    \b
    Example:
      mockprovider clock advance 31m --tenant acme
    """
    with Control(url) as control:
        answer = control.call("POST", "/clock/advance", body={"seconds": duration})
    click.echo(f"{_iso(answer['now'])}  (offset {answer['offset']:g} s)")
