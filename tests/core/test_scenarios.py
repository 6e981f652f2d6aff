from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mockprovider.core import scenario_loader
from mockprovider.core.outcomes import CANONICAL_OUTCOMES
from mockprovider.core.scenario_files import load_scenarios, validate_files
from mockprovider.core.scenarios import (
    Condition,
    Match,
    ProviderInfo,
    RedirectSpec,
    Scenario,
    ScenarioSet,
    WebhookSpec,
    default_label,
    schema,
)
from mockprovider.core.yamlcheck import DURATION_PATTERN
from mockprovider.core.yamlsource import load_yaml
from mockprovider.errors import ConfigError

PROVIDERS = {
    "topiic": ProviderInfo(
        outcomes=("success", "user_abort", "capture_failure", "expiry", "closed_tab"),
        match_fields=("ref", "contact.em"),
    ),
    "payflow": ProviderInfo(outcomes=("success", "user_abort"), match_fields=("ref",)),
}

FULL = """\
# Topiic says the card could not be provisioned.
name: provisioning-error
provider: topiic
outcome: capture_failure
label: Provisioning error
description: Capture fails; the webhook says why.
redirect:
  params: {status: cancelled, code: 007}
  drop: true
  delay: 500ms
webhooks:
  fields:
    failureReason: Provisioning failed
    details: {retryable: false, codes: [1, 2.5, null]}
  delay: 2s
  retry_schedule: [0s, 10s, 1m, 1h30m]
  duplicate: true
  reorder: true
  wrong_secret: true
  drop: false
match:
  any:
    ref: "+declined"
    contact.em: {regex: "^fail.*@example\\\\.com$"}
"""

MINIMAL = "name: slow_ok\nprovider: topiic\noutcome: success\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scenario_yaml(name: str, provider: str = "topiic", extra: str = "") -> str:
    return f"name: {name}\nprovider: {provider}\noutcome: success\n{extra}"


def problems_in(path: Path) -> list[str]:
    return [str(p).replace(str(path), "FILE") for p in validate_files([path], PROVIDERS)]


def read_one(path: Path) -> Scenario:
    scenario, problems = scenario_loader.read_scenario(path, PROVIDERS)
    assert problems == []
    assert scenario is not None
    return scenario


# -- the model -------------------------------------------------------------------------------


def test_full_file_round_trips(tmp_path: Path) -> None:
    path = write(tmp_path / "full.yaml", FULL)
    assert read_one(path) == Scenario(
        name="provisioning-error",
        provider="topiic",
        outcome="capture_failure",
        label="Provisioning error",
        description="Capture fails; the webhook says why.",
        source=f"{path}:2",
        redirect=RedirectSpec(params={"status": "cancelled", "code": "007"}, drop=True, delay=0.5),
        webhooks=WebhookSpec(
            fields={
                "failureReason": "Provisioning failed",
                "details": {"retryable": False, "codes": [1, 2.5, None]},
            },
            delay=2.0,
            retry_schedule=(0.0, 10.0, 60.0, 5400.0),
            duplicate=True,
            reorder=True,
            wrong_secret=True,
            drop=False,
        ),
        match=Match(
            "any",
            (
                Condition("ref", "contains", "+declined"),
                Condition("contact.em", "regex", r"^fail.*@example\.com$"),
            ),
        ),
    )


def test_defaults(tmp_path: Path) -> None:
    scenario = read_one(write(tmp_path / "min.yaml", MINIMAL))
    assert scenario.label == "Slow ok"
    assert scenario.description == ""
    assert scenario.redirect == RedirectSpec()
    assert scenario.webhooks == WebhookSpec()
    assert scenario.webhooks.retry_schedule is None
    assert scenario.match is None
    assert scenario.source == f"{tmp_path / 'min.yaml'}:1"


def test_empty_sections_keep_defaults(tmp_path: Path) -> None:
    scenario = read_one(write(tmp_path / "s.yaml", MINIMAL + "redirect: {}\nwebhooks: {}\n"))
    assert scenario.redirect == RedirectSpec()
    assert scenario.webhooks == WebhookSpec()


