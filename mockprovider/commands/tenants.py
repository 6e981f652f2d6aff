"""`mockprovider tenants create|list|delete`: the tenants of a shared sandbox, over the
admin-only `/_sandbox/tenants` routes (`--admin-token`, or `MOCKPROVIDER_ADMIN_TOKEN`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from mockprovider.commands.control import (
    TENANT_KEY,
    Control,
    admin_url_option,
    one_line_errors,
    tenant_name,
)
from mockprovider.commands.table import align


def load_settings(path: Path) -> dict[str, dict[str, Any]]:
    """A `--settings-file`: YAML (or JSON) mapping provider → {setting: value}, as the config
    file's `providers:` section (a file holding just that section works too). Checked like
    the config file: `ConfigError` with `file:line: key: message` for each problem."""
    from mockprovider.app.registry import all_providers
    from mockprovider.config_tenants import check_providers
    from mockprovider.core import yamlsource as ys

    declared = {p.name: p.settings for p in all_providers()}
    problems = ys.Problems(str(path))
    root = ys.load_yaml(path)
    if isinstance(root, ys.LocatedMap) and list(root.entries) == ["providers"]:
        root = root.entries["providers"]
    settings = check_providers(root, "", problems, declared)
    problems.items.sort(key=lambda p: p.line)  # file order, as the config file's check
    problems.raise_if_any()
    return settings


def credential_text(settings: Mapping[str, Any]) -> str:
    """`key=value key=value`, in the order given: strings as they are, the rest as JSON."""
    return " ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in settings.items()
    )


@click.group()
@click.pass_context
def tenants(ctx: click.Context) -> None:
    """Create, list and delete the tenants of a shared sandbox (admin token needed).

    \b
    Example:
      mockprovider tenants create ci-job-17 --shared-credentials
    """
    if ctx.meta.get(TENANT_KEY):
        raise click.UsageError("`mockprovider tenants …` acts on the whole sandbox: drop --tenant")


@tenants.command("create")
@click.argument("name", callback=tenant_name)
@click.option(
    "--token",
    default=None,
    metavar="TOKEN",
    help="The tenant's own token (opens only its routes) [generated, printed once].",
)
@click.option(
    "--shared-credentials",
    is_flag=True,
    help="May use credentials another tenant has (the built-in sandbox ones when no "
    "settings are given); reached by its /_t/NAME/ path prefix only.",
)
@click.option(
    "--settings-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="YAML or JSON: provider → {setting: value}, as the config file's providers section.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's answer as JSON.")
@admin_url_option
@one_line_errors
def create(
    name: str,
    token: str | None,
    shared_credentials: bool,
    settings_file: Path | None,
    as_json: bool,
    url: str,
) -> None:
    """Create tenant NAME; print its token (shown this once: the sandbox keeps only a hash)
    and each provider's credentials.

    \b
    Example:
      mockprovider tenants create acme
      mockprovider tenants create ci-1 --shared-credentials --json | jq -r .token
      mockprovider tenants create beta --settings-file beta-providers.yaml
    """
    body: dict[str, Any] = {"name": name}
    if token is not None:
        body["token"] = token
    if shared_credentials:
        body["shared_credentials"] = True
    if settings_file is not None:
        body["settings"] = load_settings(settings_file)
    with Control(url) as control:
        made = control.call("POST", "/tenants", body=body)
        if as_json:
            click.echo(json.dumps(made, indent=2))
            return
        click.echo(f"tenant    {name} created")
        # A token the user gave is theirs already: never echo it.
        shown = "(the one given)" if token is not None else f"{made.get('token')} (shown once)"
        click.echo(f"token     {shown}")
        where = str(made.get("control_url") or f"{control.url}/_t/{name}/_sandbox")
        click.echo(f"control   {where}")
        click.echo(f"api       {where.removesuffix('/_sandbox')}/<provider>")
        rows = [[p, credential_text(v)] for p, v in (made.get("settings") or {}).items()]
        for line in align(rows):
            click.echo(f"  {line}")


@tenants.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the API's answer as JSON.")
@admin_url_option
@one_line_errors
def list_(as_json: bool, url: str) -> None:
    """One line per tenant: name, creation time, own or shared credentials, limits.

    \b
    Example:
      mockprovider tenants list --url http://sandbox.qa.example:8600
    """
    with Control(url) as control:
        answer = control.call("GET", "/tenants")
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    found = answer.get("tenants") or []
    if not found:
        click.echo("no tenants", err=True)
    for line in align([tenant_cells(t) for t in found]):
        click.echo(line)


def tenant_cells(tenant: Mapping[str, Any]) -> list[str]:
    """name, creation time, `shared`/`own` credentials (or `the default tenant`), limits."""
    limits = tenant.get("limits") or {}
    caps = " ".join(f"{k}≤{v}" for k, v in limits.items() if v is not None) or "no limits"
    created = tenant.get("created_at")
    if isinstance(created, int | float) and not isinstance(created, bool):
        created = datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if tenant.get("default"):
        kind = "the default tenant"
    else:
        kind = "shared credentials" if tenant.get("shared_credentials") else "own credentials"
    return [str(tenant.get("name")), str(created or "-"), kind, caps]


@tenants.command("delete")
@click.argument("name", callback=tenant_name)
@admin_url_option
@one_line_errors
def delete(name: str, url: str) -> None:
    """Delete tenant NAME: its sessions, deliveries, settings and token, for good.

    \b
    Example:
      mockprovider tenants delete ci-job-17
    """
    with Control(url) as control:
        control.call("DELETE", f"/tenants/{name}")
    click.echo(f"tenant {name} deleted")
