from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import click
import httpx
import pytest
from click.testing import CliRunner, Result

from mockprovider.cli import main
from mockprovider.core.scenarios import schema
from mockprovider.providers.topiic import cli as topiic_cli
from mockprovider.resources import scenarios_dir
from mockprovider.storage.sqlite_sql import SCHEMA_VERSION
from tests.support import SANDBOX, T0, TOPIIC_SCENARIOS

BROKEN_SCENARIO = """\
name: Bad Name
provider: topiic
outcome: sucess
webhooks:
  delay: soon
"""
BROKEN_PROBLEMS = [
    "1: name: expected lowercase letters, digits, - and _ (at most 63, starting with a letter"
    ' or digit), got "Bad Name"',
    '3: outcome: unknown outcome "sucess" (did you mean "success"?); topiic supports: success,'
    " user_abort, capture_failure, expiry, closed_tab",
    '5: webhooks.delay: expected a duration like "5s", got "soon"',
]
BROKEN_CONFIG = 'server:\n  port: "abc"\nprovidres: {}\n'
CONFIG_PROBLEMS = [
    '2: server.port: expected an integer, got a string ("abc")',
    '3: providres: unknown key "providres" (did you mean "providers"?)',
]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- scenarios ---------------------------------------------------------------------------------


def test_validate_accepts_the_builtin_scenarios() -> None:
    result = run("scenarios", "validate", str(scenarios_dir()))

    assert (result.exit_code, result.stdout, result.stderr) == (0, "ok: 1 path(s) valid\n", "")


def test_validate_prints_file_line_key_message_for_each_problem_and_exits_2(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "bad.yaml"
    broken.write_text(BROKEN_SCENARIO, encoding="utf-8")

    result = run("scenarios", "validate", str(scenarios_dir()), str(broken))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{broken}:{p}" for p in BROKEN_PROBLEMS]


def test_validate_reports_a_missing_path(tmp_path: Path) -> None:
    result = run("scenarios", "validate", str(tmp_path / "nope"))

    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'nope'}:1: (path): no such file or directory\n"


def test_list_shows_the_builtin_scenarios() -> None:
    result = run("scenarios", "list")

    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[1] for row in rows if row[0] == "topiic"] == TOPIIC_SCENARIOS
    declined = next(line for line in result.stdout.splitlines() if " declined " in line)
    assert "capture_failure" in declined
    assert declined.endswith("scenarios/topiic/declined.yaml:3 (automatic)")


def test_list_adds_scenarios_from_given_directories(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "name: my-one\nprovider: topiic\noutcome: success\n", encoding="utf-8"
    )

    result = run("scenarios", "list", "--scenarios", str(tmp_path))

    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[1] for row in rows if row[0] == "topiic"] == [*TOPIIC_SCENARIOS, "my-one"]


def test_schema_prints_the_scenario_json_schema() -> None:
    result = run("scenarios", "schema")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == schema()


# -- topiic link -------------------------------------------------------------------------------


async def test_topiic_link_is_accepted_by_the_sandbox(client: httpx.AsyncClient) -> None:
    result = run(
        "topiic", "link", "--base", SANDBOX + "/topiic", "--exp", str(int(T0) + 600), "--ref", "r1"
    )
    assert result.exit_code == 0
    link = result.stdout.strip()

    entry = await client.get(link)
    page = await client.get(entry.headers["location"])

    assert entry.status_code == 303, entry.text
    assert page.status_code == 200
    assert "<code>r1</code>" in page.text


async def test_topiic_link_expires_ttl_after_now(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topiic_cli, "time", SimpleNamespace(time=lambda: T0))

    result = run("topiic", "link", "--base", SANDBOX + "/topiic", "--ttl", "1h30m", "--json")

    printed = json.loads(result.stdout)
    assert printed["payload"]["exp"] == int(T0) + 5400
    assert (await client.get(printed["link"])).status_code == 303


def test_topiic_link_refuses_a_bad_ttl() -> None:
    result = CliRunner().invoke(main, ["topiic", "link", "--ttl", "soon"])

    assert result.exit_code == 2
    assert "Invalid value for --ttl" in result.stderr
    assert 'expected a duration like "5s", got "soon"' in result.stderr


# -- help --------------------------------------------------------------------------------------


def _command_paths(command: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            paths += _command_paths(sub, (*prefix, name))
    return paths


@pytest.mark.parametrize(
    "path",
    [pytest.param(path, id=" ".join(path) or "mockprovider") for path in _command_paths(main)],
)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")

    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_help_works_in_a_fresh_process() -> None:
    """The CLI leaves httpx, Jinja and most providers to the commands that use them: a fresh
    interpreter (not this one, where the tests imported everything) must still list them all."""
    done = subprocess.run(
        [sys.executable, "-m", "mockprovider", "--help"],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stderr) == (0, "")
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line}
    assert listed == set(main.commands)


def test_the_help_test_walks_groups_and_their_subcommands() -> None:
    assert {
        (),
        ("scenarios",),
        ("scenarios", "list"),
        ("scenarios", "schema"),
        ("scenarios", "validate"),
        ("serve",),
        ("topiic",),
        ("topiic", "link"),
    } <= set(_command_paths(main))


# -- a real process: bad input never reaches the port or a traceback ---------------------------


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MOCKPROVIDER_")}


@pytest.mark.parametrize("case", ["bad-scenarios-dir", "missing-dir", "bad-config", "bad-env"])
def test_serve_with_bad_input_exits_before_binding_without_a_traceback(
    tmp_path: Path, case: str
) -> None:
    env = _clean_env()
    args = ["serve", "--store", "memory", "--host", "127.0.0.1", "--port", "0"]
    if case == "bad-scenarios-dir":
        bad_dir = tmp_path / "qa"
        bad_dir.mkdir()
        (bad_dir / "bad.yaml").write_text(BROKEN_SCENARIO, encoding="utf-8")
        args += ["--scenarios", str(bad_dir)]
        expected = [f"{bad_dir / 'bad.yaml'}:{p}" for p in BROKEN_PROBLEMS]
        code = 2
    elif case == "missing-dir":
        args += ["--scenarios", str(tmp_path / "nope")]
        expected = [f"{tmp_path / 'nope'}:1: (path): no such file or directory"]
        code = 2
    elif case == "bad-config":
        config = tmp_path / "bad.yaml"
        config.write_text(BROKEN_CONFIG, encoding="utf-8")
        args += ["--config", str(config)]
        expected = [f"{config}:{p}" for p in CONFIG_PROBLEMS]
        code = 2
    else:
        env["MOCKPROVIDER_PORT"] = "abc"
        args = ["serve", "--store", "memory"]
        expected = ["error: MOCKPROVIDER_PORT must be a whole number from 0 to 65535, got 'abc'"]
        code = 1

    done = subprocess.run(
        [sys.executable, "-m", "mockprovider", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stdout) == (code, "")
    assert done.stderr.splitlines() == expected
    assert "Traceback" not in done.stderr


def test_serve_refuses_several_workers_on_a_memory_store() -> None:
    result = run("serve", "--store", "memory", "--workers", "2")

    assert result.exit_code == 2
    assert "a memory store cannot be shared between workers" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_a_state_file_of_another_schema_in_one_line(tmp_path: Path) -> None:
    state = tmp_path / "old.db"
    with sqlite3.connect(state) as db:
        db.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY)")
        db.execute("PRAGMA user_version = 1")
    result = run("serve", "--store", f"sqlite:{state}", "--port", "0")

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: {state} holds sandbox state of another mockprovider version (schema 1, "
        f"expected {SCHEMA_VERSION}): delete it or use another --store"
    ]
