from __future__ import annotations

import math
from pathlib import Path

import pytest

from mockprovider.core.yamlcheck import (
    describe,
    did_you_mean,
    expect_bool,
    expect_choice,
    expect_duration,
    expect_float,
    expect_int,
    expect_json,
    expect_list,
    expect_map,
    expect_str,
    expect_str_list,
    expect_text,
    parse_duration,
)
from mockprovider.core.yamlsource import (
    LocatedList,
    LocatedMap,
    LocatedScalar,
    Problems,
    join_key,
    line_of,
    load_yaml,
    parse_yaml,
)
from mockprovider.errors import ConfigError


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "f.yaml")
    return [str(p) for p in caught.value.problems]


def node(text: str) -> LocatedMap:
    root = parse_yaml(text, "f.yaml")
    assert isinstance(root, LocatedMap)
    return root


def check(text: str, key: str = "k") -> tuple[LocatedScalar | LocatedList | LocatedMap, Problems]:
    """The node under `k:` in `text`, and a fresh collector."""
    child = node(text).get(key)
    assert child is not None
    return child, Problems("f.yaml")


# -- loading ---------------------------------------------------------------------------------


def test_values_and_lines() -> None:
    root = node("# comment\na: 1\nb:\n  - x\n  - {c: true}\nd: hello\n")
    assert root.value == {"a": 1, "b": ["x", {"c": True}], "d": "hello"}
    assert root.line == 2
    assert root.key_line("b") == 3
    items = root.get("b")
    assert isinstance(items, LocatedList)
    assert [item.line for item in items.items] == [4, 5]
    assert root.key_line("missing") == 2


def test_keys_are_source_text_and_scalars_keep_their_raw_text() -> None:
    root = node("on: yes\n1: 007\nwhen: 2024-01-02\nf: 1.50\nn: ~\n")
    assert root.value == {"on": True, "1": 7, "when": "2024-01-02", "f": 1.5, "n": None}
    seven = root.get("1")
    assert isinstance(seven, LocatedScalar)
    assert seven.raw == "007"


def test_anchors_and_aliases() -> None:
    assert node("a: &base {x: 1}\nb: *base\n").value == {"a": {"x": 1}, "b": {"x": 1}}


def test_line_of_key_paths() -> None:
    root = node("a:\n  b:\n    - 1\n    - 2\n  c: x\n  d:\n")
    assert line_of(root, ["a", "b", 1]) == 4
    assert line_of(root, ["a", "c"]) == 5
    assert line_of(root, ["a", "d"]) == 6
    assert line_of(root, ["a", "b"]) == 3  # the value's line
    assert line_of(root, ["a", "missing"]) == 2  # the mapping it is missing from
    assert line_of(root, ["a", "b", 9]) == 3
    assert line_of(root, ["a", "c", "deeper"]) == 5
    assert line_of(root, []) == 1


def test_join_key() -> None:
    assert join_key("", "a") == "a"
    assert join_key("a", "b") == "a.b"
    assert join_key("a.b", 1) == "a.b[1]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: [1,\n",
            "f.yaml:2: yaml: while parsing a flow node; expected the node content, "
            "but found '<stream end>'",
        ),
        ("a: b: c\n", "f.yaml:1: yaml: mapping values are not allowed here"),
        (
            "a: 1\n---\nb: 2\n",
            "f.yaml:2: yaml: expected a single document in the stream; but found another document",
        ),
        ("", "f.yaml:1: (root): file is empty"),
        ("# only a comment\n", "f.yaml:1: (root): file is empty"),
        ("---\n", "f.yaml:1: (root): file is empty"),
        ("a: !custom 1\n", "f.yaml:1: a: unsupported YAML tag !custom"),
        ("a: !!binary aGk=\n", "f.yaml:1: a: unsupported YAML tag !!binary"),
        ("a: !!set {x}\n", "f.yaml:1: a: unsupported YAML tag !!set"),
        ("a: &x [*x]\n", "f.yaml:1: a[0]: recursive alias"),
        ("? [a]\n: 1\n", "f.yaml:1: (root): mapping keys must be strings"),
        ("a: &x {b: 1}\nc:\n  <<: *x\n", "f.yaml:3: c: merge keys (<<) are not supported"),
    ],
)
def test_load_errors(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_duplicate_keys_are_all_reported() -> None:
    assert problems_of("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n") == [
        'f.yaml:4: b.c: duplicate key "c" (first defined at line 3)',
        'f.yaml:5: a: duplicate key "a" (first defined at line 1)',
    ]


def test_allow_empty() -> None:
    empty = parse_yaml("# nothing\n", "f.yaml", allow_empty=True)
    assert isinstance(empty, LocatedScalar)
    assert empty.value is None


def test_load_yaml_reads_files(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("name: café\n", encoding="utf-8")
    assert load_yaml(path).value == {"name": "café"}


def test_load_yaml_reports_bad_utf8_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_yaml(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: file: not valid UTF-8: invalid continuation byte"
    ]


def test_load_yaml_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_yaml(tmp_path / "nope.yaml")
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'nope.yaml'}:1: file: No such file or directory"
    ]


