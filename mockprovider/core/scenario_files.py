"""Folders of scenario files: find them, read each with `scenario_loader`, merge the set.

Load order: the built-in directories, then the user directories, each in the order given and
each read recursively (`*.yaml`, `*.yml`, hidden files and folders skipped) in sorted path
order. Two scenarios of one provider with the same name are an error within the built-ins or
within the user files; a user scenario named like a built-in one *replaces* it, keeping the
built-in's place in the list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from mockprovider.core.scenario_loader import read_scenario
from mockprovider.core.scenarios import ProviderInfo, Scenario, ScenarioSet
from mockprovider.errors import ConfigError, SourceProblem


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