def test_model_is_immutable_and_hashable(tmp_path: Path) -> None:
    scenario = read_one(write(tmp_path / "full.yaml", FULL))
    with pytest.raises(TypeError):
        scenario.redirect.params["status"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        scenario.webhooks.fields["new"] = 1  # type: ignore[index]
    assert RedirectSpec().params is not RedirectSpec().params
    assert hash(scenario) == hash(read_one(tmp_path / "full.yaml"))


@pytest.mark.parametrize(
    ("name", "label"),
    [("provisioning-error", "Provisioning error"), ("slow_ok", "Slow ok"), ("3ds", "3ds")],
)
def test_default_label(name: str, label: str) -> None:
    assert default_label(name) == label


# -- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "field", "expected"),
    [
        ("contains", "+declined", "order-1+declined", True),
        ("contains", "+declined", "order-1", False),
        ("contains", "+Declined", "order-1+declined", False),
        ("equals", "abc", "abc", True),
        ("equals", "abc", "abcd", False),
        ("regex", r"\d{3}$", "order-123", True),
        ("regex", r"^\d{3}", "order-123", False),
        ("regex", "^$", None, False),
        ("contains", "x", None, False),
        ("equals", "", None, False),
    ],
)
def test_condition(op: Any, value: str, field: str | None, expected: bool) -> None:
    assert Condition("ref", op, value).test(field) is expected


def test_bad_regex_and_empty_match_are_refused_in_code() -> None:
    with pytest.raises(re.error):
        Condition("ref", "regex", "(")
    with pytest.raises(ValueError, match="at least one condition"):
        Match("all", ())


def test_match_any_and_all() -> None:
    conditions = (Condition("ref", "contains", "+x"), Condition("contact.em", "equals", "a@b"))
    any_ = Match("any", conditions)
    all_ = Match("all", conditions)
    both = {"ref": "1+x", "contact.em": "a@b"}
    one = {"ref": "1+x", "contact.em": "c@d"}
    only_ref = {"ref": "1+x"}  # contact.em missing: that condition never matches
    assert (any_.test(both), any_.test(one), any_.test(only_ref), any_.test({})) == (
        True,
        True,
        True,
        False,
    )
    assert (all_.test(both), all_.test(one), all_.test(only_ref)) == (True, False, False)


def make(name: str, provider: str = "topiic", match: Match | None = None) -> Scenario:
    return Scenario(name=name, provider=provider, outcome="success", label=name, match=match)


def test_scenario_set() -> None:
    declined = Match("any", (Condition("ref", "contains", "+declined"),))
    anything = Match("all", (Condition("ref", "regex", "."),))
    plain = make("plain")
    first = make("first", match=declined)
    second = make("second", match=anything)
    other = make("other", provider="payflow", match=anything)
    scenarios = ScenarioSet([plain, first, second, other])
    assert scenarios.for_provider("topiic") == [plain, first, second]
    assert scenarios.for_provider("nobody") == []
    assert scenarios.get("topiic", "first") is first
    assert scenarios.get("payflow", "first") is None
    assert scenarios.all() == [plain, first, second, other]
    assert list(scenarios) == scenarios.all()
    assert len(scenarios) == 4
    assert scenarios.auto_match("topiic", {"ref": "a+declined"}) is first
    assert scenarios.auto_match("topiic", {"ref": "a"}) is second
    assert scenarios.auto_match("topiic", {}) is None
    assert scenarios.auto_match("payflow", {"ref": "a"}) is other
    assert scenarios.auto_match("nobody", {"ref": "a"}) is None
    scenarios.for_provider("topiic").clear()  # a copy: the set cannot be changed
    assert len(scenarios.for_provider("topiic")) == 3
    with pytest.raises(ValueError, match="unique"):
        ScenarioSet([plain, make("plain")])


# -- loading directories ---------------------------------------------------------------------


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    builtin, user = tmp_path / "builtin", tmp_path / "user"
    write(builtin / "topiic" / "b.yaml", scenario_yaml("declined", extra="label: Built-in\n"))
    write(builtin / "topiic" / "a.yaml", scenario_yaml("slow"))
    write(builtin / "payflow" / "x.yml", scenario_yaml("declined", provider="payflow"))
    write(user / "z.yaml", scenario_yaml("zeta"))
    write(user / "sub" / "a.yaml", scenario_yaml("declined", extra="label: Mine\n"))
    write(user / "m.yml", scenario_yaml("mu"))
    write(user / "notes.txt", "not a scenario")
    write(user / ".hidden.yaml", "broken: [")
    write(user / ".git" / "x.yaml", "broken: [")
    return builtin, user


