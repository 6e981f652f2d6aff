"""The explicit list of providers; the app, CLI, control API and contract tests use it.

The provider packages are imported when `all_providers()` is first called, not with this
module: the CLI imports it for every command (even `--help`) to add `cli_commands()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click

    from mockprovider.core.scenarios import ProviderInfo
    from mockprovider.web.provider import WebProvider
    from mockprovider.web.triggering import Starter


def all_providers() -> tuple[WebProvider, ...]:
    """A fresh instance of every provider, in display order."""
    from mockprovider.providers.bridge import BridgeProvider
    from mockprovider.providers.finapi import FinapiProvider
    from mockprovider.providers.gigs import GigsProvider
    from mockprovider.providers.topiic import TopiicProvider
    from mockprovider.providers.yapily import YapilyProvider

    return (TopiicProvider(), GigsProvider(), BridgeProvider(), YapilyProvider(), FinapiProvider())


def provider_infos(providers: tuple[WebProvider, ...]) -> dict[str, ProviderInfo]:
    """What the scenario loader needs to know of each provider."""
    from mockprovider.core.scenarios import ProviderInfo

    return {
        p.name: ProviderInfo(
            outcomes=tuple(o.name for o in p.outcomes), match_fields=p.match_fields
        )
        for p in providers
    }


def cli_commands() -> list[click.Command]:
    """Provider-specific CLI groups (e.g. `mockprovider topiic link`)."""
    from mockprovider.providers.topiic.cli import topiic

    return [topiic]


def trigger_starters() -> dict[str, Starter]:
    """Provider name → the function `mockprovider trigger` creates a session with (each
    provider's `trigger.start`, through that provider's own API)."""
    from mockprovider.providers.bridge.trigger import start as bridge
    from mockprovider.providers.finapi.trigger import start as finapi
    from mockprovider.providers.gigs.trigger import start as gigs
    from mockprovider.providers.topiic.trigger import start as topiic
    from mockprovider.providers.yapily.trigger import start as yapily

    return {"topiic": topiic, "gigs": gigs, "bridge": bridge, "yapily": yapily, "finapi": finapi}


def trigger_flows() -> dict[str, tuple[str, Starter]]:
    """Further trigger recipes a provider declares (its `trigger.FLOWS`): recipe name →
    (provider name, starter), e.g. `mockprovider trigger yapily-hosted success`."""
    from mockprovider.providers.yapily.trigger import FLOWS as yapily

    return {name: ("yapily", start) for name, start in yapily.items()}
