"""`mockprovider webhooks list|replay|tail`: the deliveries of a running sandbox."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import click

from mockprovider.commands.control import Control, one_line_errors, url_option
from mockprovider.commands.table import GAP, align

#: How many deliveries `tail` asks for on each poll (newest first).
TAIL_WINDOW = 500


def attempts_text(delivery: Mapping[str, Any]) -> str:
    """`0 attempts`, `1 attempt (200)`, `3 attempts (last: connection refused)`."""
    attempts = delivery.get("attempts") or []
    text = f"{len(attempts)} attempt{'' if len(attempts) == 1 else 's'}"
    if attempts:
        last = attempts[-1]
        text += f" (last: {last['error']})" if last.get("error") else f" ({last['status_code']})"
    return text


def delivery_cells(delivery: Mapping[str, Any]) -> list[str]:
    """Time of the last change, provider, event type, status, attempts, url, id."""
    attempts = delivery.get("attempts") or []
    at = attempts[-1]["at"] if attempts else delivery.get("created_at") or "-"
    return [
        str(at),
        str(delivery.get("provider") or "-"),
        str(delivery["event_type"]),
        str(delivery["status"]),
        attempts_text(delivery),
        str(delivery["url"]),
        str(delivery["id"]),
    ]


#: `tail` prints one line at a time, so it pads to fixed widths (wide enough for every
#: provider's event types and statuses) instead of measuring a table.
WIDTHS = (24, 8, 32, 9, 28, 0, 0)


def delivery_line(delivery: Mapping[str, Any]) -> str:
    """One delivery as `tail` prints it."""
    cells = delivery_cells(delivery)
    return GAP.join(cell.ljust(width) for cell, width in zip(cells, WIDTHS, strict=True))


@click.group()
def webhooks() -> None:
    """Inspect, replay and follow the webhook deliveries of a running sandbox.

    \b
    Example:
      mockprovider webhooks tail --provider topiic
    """


@webhooks.command("list")
@click.option("--provider", default=None, help="Only this provider's deliveries.")
@click.option("--session", "session_id", default=None, help="Only this session's deliveries.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@url_option
@one_line_errors
def list_(provider: str | None, session_id: str | None, limit: int, url: str) -> None:
    """One line per delivery, oldest first: time, provider, event type, status, attempts,
    URL and delivery id.

    \b
    Example:
      mockprovider webhooks list --provider topiic --session 3f2c…
    """
    with Control(url) as control:
        params = {"provider": provider, "session_id": session_id, "limit": str(limit)}
        found = control.call("GET", "/webhooks", params=params)["webhooks"]
        if not found:
            click.echo("no webhook deliveries", err=True)
        for line in align([delivery_cells(d) for d in reversed(found)]):
            click.echo(line)


@webhooks.command("replay")
@click.argument("delivery_id")
@url_option
@one_line_errors
def replay(delivery_id: str, url: str) -> None:
    """Queue a delivery again, with the same event id (ids are in `webhooks list`).

    \b
    Example:
      mockprovider webhooks replay dlv_…
    """
    with Control(url) as control:
        control.call("POST", f"/webhooks/{delivery_id}/replay")
        click.echo(f"replay of {delivery_id} queued")


@webhooks.command("tail")
@click.option("--provider", default=None, help="Only this provider's deliveries.")
@click.option(
    "--interval",
    type=click.FloatRange(0.05, 60),
    default=0.5,
    show_default=True,
    help="Seconds between two looks.",
)
@url_option
@one_line_errors
def tail(provider: str | None, interval: float, url: str) -> None:
    """Print deliveries as they are queued and each time their status changes, until Ctrl-C
    (like `stripe listen`).

    \b
    Example:
      mockprovider webhooks tail --provider topiic --url http://127.0.0.1:8600
    """
    with Control(url) as control:
        try:
            _follow(control, {"provider": provider, "limit": str(TAIL_WINDOW)}, interval)
        except KeyboardInterrupt:
            click.echo("stopped", err=True)


def _follow(control: Control, params: Mapping[str, str | None], interval: float) -> None:
    """Remember what is there, then print every delivery whose status or attempts change."""
    found = control.call("GET", "/webhooks", params=params)["webhooks"]
    seen = {d["id"]: _state(d) for d in found}
    click.echo(f"watching {control.where} for webhook deliveries (Ctrl-C to stop)", err=True)
    while True:
        time.sleep(interval)  # the poll interval: a new look every `interval` seconds
        for delivery in reversed(control.call("GET", "/webhooks", params=params)["webhooks"]):
            if seen.get(delivery["id"]) != (state := _state(delivery)):
                seen[delivery["id"]] = state
                click.echo(delivery_line(delivery))


def _state(delivery: Mapping[str, Any]) -> tuple[str, int]:
    return str(delivery["status"]), len(delivery.get("attempts") or [])
