"""Scenarios: named, provider-specific outcomes described in YAML files.

A scenario builds on one canonical outcome and adds redirect/webhook overrides, timing and
faults; with a `match` block it becomes the automatic outcome of sessions whose fields match.
The file format is documented by `mockprovider/scenario.schema.json` (see `schema()`); one
file is read by `scenario_loader`, folders of them by `scenario_files`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from mockprovider.core.api_fault_spec import ApiFaults

if TYPE_CHECKING:
    from mockprovider.core.accountdata.spec import DataSpec, PaymentSpec

SCHEMA_FILE = "scenario.schema.json"


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class ProviderInfo:
    """What the loader needs to know of a provider (so the core never imports one)."""

    outcomes: tuple[str, ...]
    #: Session fields a scenario may match on, e.g. ("ref", "contact.em").
    match_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Condition:
    """One test on one session field; case-sensitive. A missing field never matches."""

    field: str
    op: Literal["contains", "equals", "regex"]
    value: str
    _regex: re.Pattern[str] | None = dataclasses.field(
        init=False, repr=False, compare=False, default=None
    )

    def __post_init__(self) -> None:
        if self.op == "regex":  # compiled once; re.error for a bad pattern
            object.__setattr__(self, "_regex", re.compile(self.value))

    def test(self, value: str | None) -> bool:
        """Whether the field's `value` passes (`regex` searches anywhere in it)."""
        if value is None:
            return False
        if self._regex is not None:
            return self._regex.search(value) is not None
        return value == self.value if self.op == "equals" else self.value in value


@dataclass(frozen=True)
class Match:
    """`any`: one condition must pass; `all`: every one must."""

    mode: Literal["any", "all"]
    conditions: tuple[Condition, ...]

    def __post_init__(self) -> None:
        if not self.conditions:
            raise ValueError("a match needs at least one condition")

    def test(self, fields: Mapping[str, str]) -> bool:
        """Whether a session with these field values matches."""
        results = (c.test(fields.get(c.field)) for c in self.conditions)
        return any(results) if self.mode == "any" else all(results)


@dataclass(frozen=True)
class RedirectSpec:
    """Redirect overrides: extra/replaced query `params`, faults `drop` and `delay` (seconds)."""

    params: Mapping[str, str] = field(default_factory=_empty, hash=False)
    drop: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class WebhookSpec:
    """Webhook overrides and faults.

    `fields` are merged into the provider's payload (nested values are plain dicts/lists: copy
    before changing them); `delay` comes before the first attempt; `retry_schedule` replaces
    the provider's schedule; `duplicate` sends each message twice with one event id; `reorder`
    reverses the outcome's messages; `wrong_secret` signs with a wrong secret; `expired_timestamp`
    (seconds, 0 = off) signs with a timestamp that far in the past, for providers whose signature
    carries one; `drop` sends none.
    """

    fields: Mapping[str, Any] = field(default_factory=_empty, hash=False)
    delay: float = 0.0
    retry_schedule: tuple[float, ...] | None = None
    duplicate: bool = False
    reorder: bool = False
    wrong_secret: bool = False
    expired_timestamp: float = 0.0
    drop: bool = False


@dataclass(frozen=True)
class Scenario:
    """A named outcome of one provider; `source` is "path:line" of its `name`."""

    name: str
    provider: str
    outcome: str
    label: str
    description: str = ""
    source: str = ""
    redirect: RedirectSpec = field(default_factory=RedirectSpec, hash=False)
    webhooks: WebhookSpec = field(default_factory=WebhookSpec, hash=False)
    match: Match | None = field(default=None, hash=False)
    #: Provider-API faults applied when the scenario is activated for its provider.
    api: ApiFaults | None = field(default=None, hash=False)
    #: The account data of its sessions (the `data:` section; None: the defaults).
    data: DataSpec | None = field(default=None, hash=False)
    #: The status timeline of payments its sessions make (the `payment:` section).
    payment: PaymentSpec | None = field(default=None, hash=False)


def default_label(name: str) -> str:
    """`provisioning-error` -> "Provisioning error"."""
    return re.sub(r"[-_]+", " ", name).strip().capitalize() or name


class ScenarioSet:
    """An immutable collection of scenarios, in load order; names are unique per provider."""

    def __init__(self, scenarios: Iterable[Scenario] = ()) -> None:
        self._all = tuple(scenarios)
        by_provider: dict[str, list[Scenario]] = {}
        for scenario in self._all:
            by_provider.setdefault(scenario.provider, []).append(scenario)
        self._by_provider = {p: tuple(group) for p, group in by_provider.items()}
        self._by_name = {(s.provider, s.name): s for s in self._all}
        if len(self._by_name) != len(self._all):
            raise ValueError("scenario names must be unique per provider")

    def for_provider(self, provider: str) -> list[Scenario]:
        """The provider's scenarios in load order."""
        return list(self._by_provider.get(provider, ()))

    def get(self, provider: str, name: str) -> Scenario | None:
        """The provider's scenario called `name`, or None."""
        return self._by_name.get((provider, name))

    def auto_match(self, provider: str, fields: Mapping[str, str]) -> Scenario | None:
        """The first of the provider's scenarios whose `match` block matches `fields`."""
        for scenario in self._by_provider.get(provider, ()):
            if scenario.match is not None and scenario.match.test(fields):
                return scenario
        return None

    def all(self) -> list[Scenario]:
        """Every scenario in load order."""
        return list(self._all)

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)


@cache
def _schema_text() -> str:
    return resources.files("mockprovider").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    """The published JSON Schema of a scenario file (a fresh copy each call)."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded
