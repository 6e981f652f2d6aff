"""`mockprovider trigger PROVIDER OUTCOME`: create a session through the provider's own API and
complete it through the control API, so a webhook handler can be exercised with no frontend
(like `stripe trigger`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from mockprovider.commands.control import (
    Control,
    ControlRefused,
    SandboxUnreachable,
    one_line_errors,
    url_option,
)
from mockprovider.commands.webhooks import delivery_line

if TYPE_CHECKING:
    from mockprovider.web.triggering import Starter


def _outcomes() -> dict[str, list[str]]:
    from mockprovider.app.registry import all_providers

    return {p.name: [o.name for o in p.outcomes] for p in all_providers()}


def _check_choice(provider: str, outcome: str, starters: Mapping[str, Starter]) -> None:
    if provider not in starters:
        raise ControlRefused(f"unknown provider {provider!r}; choose one of: {', '.join(starters)}")
    valid = _outcomes().get(provider, [])
    if outcome not in valid:
        raise ControlRefused(
            f"unknown outcome {outcome!r} for {provider}; choose one of: {', '.join(valid)}"
        )


def _check_scenario(control: Control, provider: str, outcome: str, scenario: str) -> None:
    """The scenario exists for `provider` on the server and ends with `outcome`."""
    listed = control.call("GET", "/providers")["providers"]
    found = {
        s["name"]: s["outcome"]
        for p in listed
        if p["name"] == provider
        for s in p.get("scenarios") or []
    }
    if scenario not in found:
        names = ", ".join(found) or "none"
        raise ControlRefused(
            f"unknown scenario {scenario!r} for {provider}; choose one of: {names}"
        )
    if found[scenario] != outcome:
        raise ControlRefused(
            f"scenario {scenario!r} ends with outcome {found[scenario]!r}, not {outcome!r}"
        )


async def _start(url: str, starter: Starter, settings: Mapping[str, Any]) -> str:
    import httpx  # not at the top: the CLI loads this module for every command

    try:
        async with httpx.AsyncClient(base_url=url, timeout=10.0) as http:
            return await starter(http, settings)
    except httpx.HTTPError as exc:
        detail = str(exc) or type(exc).__name__
        raise SandboxUnreachable(f"{url} did not answer: {detail}") from None


@click.command()
@click.argument("provider")
@click.argument("outcome")
@click.option("--scenario", default=None, help="Complete with this scenario (it must end so).")
@click.option(
    "--callback",
    default=None,
    help="For a provider without a webhook_url setting, whose API takes the callback URL in "
    "each request: that URL.",
)
@url_option
@one_line_errors
def trigger(
    provider: str, outcome: str, scenario: str | None, callback: str | None, url: str
) -> None:
    """Create a PROVIDER session through its own API (with the sandbox credentials of its
    settings) and complete it with OUTCOME; print the session, the redirect URL and the
    webhooks queued.

    \b
    Example:
      mockprovider trigger topiic success
      mockprovider trigger gigs user_abort --url http://127.0.0.1:8600
      mockprovider trigger finapi success --callback http://127.0.0.1:9000/finapi
    """
    from mockprovider.app.registry import trigger_starters

    starters = trigger_starters()
    _check_choice(provider, outcome, starters)
    with Control(url) as control:
        settings: dict[str, Any] = control.call("GET", f"/providers/{provider}/settings")
        per_request = "webhook_url" not in settings
        if callback is not None:
            if not per_request:
                raise ControlRefused(
                    f"--callback is for providers whose API takes a callback per request; "
                    f"{provider} sends webhooks to its webhook_url setting"
                )
            settings["webhook_url"] = callback
        if scenario is not None:
            _check_scenario(control, provider, outcome, scenario)
        session_id = asyncio.run(_start(control.url, starters[provider], settings))
        click.echo(f"session   {session_id} ({provider}) created through the {provider} API")
        choice = {"scenario": scenario} if scenario else {"outcome": outcome}
        done = control.call("POST", f"/sessions/{session_id}/outcome", body=choice)
        view = done["session"]
        click.echo(f"outcome   {view.get('outcome') or outcome}: {view['status']}")
        click.echo(f"redirect  {done.get('redirect_url') or '-'}")
        queued = control.call("GET", "/webhooks", params={"session_id": session_id})["webhooks"]
        hint = "" if queued else f" ({_why_none(provider, settings, per_request)})"
        click.echo(f"webhooks  {len(queued)} queued{hint}")
        for delivery in reversed(queued):
            click.echo(f"  {delivery_line(delivery)}")


def _why_none(provider: str, settings: Mapping[str, Any], per_request: bool) -> str:
    """Why a triggered session may have queued nothing."""
    if not settings.get("webhook_url"):
        where = "pass --callback" if per_request else f"set {provider}'s webhook_url"
        return f"none configured: {where}"
    return "this outcome sends none"
