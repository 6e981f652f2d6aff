"""Validating one scenario file into a `Scenario`, reporting every problem at its line.

The format is documented in `mockprovider/scenario.schema.json`; `tests/core` checks that the
schema and this validator accept and reject the same files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

from mockprovider.core import api_fault_spec
from mockprovider.core.accountdata.yamlspec import read_data, read_payment
from mockprovider.core.api_fault_spec import ApiFaults
from mockprovider.core.outcomes import CANONICAL_OUTCOMES
from mockprovider.core.scenarios import (
    Condition,
    Match,
    ProviderInfo,
    RedirectSpec,
    Scenario,
    WebhookSpec,
    default_label,
)
from mockprovider.core.yamlcheck import (
    describe,
    did_you_mean,
    expect_bool,
    expect_choice,
    expect_duration,
    expect_json,
    expect_list,
    expect_map,
    expect_str,
    expect_text,
)
from mockprovider.core.yamlsource import (
    Located,
    LocatedMap,
    LocatedScalar,
    Problems,
    join_key,
    load_yaml,
)
from mockprovider.errors import ConfigError, SourceProblem

NAME_PATTERN = r"[a-z0-9][a-z0-9_-]{0,62}"
TOP_REQUIRED = ("name", "provider", "outcome")
TOP_OPTIONAL = (
    "label",
    "description",
    "redirect",
    "webhooks",
    "api",
    "match",
    "data",
    "payment",
)
REDIRECT_KEYS = ("params", "drop", "delay")
WEBHOOK_KEYS = (
    "fields",
    "delay",
    "retry_schedule",
    "duplicate",
    "reorder",
    "wrong_secret",
    "expired_timestamp",
    "drop",
)
#: `webhooks.expired_timestamp: true` means this far in the past: beyond every provider's
#: tolerance (Svix and Topiic allow 5 minutes).
DEFAULT_EXPIRED_BY = 3600.0
MATCH_MODES = ("any", "all")
OPS = ("contains", "equals", "regex")


def read_scenario(
    path: Path, providers: Mapping[str, ProviderInfo]
) -> tuple[Scenario | None, list[SourceProblem]]:
    """The scenario in `path` and no problems, or None and every problem found."""
    try:
        root = load_yaml(path)
    except ConfigError as exc:
        return None, exc.problems
    problems = Problems(str(path))
    top = expect_map(root, "", problems, required=TOP_REQUIRED, optional=TOP_OPTIONAL)
    if top is None:
        return None, problems.items
    scenario = _scenario(top, providers, problems)
    return (None if problems else scenario), sorted(problems.items, key=lambda p: p.line)


def _scenario(
    top: LocatedMap, providers: Mapping[str, ProviderInfo], problems: Problems
) -> Scenario | None:
    name = _name(top, problems)
    provider = info = None
    if (node := top.get("provider")) is not None:
        known = sorted(providers)
        provider = expect_choice(
            node, "provider", problems, known, what="provider", listing="known providers"
        )
        info = providers.get(provider) if provider is not None else None
    outcome = None
    if (node := top.get("outcome")) is not None:
        if info is None:  # unknown provider: only the type can be checked
            outcome = expect_str(node, "outcome", problems)
        else:
            listing = f"{provider} supports"
            outcome = expect_choice(
                node, "outcome", problems, info.outcomes, what="outcome", listing=listing
            )
    label = _optional(top, "label", problems, non_empty=True)
    description = _optional(top, "description", problems) or ""
    redirect = _redirect(top.get("redirect"), problems)
    webhooks = _webhooks(top.get("webhooks"), problems)
    match = _match(top.get("match"), info, problems)
    api = _api(top.get("api"), problems)
    data = None if (node := top.get("data")) is None else read_data(node, problems)
    payment = None if (node := top.get("payment")) is None else read_payment(node, problems)
    if name is None or provider is None or outcome is None or problems:
        return None
    return Scenario(
        name=name,
        provider=provider,
        outcome=outcome,
        label=label or default_label(name),
        description=description,
        source=f"{problems.path}:{top.key_line('name')}",
        redirect=redirect,
        webhooks=webhooks,
        match=match,
        api=api,
        data=data,
        payment=payment,
    )


def _name(top: LocatedMap, problems: Problems) -> str | None:
    node = top.get("name")
    if node is None:
        return None
    name = expect_str(node, "name", problems)
    if name is None:
        return None
    if not re.fullmatch(NAME_PATTERN, name):
        message = (
            f"expected lowercase letters, digits, - and _ (at most 63, starting with a letter"
            f" or digit), got {json.dumps(name)}"
        )
        problems.add(node.line, "name", message)
        return None
    if name in CANONICAL_OUTCOMES:
        message = f"{json.dumps(name)} is a canonical outcome; give the scenario another name"
        problems.add(node.line, "name", message)
        return None
    return name


def _optional(
    top: LocatedMap, key: str, problems: Problems, *, non_empty: bool = False
) -> str | None:
    node = top.get(key)
    return None if node is None else expect_str(node, key, problems, non_empty=non_empty)


def _flag(spec: LocatedMap, key: str, prefix: str, problems: Problems) -> bool:
    node = spec.get(key)
    return node is not None and bool(expect_bool(node, join_key(prefix, key), problems))


def _duration(spec: LocatedMap, key: str, prefix: str, problems: Problems) -> float:
    node = spec.get(key)
    return 0.0 if node is None else expect_duration(node, join_key(prefix, key), problems) or 0.0


def _redirect(node: Located | None, problems: Problems) -> RedirectSpec:
    spec = None if node is None else expect_map(node, "redirect", problems, optional=REDIRECT_KEYS)
    if spec is None:
        return RedirectSpec()
    params: dict[str, str] = {}
    raw = spec.get("params")
    given = None if raw is None else expect_map(raw, "redirect.params", problems, any_keys=True)
    for key, value in given.entries.items() if given else ():
        params[key] = expect_text(value, join_key("redirect.params", key), problems) or ""
    return RedirectSpec(
        params=MappingProxyType(params),
        drop=_flag(spec, "drop", "redirect", problems),
        delay=_duration(spec, "delay", "redirect", problems),
    )


def _webhooks(node: Located | None, problems: Problems) -> WebhookSpec:
    spec = None if node is None else expect_map(node, "webhooks", problems, optional=WEBHOOK_KEYS)
    if spec is None:
        return WebhookSpec()
    raw = spec.get("fields")
    given = None if raw is None else expect_map(raw, "webhooks.fields", problems, any_keys=True)
    fields = expect_json(given, "webhooks.fields", problems) if given else None
    schedule: tuple[float, ...] | None = None
    key = "webhooks.retry_schedule"
    raw = spec.get("retry_schedule")
    steps = None if raw is None else expect_list(raw, key, problems, non_empty=True)
    if steps is not None:
        found = [expect_duration(s, join_key(key, i), problems) for i, s in enumerate(steps.items)]
        schedule = tuple(s or 0.0 for s in found)
    return WebhookSpec(
        fields=MappingProxyType(fields or {}),
        delay=_duration(spec, "delay", "webhooks", problems),
        retry_schedule=schedule,
        duplicate=_flag(spec, "duplicate", "webhooks", problems),
        reorder=_flag(spec, "reorder", "webhooks", problems),
        wrong_secret=_flag(spec, "wrong_secret", "webhooks", problems),
        expired_timestamp=_expired_by(spec, problems),
        drop=_flag(spec, "drop", "webhooks", problems),
    )


def _expired_by(spec: LocatedMap, problems: Problems) -> float:
    """`expired_timestamp`: true (one hour), false, or a duration (how far in the past)."""
    node = spec.get("expired_timestamp")
    if node is None:
        return 0.0
    if isinstance(node, LocatedScalar) and isinstance(node.value, bool):
        return DEFAULT_EXPIRED_BY if node.value else 0.0
    return expect_duration(node, "webhooks.expired_timestamp", problems) or 0.0


def _api(node: Located | None, problems: Problems) -> ApiFaults | None:
    """The `api` section: provider-API faults (see `core.api_faults`)."""
    block = (
        None if node is None else expect_map(node, "api", problems, optional=api_fault_spec.KEYS)
    )
    if block is None:
        return None
    values: dict[str, Any] = {}
    for key, value in block.entries.items():
        if key not in api_fault_spec.KEYS:  # already reported by expect_map
            continue
        if isinstance(value, LocatedScalar):
            values[key] = value.value
        else:
            problems.add(
                value.line, join_key("api", key), f"expected a value, got {describe(value)}"
            )
    faults, found = api_fault_spec.parse(values)
    for key, message in found:
        line = block.entries[key].line if key in block.entries else block.line
        problems.add(line, join_key("api", key), message)
    return None if found else faults


def _match(node: Located | None, info: ProviderInfo | None, problems: Problems) -> Match | None:
    block = None if node is None else expect_map(node, "match", problems, optional=MATCH_MODES)
    if block is None:
        return None
    modes = [m for m in MATCH_MODES if m in block.entries]
    if len(modes) != 1:
        message = (
            'use exactly one of "any" or "all", not both' if modes else 'missing "any" or "all"'
        )
        problems.add(block.line, "match", message)
    found = [_conditions(block.entries[mode], f"match.{mode}", info, problems) for mode in modes]
    if len(modes) != 1 or found[0] is None:
        return None
    return Match(cast(Literal["any", "all"], modes[0]), found[0])


def _conditions(
    node: Located, key: str, info: ProviderInfo | None, problems: Problems
) -> tuple[Condition, ...] | None:
    given = expect_map(node, key, problems, any_keys=True)
    if given is None:
        return None
    if not given.entries:
        problems.add(given.line, key, "expected at least one field to match on")
        return None
    conditions = []
    for field, test in given.entries.items():
        if info is not None and field not in info.match_fields:
            hint = did_you_mean(field, info.match_fields)
            valid = ", ".join(info.match_fields) or "(none)"
            message = f"unknown match field {json.dumps(field)}{hint}; valid fields: {valid}"
            problems.add(given.key_line(field), join_key(key, field), message)
        conditions.append(_condition(field, test, join_key(key, field), problems))
    return None if None in conditions else tuple(c for c in conditions if c is not None)


def _condition(field: str, node: Located, key: str, problems: Problems) -> Condition | None:
    op: Literal["contains", "equals", "regex"] = "contains"
    if isinstance(node, LocatedMap):
        expect_map(node, key, problems, optional=OPS)
        ops = [name for name in OPS if name in node.entries]
        if len(ops) != 1:
            if ops or not node.entries:  # else unknown keys were just reported
                message = 'expected exactly one of "contains", "equals", "regex"'
                problems.add(node.line, key, message)
            return None
        op = cast(Literal["contains", "equals", "regex"], ops[0])
        node, key = node.entries[op], join_key(key, op)
    value = expect_str(node, key, problems, non_empty=True)
    if value is None:
        return None
    try:
        return Condition(field, op, value)
    except re.error as exc:
        problems.add(node.line, key, f"invalid regex: {exc}")
        return None
