"""YAML files as a tree of located values (checkers that use them live in `yamlcheck`).

`load_yaml` composes a file with PyYAML's `SafeLoader` (so every node keeps its line) into
`LocatedMap` / `LocatedList` / `LocatedScalar` nodes: `.line` is 1-based, `.value` is the plain
Python value. Mapping keys are always strings (the key's source text, so `on:` stays "on").
Duplicate keys, tags other than the standard scalar/seq/map ones, and recursive aliases are
errors; anchors and aliases work, merge keys (`<<`) are refused.

Key paths look like `webhooks.retry_schedule[1]`; the empty path is shown as `(root)`.
Nothing here knows about scenarios or providers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from mockprovider.errors import ConfigError, SourceProblem

ROOT = "(root)"
Scalar: TypeAlias = str | int | float | bool | None

_TAG = "tag:yaml.org,2002:"
_SCALARS = yaml.constructor.SafeConstructor()


@dataclass(frozen=True, eq=False)
class LocatedScalar:
    """A scalar: its value (timestamps stay strings), its source text and 1-based line."""

    line: int
    value: Scalar
    raw: str = ""


@dataclass(frozen=True, eq=False)
class LocatedList:
    """A sequence of located nodes."""

    line: int
    items: tuple[Located, ...] = ()

    @property
    def value(self) -> list[Any]:
        return [item.value for item in self.items]


@dataclass(frozen=True, eq=False)
class LocatedMap:
    """A mapping from string keys to located nodes, in source order."""

    line: int
    entries: Mapping[str, Located] = field(default_factory=dict)
    key_lines: Mapping[str, int] = field(default_factory=dict)

    @property
    def value(self) -> dict[str, Any]:
        return {key: node.value for key, node in self.entries.items()}

    def get(self, key: str) -> Located | None:
        return self.entries.get(key)

    def key_line(self, key: str) -> int:
        """The line of `key` (the mapping's own line when the key is absent)."""
        return self.key_lines.get(key, self.line)


Located: TypeAlias = LocatedScalar | LocatedList | LocatedMap


def join_key(parent: str, child: str | int) -> str:
    """`join_key("a", "b")` is "a.b", `join_key("a", 1)` is "a[1]", `join_key("", "b")` is "b"."""
    if isinstance(child, int):
        return f"{parent}[{child}]"
    return f"{parent}.{child}" if parent else child


@dataclass
class Problems:
    """Collects the problems of one file."""

    path: str
    items: list[SourceProblem] = field(default_factory=list)

    def add(self, line: int, key: str, message: str) -> None:
        self.items.append(SourceProblem(self.path, line, key or ROOT, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.items)


def load_yaml(path: Path, *, allow_empty: bool = False) -> Located:
    """Read and compose one UTF-8 YAML file; `ConfigError` lists every problem found.

    An empty file (or one holding only comments or `---`) is an error unless `allow_empty`,
    in which case it is a null `LocatedScalar`.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [SourceProblem(str(path), line, "file", f"not valid UTF-8: {exc.reason}")]
        ) from exc
    except OSError as exc:
        raise ConfigError([SourceProblem(str(path), 1, "file", exc.strerror or str(exc))]) from exc
    return parse_yaml(text, str(path), allow_empty=allow_empty)


def parse_yaml(text: str, path: str, *, allow_empty: bool = False) -> Located:
    """Like `load_yaml` for text already read; `path` only labels the problems."""
    problems = Problems(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = "; ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        problems.add(mark.line + 1 if mark else 1, "yaml", message)
        raise ConfigError(problems.items) from exc
    except yaml.YAMLError as exc:
        problems.add(1, "yaml", str(exc))
        raise ConfigError(problems.items) from exc
    if node is None or (node.tag == _TAG + "null" and node.value == ""):
        if allow_empty:
            return LocatedScalar(1, None)
        problems.add(1, "", "file is empty")
        raise ConfigError(problems.items)
    located = _Builder(problems).build(node, "")
    problems.raise_if_any()
    return located


_CONSTRUCT: dict[str, Callable[[yaml.Node], Scalar]] = {
    _TAG + "null": lambda n: None,
    _TAG + "bool": _SCALARS.construct_yaml_bool,  # type: ignore[dict-item]
    _TAG + "int": _SCALARS.construct_yaml_int,  # type: ignore[dict-item]
    _TAG + "float": _SCALARS.construct_yaml_float,  # type: ignore[dict-item]
    _TAG + "str": lambda n: str(n.value),
    _TAG + "timestamp": lambda n: str(n.value),  # kept as written: JSON has no dates
}


class _Builder:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.done: dict[int, Located] = {}  # aliases share the node built for their anchor
        self.active: set[int] = set()

    def build(self, node: yaml.Node, key: str) -> Located:
        line = node.start_mark.line + 1
        if id(node) in self.done:
            return self.done[id(node)]
        if id(node) in self.active:
            self.problems.add(line, key, "recursive alias")
            return LocatedScalar(line, None)
        self.active.add(id(node))
        built: Located
        if isinstance(node, yaml.MappingNode):
            built = self._mapping(node, key, line)
        elif isinstance(node, yaml.SequenceNode):
            items = (self.build(item, join_key(key, i)) for i, item in enumerate(node.value))
            built = LocatedList(line, tuple(items))
        else:
            built = LocatedScalar(
                line, _CONSTRUCT.get(node.tag, _CONSTRUCT[_TAG + "null"])(node), node.value
            )
        if node.tag not in (*_CONSTRUCT, _TAG + "map", _TAG + "seq"):
            self.problems.add(line, key, f"unsupported YAML tag {node.tag.replace(_TAG, '!!')}")
        self.active.discard(id(node))
        self.done[id(node)] = built
        return built

    def _mapping(self, node: yaml.MappingNode, key: str, line: int) -> LocatedMap:
        entries: dict[str, Located] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            name = str(key_node.value)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.add(key_line, key, "mapping keys must be strings")
            elif key_node.tag == _TAG + "merge":
                self.problems.add(key_line, key, "merge keys (<<) are not supported")
            elif name in entries:
                message = f"duplicate key {json.dumps(name)} (first defined at line {lines[name]})"
                self.problems.add(key_line, join_key(key, name), message)
            else:
                lines[name] = key_line
                entries[name] = self.build(value_node, join_key(key, name))
        return LocatedMap(line, entries, lines)


def line_of(root: Located, keys: Sequence[str | int]) -> int:
    """The line of the value at key path `keys` (e.g. `["webhooks", "retry_schedule", 1]`).

    When part of the path is absent it is the line of the deepest part present, so a missing
    key points at the mapping it is missing from (as `expect_map` does).
    """
    node = root
    for key in keys:
        if isinstance(node, LocatedMap) and isinstance(key, str) and key in node.entries:
            node = node.entries[key]
        elif isinstance(node, LocatedList) and isinstance(key, int) and 0 <= key < len(node.items):
            node = node.items[key]
        else:
            break
    return node.line


# -- checkers: each returns the checked value (None when wrong) and records what is wrong ----
