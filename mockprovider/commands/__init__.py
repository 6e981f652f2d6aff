"""CLI commands that inspect and drive a running sandbox over its `/_sandbox` control API:
`mockprovider webhooks list|replay|tail`, `sessions list`, `trigger`, `reset`,
`clock show|advance` (each on the default tenant or `--tenant NAME`) and
`tenants create|list|delete`."""

from __future__ import annotations

import click


def inspect_commands() -> list[click.Command]:
    """The command groups `mockprovider.cli` adds to `main`."""
    from mockprovider.commands.sandbox import clock, reset
    from mockprovider.commands.sessions import sessions
    from mockprovider.commands.tenants import tenants
    from mockprovider.commands.trigger import trigger
    from mockprovider.commands.webhooks import webhooks

    return [webhooks, sessions, trigger, reset, clock, tenants]
