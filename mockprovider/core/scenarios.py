"""Scenarios: named, provider-specific outcomes described in YAML files.

A scenario builds on one canonical outcome and adds redirect/webhook overrides, timing and
faults; with a `match` block it becomes the automatic outcome of sessions whose fields match.
The file format is documented by `mockprovider/scenario.schema.json` (see `schema()`); the
validator lives in `scenario_loader`.

Load order: the built-in directories, then the user directories, each in the order given and
each read recursively (`*.yaml`, `*.yml`, hidden files and folders skipped) in sorted path
order. Two scenarios of one provider with the same name are an error within the built-ins or
within the user files; a user scenario named like a built-in one *replaces* it, keeping the
built-in's place in the list.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from mockprovider.core.api_faults import ApiFaults
from mockprovider.errors import ConfigError, SourceProblem

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


def scenario_files(path: Path) -> list[Path]:
    """`path` itself if it is a file, else its `*.yaml`/`*.yml` files (recursive, sorted)."""
    if not path.is_dir():
        return [path]
    found = (
        p
        for p in path.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    return sorted(found, key=lambda p: p.relative_to(path).parts)


def _read_group(
    paths: Sequence[Path], providers: Mapping[str, ProviderInfo], problems: list[SourceProblem]
) -> list[Scenario]:
    """Every valid scenario under `paths`; problems (duplicate names included) are appended."""
    from mockprovider.core.scenario_loader import read_scenario  # it imports this module

    scenarios: dict[tuple[str, str], Scenario] = {}
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            problems.append(SourceProblem(str(root), 1, "(path)", "no such file or directory"))
            continue
        for path in scenario_files(root):
            if path.resolve() in seen:  # named twice (e.g. a file and its directory)
                continue
            seen.add(path.resolve())
            scenario, found = read_scenario(path, providers)
            problems.extend(found)
            if scenario is None:
                continue
            first = scenarios.get((scenario.provider, scenario.name))
            if first is not None:
                line = int(scenario.source.rsplit(":", 1)[1])
                name = json.dumps(scenario.name)
                message = f"duplicate scenario name {name} (first defined at {first.source})"
                problems.append(SourceProblem(str(path), line, "name", message))
                continue
            scenarios[(scenario.provider, scenario.name)] = scenario
    return list(scenarios.values())


def load_scenarios(
    builtin_dirs: Sequence[Path],
    user_dirs: Sequence[Path],
    providers: Mapping[str, ProviderInfo],
) -> ScenarioSet:
    """Load and validate every scenario; `ConfigError` lists every problem of every file.

    A missing directory is a problem too. A user scenario replaces the built-in of the same
    provider and name (see the module docstring for the order).
    """
    problems: list[SourceProblem] = []
    merged = {(s.provider, s.name): s for s in _read_group(builtin_dirs, providers, problems)}
    for scenario in _read_group(user_dirs, providers, problems):
        merged[(scenario.provider, scenario.name)] = scenario  # replaced in place, or appended
    if problems:
        raise ConfigError(problems)
    return ScenarioSet(merged.values())


def validate_files(
    paths: Sequence[Path], providers: Mapping[str, ProviderInfo]
) -> list[SourceProblem]:
    """Every problem in `paths` (files, or directories read recursively); [] when all valid."""
    problems: list[SourceProblem] = []
    _read_group(paths, providers, problems)
    return problems


@cache
def _schema_text() -> str:
    return resources.files("mockprovider").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    """The published JSON Schema of a scenario file (a fresh copy each call)."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded
