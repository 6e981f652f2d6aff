"""Checkers for located YAML nodes: each checks one node and appends a `SourceProblem` to a
`Problems` collector instead of raising, so a validator reports every problem of a file in one
run. Also the duration grammar shared with the published JSON Schemas."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Collection
from typing import Any

from mockprovider.core.yamlsource import (
    Located,
    LocatedList,
    LocatedMap,
    LocatedScalar,
    Problems,
    join_key,
)

_NUM = r"\d+(?:\.\d+)?"
#: The duration grammar for strings, shared with the published JSON Schemas: plain seconds
#: ("1.5") or units in decreasing order, each at most once ("1d", "1h30m", "2m5s", "500ms").
DURATION_PATTERN = (
    rf"^(?:{_NUM}|(?=\d)(?:{_NUM}d)?(?:{_NUM}h)?(?:{_NUM}m)?(?:{_NUM}s)?(?:{_NUM}ms)?)$"
)
_DURATION_RE = re.compile(DURATION_PATTERN)
_UNIT_RE = re.compile(rf"({_NUM})(ms|d|h|m|s)")
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def did_you_mean(word: str, options: Collection[str]) -> str:
    """` (did you mean "x"?)` when `word` is close to one of `options`, else ""."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {json.dumps(close[0])}?)" if close else ""


def describe(node: Located) -> str:
    """A short phrase for error messages: `a list`, `an integer (5)`, `a string ("x")`."""
    if isinstance(node, LocatedMap):
        return "a mapping"
    if isinstance(node, LocatedList):
        return "a list"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({node.raw})"
    if isinstance(value, int | float):
        return f"{'an integer' if isinstance(value, int) else 'a number'} ({node.raw})"
    shown = value if len(value) <= 40 else value[:37] + "..."
    return f"a string ({json.dumps(shown)})"


def expect_map(
    node: Located,
    key: str,
    problems: Problems,
    *,
    required: Collection[str] = (),
    optional: Collection[str] = (),
    any_keys: bool = False,
) -> LocatedMap | None:
    """A mapping with `required` and `optional` keys (any keys at all with `any_keys`)."""
    if not isinstance(node, LocatedMap):
        problems.add(node.line, key, f"expected a mapping, got {describe(node)}")
        return None
    known = [*required, *optional]
    if not any_keys:
        for name in node.entries:
            if name not in known:
                hint = did_you_mean(name, known) or "; expected one of: " + ", ".join(sorted(known))
                problems.add(
                    node.key_line(name),
                    join_key(key, name),
                    f"unknown key {json.dumps(name)}{hint}",
                )
    for name in required:
        if name not in node.entries:
            problems.add(node.line, join_key(key, name), f"missing required key {json.dumps(name)}")
    return node


def expect_list(
    node: Located, key: str, problems: Problems, *, non_empty: bool = False
) -> LocatedList | None:
    """A list (with at least one item when `non_empty`)."""
    if not isinstance(node, LocatedList):
        problems.add(node.line, key, f"expected a list, got {describe(node)}")
        return None
    if non_empty and not node.items:
        problems.add(node.line, key, "expected a non-empty list")
        return None
    return node


def expect_str(
    node: Located,
    key: str,
    problems: Problems,
    *,
    pattern: str | None = None,
    non_empty: bool = False,
) -> str | None:
    """A string (non-empty, or fully matching `pattern`, when asked)."""
    if not (isinstance(node, LocatedScalar) and isinstance(node.value, str)):
        problems.add(node.line, key, f"expected a string, got {describe(node)}")
        return None
    if non_empty and not node.value:
        problems.add(node.line, key, "expected a non-empty string")
        return None
    if pattern is not None and not re.fullmatch(pattern, node.value):
        problems.add(node.line, key, f"expected a string matching {pattern}, got {describe(node)}")
        return None
    return node.value


def expect_text(node: Located, key: str, problems: Problems) -> str | None:
    """Any non-null scalar as text, written as in the file (`007` stays "007", `yes` "yes")."""
    if not isinstance(node, LocatedScalar) or node.value is None:
        problems.add(node.line, key, f"expected a string, number or boolean, got {describe(node)}")
        return None
    return node.value if isinstance(node.value, str) else node.raw


