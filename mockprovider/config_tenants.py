"""The config file's `limits:` (the default tenant's caps) and `tenants:` (named tenants made
at start-up), checked like the rest of the file (`file:line: key: message`):

    limits: {sessions: 100000, deliveries: 500000}
    tenants:
      team-a:
        token: a-long-random-token-of-16-or-more
        shared_credentials: false
        limits: {sessions: 5000}
        providers:
          gigs: {project: team-a, api_key: …}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core import yamlcheck as yc
from mockprovider.core import yamlsource as ys
from mockprovider.core.contract import Setting
from mockprovider.core.provider_settings import check_values
from mockprovider.core.tenants import DEFAULT, NAME

TENANT_KEYS = ("token", "shared_credentials", "limits", "providers")
LIMIT_KEYS = ("sessions", "deliveries")


def check_limits(node: ys.Located, where: str, problems: ys.Problems) -> dict[str, int | None]:
    """`{sessions: N, deliveries: N}` (null: no cap)."""
    table = yc.expect_map(node, where, problems, optional=LIMIT_KEYS)
    found: dict[str, int | None] = {}
    for key, child in (table.entries if table is not None else {}).items():
        if child.value is None:
            found[key] = None
        elif value := yc.expect_int(child, ys.join_key(where, key), problems, minimum=1):
            found[key] = value
    return found


def check_providers(
    node: ys.Located,
    where: str,
    problems: ys.Problems,
    declared: Mapping[str, tuple[Setting, ...]],
) -> dict[str, dict[str, Any]]:
    """`providers:` (top level, or a tenant's): settings by provider, each key checked."""
    table = yc.expect_map(node, where, problems, optional=tuple(declared))
    found: dict[str, dict[str, Any]] = {}
    for name, child in (table.entries if table is not None else {}).items():
        if name not in declared:
            continue
        at = ys.join_key(where, name)
        values = yc.expect_map(child, at, problems, any_keys=True)
        if values is None:
            continue
        for key, problem in check_values(name, declared[name], values.value):
            problems.add(values.key_line(key), ys.join_key(at, key), problem)
        found[name] = values.value
    return found


def check_tenant(
    node: ys.Located,
    where: str,
    problems: ys.Problems,
    declared: Mapping[str, tuple[Setting, ...]],
) -> dict[str, Any]:
    """One tenant's entry, as `POST /_sandbox/tenants` takes it (`providers` → `settings`)."""
    table = yc.expect_map(node, where, problems, optional=TENANT_KEYS)
    found: dict[str, Any] = {}
    for key, child in (table.entries if table is not None else {}).items():
        at = ys.join_key(where, key)
        if key == "token":
            token = yc.expect_str(child, at, problems, non_empty=True)
            if token is not None and len(token) < 16:
                problems.add(child.line, at, "a tenant token has at least 16 characters")
            elif token is not None:
                found["token"] = token
        elif key == "shared_credentials":
            found["shared_credentials"] = bool(yc.expect_bool(child, at, problems))
        elif key == "limits":
            found["limits"] = check_limits(child, at, problems)
        elif key == "providers":
            found["settings"] = check_providers(child, at, problems, declared)
    return found


def check_tenants(
    node: ys.Located, problems: ys.Problems, declared: Mapping[str, tuple[Setting, ...]]
) -> dict[str, dict[str, Any]]:
    """`tenants:` by name."""
    table = yc.expect_map(node, "tenants", problems, any_keys=True)
    found: dict[str, dict[str, Any]] = {}
    for name, child in (table.entries if table is not None else {}).items():
        where = ys.join_key("tenants", name)
        if name == DEFAULT or NAME.fullmatch(name) is None:
            problems.add(
                table.key_line(name) if table is not None else child.line,
                where,
                "a tenant name is 1 to 40 lower-case letters, digits and '-' (not 'default')",
            )
            continue
        found[name] = check_tenant(child, where, problems, declared)
    return found