# -- checkers --------------------------------------------------------------------------------


def test_expect_map_reports_unknown_and_missing_keys() -> None:
    root = node("top:\n  dely: 1\n  colour: red\n")
    problems = Problems("f.yaml")
    top = root.get("top")
    assert top is not None
    assert expect_map(top, "top", problems, required=["name"], optional=["delay", "drop"]) is top
    assert [str(p) for p in problems.items] == [
        'f.yaml:2: top.dely: unknown key "dely" (did you mean "delay"?)',
        'f.yaml:3: top.colour: unknown key "colour"; expected one of: delay, drop, name',
        'f.yaml:2: top.name: missing required key "name"',
    ]


def test_expect_map_with_any_keys_and_wrong_type() -> None:
    child, problems = check("k: {anything: 1}\n")
    assert expect_map(child, "k", problems, any_keys=True) is child
    assert not problems
    child, problems = check("k: [1]\n")
    assert expect_map(child, "k", problems) is None
    assert [str(p) for p in problems.items] == ["f.yaml:1: k: expected a mapping, got a list"]


def test_problems_on_the_root_are_labelled() -> None:
    problems = Problems("f.yaml")
    assert expect_map(parse_yaml("- 1\n", "f.yaml"), "", problems) is None
    assert [str(p) for p in problems.items] == ["f.yaml:1: (root): expected a mapping, got a list"]
    with pytest.raises(ConfigError):
        problems.raise_if_any()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k: {a: 1}", "a mapping"),
        ("k: []", "a list"),
        ("k: ~", "null"),
        ("k:", "null"),
        ("k: yes", "a boolean (yes)"),
        ("k: 0x1F", "an integer (0x1F)"),
        ("k: 1.50", "a number (1.50)"),
        ("k: hi", 'a string ("hi")'),
        ("k: " + "x" * 50, 'a string ("' + "x" * 37 + '...")'),
    ],
)
def test_describe(text: str, expected: str) -> None:
    child, _ = check(text)
    assert describe(child) == expected


def test_did_you_mean() -> None:
    assert did_you_mean("retry_schedul", ["retry_schedule", "delay"]) == (
        ' (did you mean "retry_schedule"?)'
    )
    assert did_you_mean("zzz", ["retry_schedule"]) == ""


def test_expect_str() -> None:
    child, problems = check("k: abc")
    assert expect_str(child, "k", problems, pattern="[a-c]+", non_empty=True) == "abc"
    assert expect_str(child, "k", problems, pattern="[0-9]+") is None
    child2, _ = check("k: ''")
    assert expect_str(child2, "k", problems, non_empty=True) is None
    child3, _ = check("k: 5")
    assert expect_str(child3, "k", problems) is None
    assert [str(p) for p in problems.items] == [
        'f.yaml:1: k: expected a string matching [0-9]+, got a string ("abc")',
        "f.yaml:1: k: expected a non-empty string",
        "f.yaml:1: k: expected a string, got an integer (5)",
    ]


def test_expect_text_keeps_scalars_as_written() -> None:
    problems = Problems("f.yaml")
    values = [expect_text(check(f"k: {raw}")[0], "k", problems) for raw in ("007", "no", "x y")]
    assert values == ["007", "no", "x y"]
    assert expect_text(check("k: [1]")[0], "k", problems) is None
    assert [str(p) for p in problems.items] == [
        "f.yaml:1: k: expected a string, number or boolean, got a list"
    ]


