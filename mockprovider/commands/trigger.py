"""`mockprovider trigger PROVIDER OUTCOME`: create a session through the provider's own API and
complete it through the control API, so a webhook handler can be exercised with no frontend
(like `stripe trigger`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from mockprovider.commands.control import (
    Control,
    ControlRefused,
    SandboxUnreachable,
    one_line_errors,
    url_option,
)
from mockprovider.commands.table import align
from mockprovider.commands.webhooks import delivery_cells

if TYPE_CHECKING:
    from mockprovider.web.triggering import Starter


def _check_provider(provider: str, known: Sequence[str]) -> None:
    if provider not in known:
        raise ControlRefused(f"unknown provider {provider!r}; choose one of: {', '.join(known)}")


def _choice(control: Control, provider: str, outcome: str, scenario: str | None) -> dict[str, str]:
    """The control API's choice: OUTCOME may also name one of the provider's scenarios (as on
    the hosted page); `--scenario` must end with OUTCOME."""
    listed = control.call("GET", "/providers")["providers"]
    spec: dict[str, Any] = next((p for p in listed if p["name"] == provider), {})
    outcomes = [o["name"] for o in spec.get("outcomes") or []]
    scenarios = {s["name"]: s["outcome"] for s in spec.get("scenarios") or []}
    if scenario is None and outcome in scenarios and outcome not in outcomes:
        return {"scenario": outcome}
    if outcome not in outcomes:
        raise ControlRefused(
            f"unknown outcome {outcome!r} for {provider}; choose one of: {', '.join(outcomes)}; "
            f"or one of its scenarios: {', '.join(scenarios) or 'none'}"
        )
    if scenario is None:
        return {"outcome": outcome}
    if scenario not in scenarios:
        names = ", ".join(scenarios) or "none"
        raise ControlRefused(
            f"unknown scenario {scenario!r} for {provider}; choose one of: {names}"
        )
    if scenarios[scenario] != outcome:
        raise ControlRefused(
            f"scenario {scenario!r} ends with outcome {scenarios[scenario]!r}, not {outcome!r}"
        )
    return {"scenario": scenario}


async def _start(
    url: str, starter: Starter, settings: Mapping[str, Any], token: str | None = None
) -> str:
    import httpx  # not at the top: the CLI loads this module for every command

    control = f"{httpx.URL(url).path.rstrip('/')}/_sandbox/"  # `/_t/T/_sandbox/` in a tenant

    async def control_token(request: httpx.Request) -> None:
        # The starter also reads the sandbox clock; provider calls keep their own credentials.
        if token and request.url.path.startswith(control):
            request.headers["authorization"] = f"Bearer {token}"

    try:
        hooks = {"request": [control_token]}
        async with httpx.AsyncClient(base_url=url, timeout=10.0, event_hooks=hooks) as http:
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
    settings) and complete it with OUTCOME (an outcome, or one of the provider's scenarios);
    print the session, the redirect URL and the
    webhooks queued.

    \b
    Example:
      mockprovider trigger topiic success
      mockprovider trigger topiic declined
      mockprovider trigger gigs user_abort --url http://127.0.0.1:8600
      mockprovider trigger finapi success --callback https://hooks.example.com/finapi
      mockprovider trigger yapily-hosted success

    finAPI's callback must pass its callback_url_check setting: faithful by default (HTTPS, a
    dotted host); a local http:// callback needs it set to dev first, as the error says.
    """
    from mockprovider.app.registry import trigger_flows, trigger_starters

    starters = trigger_starters()
    flows = trigger_flows()
    if provider in flows:  # a further flow a provider declares (e.g. Yapily Hosted Pages)
        provider, starter = flows[provider]
        starters = {**starters, provider: starter}
    else:
        _check_provider(provider, [*starters, *flows])
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
        choice = _choice(control, provider, outcome, scenario)
        started = _start(control.api_url, starters[provider], settings, control.token)
        session_id = asyncio.run(started)
        click.echo(f"session   {session_id} ({provider}) created through the {provider} API")
        done = control.call("POST", f"/sessions/{session_id}/outcome", body=choice)
        view = done["session"]
        click.echo(f"outcome   {view.get('outcome') or outcome}: {view['status']}")
        click.echo(f"redirect  {done.get('redirect_url') or '-'}")
        queued = control.call("GET", "/webhooks", params={"session_id": session_id})["webhooks"]
        hint = "" if queued else f" ({_why_none(provider, settings, per_request)})"
        click.echo(f"webhooks  {len(queued)} queued{hint}")
        for line in align([delivery_cells(d) for d in reversed(queued)]):
            click.echo(f"  {line}")


def _why_none(provider: str, settings: Mapping[str, Any], per_request: bool) -> str:
    """Why a triggered session may have queued nothing."""
    if not settings.get("webhook_url"):
        where = "pass --callback" if per_request else f"set {provider}'s webhook_url"
        return f"none configured: {where}"
    return "this outcome sends none"
