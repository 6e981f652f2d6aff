"""Provider settings: defaults from the provider, overrides from the config file and from
`PUT /_sandbox/providers/{provider}/settings`, in that order of precedence (last wins)."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import Any

from mockprovider.core.contract import Setting
from mockprovider.errors import InvalidInput


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _same_kind(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def check_values(
    provider: str, declared: tuple[Setting, ...], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(key, problem) for each unknown key or wrong type in `values` as settings of `provider`."""
    known = {s.name: s for s in declared}
    problems: list[tuple[str, str]] = []
    for key, value in values.items():
        setting = known.get(key)
        if setting is None:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append((key, f"unknown setting {key!r} for {provider}{hint}"))
        elif not _same_kind(setting.default, value):
            problems.append(
                (key, f"expected {_type_name(setting.default)}, got {_type_name(value)}")
            )
    return problems


def validate_update(
    provider: str, declared: tuple[Setting, ...], values: Mapping[str, Any]
) -> None:
    """Raise `InvalidInput` naming every bad key of an update."""
    problems = check_values(provider, declared, values)
    if problems:
        message = "; ".join(f"{key}: {problem}" for key, problem in problems)
        raise InvalidInput(message, valid=[s.name for s in declared])


def overlay(base: Mapping[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    """`base` updated with `layer`; a mapping value merges into the mapping it replaces, so an
    override may name only the keys it changes (e.g. one entry of Topiic's `error_statuses`)."""
    merged = copy.deepcopy(dict(base))
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **copy.deepcopy(dict(value))}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge(declared: tuple[Setting, ...], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with each layer in turn (see `overlay`)."""
    merged: dict[str, Any] = {s.name: s.default for s in declared}
    for layer in layers:
        merged = overlay(merged, layer)
    return merged