def test_expect_bool_int_float() -> None:
    problems = Problems("f.yaml")
    assert expect_bool(check("k: false")[0], "k", problems) is False
    assert expect_bool(check("k: 1")[0], "k", problems) is None
    assert expect_int(check("k: 8080")[0], "k", problems, minimum=1, maximum=65535) == 8080
    assert expect_int(check("k: 0")[0], "k", problems, minimum=1) is None
    assert expect_int(check("k: 70000")[0], "k", problems, maximum=65535) is None
    assert expect_int(check("k: true")[0], "k", problems) is None
    assert expect_float(check("k: 2")[0], "k", problems) == 2.0
    assert expect_float(check("k: -0.5")[0], "k", problems, minimum=0) is None
    assert expect_float(check("k: .nan")[0], "k", problems) is None
    assert [str(p) for p in problems.items] == [
        "f.yaml:1: k: expected true or false, got an integer (1)",
        "f.yaml:1: k: expected an integer >= 1, got 0",
        "f.yaml:1: k: expected an integer <= 65535, got 70000",
        "f.yaml:1: k: expected an integer, got a boolean (true)",
        "f.yaml:1: k: expected a number >= 0, got -0.5",
        "f.yaml:1: k: expected a number, got a number (.nan)",
    ]


def test_expect_lists() -> None:
    problems = Problems("f.yaml")
    assert expect_str_list(check("k: [a, b]")[0], "k", problems) == ["a", "b"]
    assert expect_str_list(check("k:\n  - a\n  - 2\n")[0], "k", problems) is None
    assert expect_list(check("k: []")[0], "k", problems, non_empty=True) is None
    assert expect_list(check("k: x")[0], "k", problems) is None
    assert [str(p) for p in problems.items] == [
        "f.yaml:3: k[1]: expected a string, got an integer (2)",
        "f.yaml:1: k: expected a non-empty list",
        'f.yaml:1: k: expected a list, got a string ("x")',
    ]


def test_expect_choice() -> None:
    problems = Problems("f.yaml")
    choices = ["topiic", "stripe"]
    assert expect_choice(check("k: stripe")[0], "k", problems, choices, what="provider") == "stripe"
    assert expect_choice(check("k: topic")[0], "k", problems, choices, what="provider") is None
    child = check("k: paypal")[0]
    assert expect_choice(child, "k", problems, choices, what="provider", listing="known") is None
    assert [str(p) for p in problems.items] == [
        'f.yaml:1: k: unknown provider "topic" (did you mean "topiic"?); '
        "expected one of: topiic, stripe",
        'f.yaml:1: k: unknown provider "paypal"; known: topiic, stripe',
    ]


def test_expect_json() -> None:
    problems = Problems("f.yaml")
    assert expect_json(check("k: {a: [1, {b: x}], c: ~}")[0], "k", problems) == {
        "a": [1, {"b": "x"}],
        "c": None,
    }
    assert expect_json(check("k:\n  a:\n    - .inf\n")[0], "k", problems) is None
    assert [str(p) for p in problems.items] == ["f.yaml:3: k.a[0]: .inf cannot be sent as JSON"]


# -- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        (0, 0.0),
        (5, 5.0),
        (2.5, 2.5),
        ("1.5", 1.5),
        ("500ms", 0.5),
        ("0s", 0.0),
        ("5s", 5.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("1h30m", 5400.0),
        ("1m30s500ms", 90.5),
        ("1.5h", 5400.0),
        ("1d2h3m4s5ms", 93784.005),
    ],
)
def test_parse_duration(given: str | float, seconds: float) -> None:
    assert math.isclose(parse_duration(given), seconds)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("soon", '"soon"'),
        ("", '""'),
        ("5 s", '"5 s"'),
        ("5S", '"5S"'),
        ("m", '"m"'),
        ("1s1h", '"1s1h"'),
        ("1h1h", '"1h1h"'),
        ("-5s", '"-5s"'),
        (".5s", '".5s"'),
        ("5s\n", '"5s\\n"'),
        (-1, "-1"),
        (math.inf, "Infinity"),
        (True, "true"),
    ],
)
def test_parse_duration_rejects(given: str | float, shown: str) -> None:
    with pytest.raises(ValueError, match="expected a duration") as caught:
        parse_duration(given)
    assert str(caught.value) == f'expected a duration like "5s", got {shown}'


def test_expect_duration() -> None:
    problems = Problems("f.yaml")
    assert expect_duration(check("k: 1m")[0], "k", problems) == 60.0
    assert expect_duration(check("k: 3")[0], "k", problems) == 3.0
    assert expect_duration(check("k: soon")[0], "k", problems) is None
    assert expect_duration(check("k: [1s]")[0], "k", problems) is None
    assert expect_duration(check("k:")[0], "k", problems) is None
    assert [str(p) for p in problems.items] == [
        'f.yaml:1: k: expected a duration like "5s", got "soon"',
        'f.yaml:1: k: expected a duration like "5s", got a list',
        'f.yaml:1: k: expected a duration like "5s", got null',
    ]
