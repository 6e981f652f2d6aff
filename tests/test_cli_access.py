"""`serve` refuses to open the control API to a network without a token (click's CliRunner with
uvicorn replaced, and a real subprocess), and no `--help` shows a token from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mockprovider.app.exposure import is_loopback
from mockprovider.cli import main
from mockprovider.config import Config

TOKEN = "s3cret-admin-token-for-tests"
EVERYWHERE = "0.0.0.0"  # noqa: S104 (the address serve must refuse)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The HTTP server replaced: what serve would have served with, instead of serving."""
    from mockprovider.app import serving

    calls: list[dict[str, Any]] = []

    def record(config: Any, scenarios: Any, **options: Any) -> None:
        calls.append({"host": config.host, "port": config.port, **options})

    monkeypatch.setattr(serving, "serve", record)
    return calls


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MOCKPROVIDER_")}


def serve(*args: str, env: dict[str, str] | None = None) -> Result:
    argv = ["serve", "--store", "memory", "--port", "8655", *args]
    environment: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith("MOCKPROVIDER_")
    }
    environment.update(env or {})
    return CliRunner().invoke(main, argv, env=environment, catch_exceptions=False)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost", "LOCALHOST.", "::ffff:127.0.0.1"],
)
def test_loopback_needs_nothing(host: str, served: list[dict[str, Any]]) -> None:
    result = serve("--host", host)

    assert result.exit_code == 0, result.output
    assert served[0]["host"] == host
    assert "control API and dashboard: open, no token" in result.stderr
    assert "warning" not in result.stderr


@pytest.mark.parametrize(
    "host", [EVERYWHERE, "::", "192.168.1.20", "10.0.0.7", "sandbox.lan", "::ffff:10.0.0.1", ""]
)
def test_any_other_address_without_a_token_is_refused_and_says_why(
    host: str, served: list[dict[str, Any]]
) -> None:
    result = serve("--host", host)

    assert result.exit_code == 1
    assert served == []
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: refusing to listen on {host}:8655 without an admin token: ")
    for said in (
        "reset the sandbox",
        "--admin-token",
        "MOCKPROVIDER_ADMIN_TOKEN",
        "--insecure-open",
    ):
        assert said in line
    assert not is_loopback(host)


def test_the_host_from_the_environment_or_config_file_is_checked_too(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    config = tmp_path / "mockprovider.yaml"
    config.write_text("server:\n  host: 0.0.0.0\n", encoding="utf-8")

    by_env = serve(env={"MOCKPROVIDER_HOST": EVERYWHERE})
    by_file = serve("--config", str(config))

    assert (by_env.exit_code, by_file.exit_code) == (1, 1)
    assert served == []


def test_insecure_open_serves_and_warns(served: list[dict[str, Any]]) -> None:
    result = serve("--host", EVERYWHERE, "--insecure-open")

    assert result.exit_code == 0
    assert served[0]["host"] == EVERYWHERE
    assert "warning: --insecure-open: anyone who can reach this address" in result.stderr


@pytest.mark.parametrize("where", ["flag", "env", "file"])
def test_an_admin_token_opens_any_address(
    where: str, tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    config = tmp_path / "conf.yaml"
    config.write_text(f"server:\n  admin_token: {TOKEN}\n", encoding="utf-8")
    args = {"flag": ["--admin-token", TOKEN], "env": [], "file": ["--config", str(config)]}[where]
    env = {"MOCKPROVIDER_ADMIN_TOKEN": TOKEN} if where == "env" else {}

    result = serve("--host", EVERYWHERE, *args, env=env)

    assert result.exit_code == 0, result.output
    assert "control API and dashboard: admin token required" in result.stderr
    assert TOKEN not in result.output


def test_a_short_token_is_refused(served: list[dict[str, Any]]) -> None:
    result = serve("--admin-token", "tooshort")

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: the admin token (--admin-token, MOCKPROVIDER_ADMIN_TOKEN"
    )
    assert "at least 16 characters" in result.stderr
    assert "tooshort" not in result.output
    assert served == []


def test_trace_logging_which_would_log_the_token_is_refused(served: list[dict[str, Any]]) -> None:
    result = serve("--admin-token", TOKEN, "--log-level", "trace")

    assert result.exit_code == 1
    assert "--log-level trace logs every request's headers" in result.stderr
    assert served == []


@pytest.mark.parametrize(
    "command",
    [["serve"], ["webhooks", "list"], ["webhooks", "tail"], ["sessions", "list"], ["trigger"]],
)
def test_help_never_shows_a_token_from_the_environment(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], env={"MOCKPROVIDER_ADMIN_TOKEN": TOKEN})

    assert result.exit_code == 0
    assert "--admin-token" in result.output
    assert TOKEN not in result.output


def test_a_real_serve_on_every_interface_refuses_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockprovider", "serve", "--store", "memory", "--host", EVERYWHERE],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stdout) == (1, "")
    [line] = done.stderr.splitlines()
    assert line.startswith("error: refusing to listen on 0.0.0.0:8600 without an admin token")


def test_the_config_never_shows_the_token_in_its_repr() -> None:
    assert TOKEN not in repr(Config(admin_token=TOKEN))
    assert "admin_token" not in repr(Config(admin_token=TOKEN))
