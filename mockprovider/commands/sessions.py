"""`mockprovider sessions list`: the sessions of a running sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from mockprovider.commands.control import Control, one_line_errors, url_option
from mockprovider.commands.table import align


def session_cells(session: Mapping[str, Any]) -> list[str]:
    """created, id, provider, status, the provider's status, outcome or scenario, expiry."""
    choice = session.get("scenario") or session.get("outcome") or "-"
    return [
        str(session["created_at"]),
        str(session["id"]),
        str(session["provider"]),
        str(session["status"]),
        str(session.get("provider_status") or "-"),
        str(choice),
        f"expires {session['expires_at']}",
    ]


@click.group()
def sessions() -> None:
    """Inspect the sessions of a running sandbox.

    \b
    Example:
      mockprovider sessions list --provider topiic
    """


@sessions.command("list")
@click.option("--provider", default=None, help="Only this provider's sessions.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@url_option
@one_line_errors
def list_(provider: str | None, limit: int, url: str) -> None:
    """One line per session, oldest first: created, id, provider, status, the provider's
    status, outcome (or scenario) and expiry.

    \b
    Example:
      mockprovider sessions list --provider topiic --url http://127.0.0.1:8600
    """
    with Control(url) as control:
        params = {"provider": provider, "limit": str(limit)}
        found = control.call("GET", "/sessions", params=params)["sessions"]
        if not found:
            click.echo("no sessions", err=True)
        for line in align([session_cells(s) for s in reversed(found)]):
            click.echo(line)