def test_load_order_and_user_override(dirs: tuple[Path, Path]) -> None:
    builtin, user = dirs
    scenarios = load_scenarios([builtin], [user], PROVIDERS)
    topiic = scenarios.for_provider("topiic")
    # built-ins in path order (topiic/a, topiic/b), the user's "declined" in the built-in's
    # place, then user files in path order (m.yml, sub/a.yaml replaced, z.yaml)
    assert [s.name for s in topiic] == ["slow", "declined", "mu", "zeta"]
    declined = scenarios.get("topiic", "declined")
    assert declined is not None
    assert declined.label == "Mine"
    assert declined.source == f"{user / 'sub' / 'a.yaml'}:1"
    assert [s.name for s in scenarios.for_provider("payflow")] == ["declined"]


def test_without_user_dirs(dirs: tuple[Path, Path]) -> None:
    scenarios = load_scenarios([dirs[0]], [], PROVIDERS)
    declined = scenarios.get("topiic", "declined")
    assert declined is not None
    assert declined.label == "Built-in"


def test_duplicate_names(tmp_path: Path) -> None:
    first = write(tmp_path / "user" / "a.yaml", "# first\n" + scenario_yaml("dup"))
    second = write(tmp_path / "user" / "b.yaml", scenario_yaml("dup", extra="label: Two\n"))
    write(tmp_path / "user" / "c.yaml", scenario_yaml("dup", provider="payflow"))  # other provider
    twin = write(tmp_path / "builtin" / "twin.yaml", scenario_yaml("twin"))
    write(tmp_path / "builtin" / "twin2.yaml", scenario_yaml("twin"))
    with pytest.raises(ConfigError) as caught:
        load_scenarios([tmp_path / "builtin"], [tmp_path / "user"], PROVIDERS)
    assert [str(p) for p in caught.value.problems] == [
        f'{tmp_path / "builtin" / "twin2.yaml"}:1: name: duplicate scenario name "twin" '
        f"(first defined at {twin}:1)",
        f'{second}:1: name: duplicate scenario name "dup" (first defined at {first}:2)',
    ]


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "name: A\nprovider: topiic\noutcome: nope\n")
    write(tmp_path / "b.yaml", "[")
    write(tmp_path / "c.yaml", MINIMAL)
    with pytest.raises(ConfigError) as caught:
        load_scenarios([], [tmp_path, tmp_path / "missing"], PROVIDERS)
    found = [(Path(p.path).name, p.line, p.key) for p in caught.value.problems]
    assert found == [
        ("a.yaml", 1, "name"),
        ("a.yaml", 3, "outcome"),
        ("b.yaml", 1, "yaml"),
        ("missing", 1, "(path)"),
    ]
    assert str(caught.value).count("\n") == 3