def expect_str_list(node: Located, key: str, problems: Problems) -> list[str] | None:
    """A list of strings."""
    items = expect_list(node, key, problems)
    if items is None:
        return None
    values = [expect_str(item, join_key(key, i), problems) for i, item in enumerate(items.items)]
    return [v for v in values if v is not None] if None not in values else None


def expect_bool(node: Located, key: str, problems: Problems) -> bool | None:
    """`true` or `false`."""
    if isinstance(node, LocatedScalar) and isinstance(node.value, bool):
        return node.value
    problems.add(node.line, key, f"expected true or false, got {describe(node)}")
    return None


def expect_int(
    node: Located,
    key: str,
    problems: Problems,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer within [`minimum`, `maximum`]."""
    value = node.value if isinstance(node, LocatedScalar) else None
    if not isinstance(value, int) or isinstance(value, bool):
        problems.add(node.line, key, f"expected an integer, got {describe(node)}")
        return None
    if minimum is not None and value < minimum:
        problems.add(node.line, key, f"expected an integer >= {minimum}, got {value}")
        return None
    if maximum is not None and value > maximum:
        problems.add(node.line, key, f"expected an integer <= {maximum}, got {value}")
        return None
    return value


def expect_float(
    node: Located, key: str, problems: Problems, *, minimum: float | None = None
) -> float | None:
    """A finite number (integers accepted) of at least `minimum`."""
    value = node.value if isinstance(node, LocatedScalar) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        problems.add(node.line, key, f"expected a number, got {describe(node)}")
        return None
    if minimum is not None and value < minimum:
        problems.add(node.line, key, f"expected a number >= {minimum}, got {value}")
        return None
    return float(value)


def expect_choice(
    node: Located,
    key: str,
    problems: Problems,
    choices: Collection[str],
    *,
    what: str,
    listing: str = "",
) -> str | None:
    """A string among `choices`; otherwise the message names the `what` and lists the choices."""
    value = expect_str(node, key, problems)
    if value is None or value in choices:
        return value
    listed = f"{listing or 'expected one of'}: {', '.join(choices) or '(none)'}"
    problems.add(
        node.line,
        key,
        f"unknown {what} {json.dumps(value)}{did_you_mean(value, choices)}; {listed}",
    )
    return None


def expect_json(node: Located, key: str, problems: Problems) -> Any:
    """Any value JSON can carry (no NaN or infinity), as plain Python; None when it cannot."""
    before = len(problems.items)
    children: Any = ()
    if isinstance(node, LocatedMap):
        children = node.entries.items()
    elif isinstance(node, LocatedList):
        children = enumerate(node.items)
    elif isinstance(node.value, float) and not math.isfinite(node.value):
        problems.add(node.line, key, f"{node.raw} cannot be sent as JSON")
    for name, child in children:
        expect_json(child, join_key(key, name), problems)
    return node.value if len(problems.items) == before else None


def parse_duration(text: str | float) -> float:
    """Seconds in `text`: a number of seconds, or "500ms", "5s", "2m", "1h", "1d", "1h30m".

    Raises `ValueError` with a message ready for users.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        if math.isfinite(text) and text >= 0:
            return float(text)
    elif isinstance(text, str) and _DURATION_RE.fullmatch(text):
        parts = _UNIT_RE.findall(text)
        return sum(float(n) * _UNITS[unit] for n, unit in parts) if parts else float(text)
    raise ValueError(f'expected a duration like "5s", got {json.dumps(text)}')


def expect_duration(node: Located, key: str, problems: Problems) -> float | None:
    """A duration (see `parse_duration`)."""
    try:
        if not isinstance(node, LocatedScalar) or node.value is None:
            raise ValueError(f'expected a duration like "5s", got {describe(node)}')
        return parse_duration(node.value)
    except ValueError as exc:
        problems.add(node.line, key, str(exc))
        return None
