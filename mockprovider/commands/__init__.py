"""CLI commands that inspect a running sandbox over its `/_sandbox` control API:
`mockprovider webhooks list|replay|tail`, `mockprovider sessions list` and
`mockprovider trigger`."""

from __future__ import annotations

import click


def inspect_commands() -> list[click.Command]:
    """The command groups `mockprovider.cli` adds to `main`."""
    from mockprovider.commands.sessions import sessions
    from mockprovider.commands.trigger import trigger
    from mockprovider.commands.webhooks import webhooks

    return [webhooks, sessions, trigger]