def test_validate_files_takes_files_and_directories(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", MINIMAL)
    write(tmp_path / "dir" / "deep" / "ok.yml", scenario_yaml("other"))
    bad = write(tmp_path / "dir" / "bad.yaml", MINIMAL + "colour: red\n")
    assert validate_files([good], PROVIDERS) == []
    problems = validate_files([good, tmp_path / "dir", tmp_path / "nope.yaml"], PROVIDERS)
    assert [(p.path, p.line, p.key) for p in problems] == [
        (str(bad), 4, "colour"),
        (str(tmp_path / "nope.yaml"), 1, "(path)"),
    ]
    assert problems[1].message == "no such file or directory"


def test_validate_files_reports_duplicates_among_the_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", MINIMAL)
    write(tmp_path / "b.yaml", MINIMAL)
    assert [p.key for p in validate_files([tmp_path], PROVIDERS)] == ["name"]
    assert validate_files([a, tmp_path / "a.yaml", tmp_path / "." / "a.yaml"], PROVIDERS) == []


# -- broken files: each reports the exact problems -------------------------------------------

HEAD = "name: x\nprovider: topiic\noutcome: success\n"
OPS_MSG = 'expected exactly one of "contains", "equals", "regex"'
TOP_KEYS = (
    "api, data, description, label, match, name, outcome, payment, provider, redirect, webhooks"
)
TOPIIC_OUTCOMES = "success, user_abort, capture_failure, expiry, closed_tab"

#: (id, file text, expected problems with FILE for the path, what the JSON Schema says:
#: True = rejects it too, False = accepts it (only the loader can tell), None = not YAML data)
BROKEN: list[tuple[str, str, list[str], bool | None]] = [
    (
        "yaml-syntax",
        "name: x\nprovider: [topiic\noutcome: success\n",
        ["FILE:3: yaml: while parsing a flow sequence; expected ',' or ']', but got ':'"],
        None,
    ),
    (
        "tab-indent",
        "name: x\n\tprovider: topiic\n",
        [
            "FILE:2: yaml: while scanning for the next token; "
            "found character '\\t' that cannot start any token"
        ],
        None,
    ),
    (
        "wrong-types",
        HEAD + "label: 5\ndescription: [a]\nredirect: [1]\nwebhooks:\n"
        "  duplicate: 1\n  fields: [a]\n",
        [
            "FILE:4: label: expected a string, got an integer (5)",
            "FILE:5: description: expected a string, got a list",
            "FILE:6: redirect: expected a mapping, got a list",
            "FILE:8: webhooks.duplicate: expected true or false, got an integer (1)",
            "FILE:9: webhooks.fields: expected a mapping, got a list",
        ],
        True,
    ),
    (
        "unknown-key-typo",
        HEAD + "descripton: x\n",
        ['FILE:4: descripton: unknown key "descripton" (did you mean "description"?)'],
        True,
    ),
    (
        "unknown-key",
        HEAD + "colour: red\n",
        [f'FILE:4: colour: unknown key "colour"; expected one of: {TOP_KEYS}'],
        True,
    ),
    (
        "nested-unknown-key",
        HEAD + "webhooks:\n  retry_schedul: [1s]\n",
        [
            'FILE:5: webhooks.retry_schedul: unknown key "retry_schedul" '
            '(did you mean "retry_schedule"?)'
        ],
        True,
    ),
    (
        "unknown-provider",
        "name: x\nprovider: stripe\noutcome: nope\nmatch:\n  any: {whatever: x}\n",
        ['FILE:2: provider: unknown provider "stripe"; known providers: payflow, topiic'],
        False,
    ),
    (
        "unknown-provider-typo",
        "name: x\nprovider: topic\noutcome: success\n",
        [
            'FILE:2: provider: unknown provider "topic" (did you mean "topiic"?); '
            "known providers: payflow, topiic"
        ],
        False,
    ),
    (
        "unknown-outcome",
        "name: x\nprovider: topiic\noutcome: bad_config\n",
        [f'FILE:3: outcome: unknown outcome "bad_config"; topiic supports: {TOPIIC_OUTCOMES}'],
        False,
    ),
    (
        "unknown-outcome-typo",
        "name: x\nprovider: topiic\noutcome: sucess\n",
        [
            'FILE:3: outcome: unknown outcome "sucess" (did you mean "success"?); '
            f"topiic supports: {TOPIIC_OUTCOMES}"
        ],
        False,
    ),
    (
        "bad-duration",
        HEAD + "redirect:\n  delay: soon\n",
        ['FILE:5: redirect.delay: expected a duration like "5s", got "soon"'],
        True,
    ),
    (
        "negative-duration",
        HEAD + "webhooks:\n  delay: -5\n",
        ['FILE:5: webhooks.delay: expected a duration like "5s", got -5'],
        True,
    ),
    (
        "bad-schedule-item",
        HEAD + "webhooks:\n  retry_schedule:\n    - 0s\n    - 10 s\n    - 1m\n",
        ['FILE:7: webhooks.retry_schedule[1]: expected a duration like "5s", got "10 s"'],
        True,
    ),
    (
        "empty-schedule",
        HEAD + "webhooks:\n  retry_schedule: []\n",
        ["FILE:5: webhooks.retry_schedule: expected a non-empty list"],
        True,
    ),
    (
        "bad-regex",
        HEAD + "match:\n  any:\n    ref: {regex: '[a-'}\n",
        ["FILE:6: match.any.ref.regex: invalid regex: unterminated character set at position 0"],
        False,
    ),
    (
        "canonical-name",
        "name: success\nprovider: topiic\noutcome: success\n",
        ['FILE:1: name: "success" is a canonical outcome; give the scenario another name'],
        True,
    ),
    (
        "bad-name",
        "name: Bad Name\nprovider: topiic\noutcome: success\n",
        [
            "FILE:1: name: expected lowercase letters, digits, - and _ (at most 63, starting "
            'with a letter or digit), got "Bad Name"'
        ],
        True,
    ),
    (
        "duplicate-yaml-key",
        HEAD + "redirect:\n  drop: true\n  drop: false\n",
        ['FILE:6: redirect.drop: duplicate key "drop" (first defined at line 5)'],
        None,
    ),
    ("empty-file", "", ["FILE:1: (root): file is empty"], None),
    ("comments-only", "# nothing yet\n", ["FILE:1: (root): file is empty"], None),
    ("list-at-top", "- name: x\n", ["FILE:1: (root): expected a mapping, got a list"], True),
    (
        "scalar-at-top",
        "just text\n",
        ['FILE:1: (root): expected a mapping, got a string ("just text")'],
        True,
    ),
    (
        "missing-required",
        "label: Hello\n",
        [
            'FILE:1: name: missing required key "name"',
            'FILE:1: provider: missing required key "provider"',
            'FILE:1: outcome: missing required key "outcome"',
        ],
        True,
    ),
    ("empty-label", HEAD + "label: ''\n", ["FILE:4: label: expected a non-empty string"], True),
    (
        "null-section",
        HEAD + "webhooks:\n",
        ["FILE:4: webhooks: expected a mapping, got null"],
        True,
    ),
    (
        "null-param",
        HEAD + "redirect:\n  params:\n    status:\n",
        ["FILE:6: redirect.params.status: expected a string, number or boolean, got null"],
        True,
    ),
    (
        "nan-field",
        HEAD + "webhooks:\n  fields: {amount: .nan}\n",
        ["FILE:5: webhooks.fields.amount: .nan cannot be sent as JSON"],
        False,
    ),
    (
        "both-any-and-all",
        HEAD + "match:\n  any: {ref: a}\n  all: {ref: b}\n",
        ['FILE:5: match: use exactly one of "any" or "all", not both'],
        True,
    ),
    ("neither-any-nor-all", HEAD + "match: {}\n", ['FILE:4: match: missing "any" or "all"'], True),
    (
        "match-typo",
        HEAD + "match:\n  anyy: {ref: a}\n",
        [
            'FILE:5: match.anyy: unknown key "anyy" (did you mean "any"?)',
            'FILE:5: match: missing "any" or "all"',
        ],
        True,
    ),
    (
        "unknown-match-field",
        HEAD + "match:\n  all:\n    contact.email: x\n",
        [
            'FILE:6: match.all.contact.email: unknown match field "contact.email" '
            '(did you mean "contact.em"?); valid fields: ref, contact.em'
        ],
        False,
    ),
    (
        "two-ops",
        HEAD + "match:\n  any:\n    ref: {contains: a, equals: b}\n",
        [f"FILE:6: match.any.ref: {OPS_MSG}"],
        True,
    ),
    ("no-op", HEAD + "match:\n  any:\n    ref: {}\n", [f"FILE:6: match.any.ref: {OPS_MSG}"], True),
    (
        "unknown-op",
        HEAD + "match:\n  any:\n    ref: {startswith: a}\n",
        [
            'FILE:6: match.any.ref.startswith: unknown key "startswith"; '
            "expected one of: contains, equals, regex"
        ],
        True,
    ),
    (
        "no-conditions",
        HEAD + "match:\n  any: {}\n",
        ["FILE:5: match.any: expected at least one field to match on"],
        True,
    ),
    (
        "empty-condition",
        HEAD + "match:\n  any: {ref: ''}\n",
        ["FILE:5: match.any.ref: expected a non-empty string"],
        True,
    ),
    (
        "number-condition",
        HEAD + "match:\n  any: {ref: 42}\n",
        ["FILE:5: match.any.ref: expected a string, got an integer (42)"],
        True,
    ),
    (
        "several-errors",
        textwrap.dedent(
            """\
            name: Success
            provider: topiic
            outcom: x
            redirect:
              dely: 5s
              params: {a: ~}
            webhooks:
              retry_schedule: [0s, soon, [1]]
              duplicate: yes please
            match:
              any: {ref: {regex: "("}, foo: x}
            """
        ),
        [
            'FILE:1: outcome: missing required key "outcome"',
            "FILE:1: name: expected lowercase letters, digits, - and _ (at most 63, starting "
            'with a letter or digit), got "Success"',
            'FILE:3: outcom: unknown key "outcom" (did you mean "outcome"?)',
            'FILE:5: redirect.dely: unknown key "dely" (did you mean "delay"?)',
            "FILE:6: redirect.params.a: expected a string, number or boolean, got null",
            'FILE:8: webhooks.retry_schedule[1]: expected a duration like "5s", got "soon"',
            'FILE:8: webhooks.retry_schedule[2]: expected a duration like "5s", got a list',
            'FILE:9: webhooks.duplicate: expected true or false, got a string ("yes please")',
            "FILE:11: match.any.ref.regex: invalid regex: "
            "missing ), unterminated subpattern at position 0",
            'FILE:11: match.any.foo: unknown match field "foo"; valid fields: ref, contact.em',
        ],
        True,
    ),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e, _ in BROKEN])
def test_broken_files(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert problems_in(write(tmp_path / "broken.yaml", text)) == expected


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: x\nprovider: topiic\noutcome: success\nlabel: Caf\xe9\n")
    assert problems_in(path) == ["FILE:4: file: not valid UTF-8: invalid continuation byte"]


# -- the JSON Schema agrees with the loader --------------------------------------------------

VALID = [
    FULL,
    MINIMAL,
    MINIMAL + "redirect: {}\nwebhooks: {}\n",
    MINIMAL + "redirect: {delay: 1.5, params: {n: 1, ok: true}}\nwebhooks: {delay: 0}\n",
    MINIMAL + "match:\n  all:\n    ref: {equals: abc}\n    contact.em: {contains: '@'}\n",
    MINIMAL + "webhooks:\n  retry_schedule: [0, 1.5, '30', 500ms, 1d2h3m4s5ms]\n",
]


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


@pytest.mark.parametrize("text", VALID)
def test_schema_accepts_valid_files(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "ok.yaml", text)
    assert problems_in(path) == []
    assert list(validator().iter_errors(load_yaml(path).value)) == []


@pytest.mark.parametrize(
    ("text", "rejects"),
    [pytest.param(t, r, id=i) for i, t, _, r in BROKEN if r is not None],
)
def test_schema_agrees_on_broken_files(tmp_path: Path, text: str, rejects: bool) -> None:
    data = load_yaml(write(tmp_path / "broken.yaml", text)).value
    assert (not validator().is_valid(data)) is rejects


def test_schema_is_valid_and_in_step_with_the_code() -> None:
    published = schema()
    jsonschema.Draft202012Validator.check_schema(published)
    assert published["$id"] == "https://mockprovider.dev/schemas/scenario.schema.json"
    props = published["properties"]
    assert list(props) == [*scenario_loader.TOP_REQUIRED, *scenario_loader.TOP_OPTIONAL]
    assert published["required"] == list(scenario_loader.TOP_REQUIRED)
    assert list(props["redirect"]["properties"]) == list(scenario_loader.REDIRECT_KEYS)
    assert list(props["webhooks"]["properties"]) == list(scenario_loader.WEBHOOK_KEYS)
    assert props["name"]["pattern"] == f"^{scenario_loader.NAME_PATTERN}$"
    assert tuple(props["name"]["not"]["enum"]) == CANONICAL_OUTCOMES
    condition = published["$defs"]["condition"]["oneOf"][1]
    assert tuple(condition["properties"]) == scenario_loader.OPS
    duration = published["$defs"]["duration"]["anyOf"][1]
    assert duration["pattern"] == DURATION_PATTERN
    assert schema() is not published  # a fresh copy each call


def test_schema_documents_every_key() -> None:
    def walk(node: Any, where: str) -> Iterator[str]:
        if isinstance(node, dict):
            for key, child in node.get("properties", {}).items():
                if "description" not in child:
                    yield f"{where}.{key}"
            for key, child in node.items():
                yield from walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                yield from walk(child, f"{where}[{i}]")

    assert list(walk(schema(), "")) == []
