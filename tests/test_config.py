from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mockprovider.config import Config, load_config
from mockprovider.errors import ConfigError, InvalidInput
from mockprovider.providers.topiic.settings import SETTINGS

DECLARED = {"topiic": SETTINGS}

FULL_FILE = """\
server:
  host: 192.0.2.10
  port: 9000
  store: memory
  public_url: https://sandbox.example
  secret_key: file-secret
scenarios: [qa, ./more/qa2]
providers:
  topiic:
    webhook_url: http://127.0.0.1:3000/hooks
    test_cards: false
"""


@pytest.fixture(autouse=True)
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs where no `mockprovider.yaml` is lying around."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_defaults_without_file_env_or_flags() -> None:
    assert load_config(None, {}, DECLARED) == Config()
    assert Config() == Config(
        host="127.0.0.1",
        port=8600,
        store="sqlite:.mockprovider/state.db",
        public_url=None,
        secret_key=None,
        scenario_dirs=[],
        providers={},
    )


def test_yaml_file_overlays_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "conf.yaml", FULL_FILE)

    config = load_config(path, {}, DECLARED)

    assert config == Config(
        host="192.0.2.10",
        port=9000,
        store="memory",
        public_url="https://sandbox.example",
        secret_key="file-secret",
        scenario_dirs=[tmp_path / "qa", tmp_path / "more" / "qa2"],
        providers={"topiic": {"webhook_url": "http://127.0.0.1:3000/hooks", "test_cards": False}},
    )


def test_environment_overlays_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "conf.yaml", FULL_FILE)
    env = {
        "MOCKPROVIDER_HOST": "10.1.2.3",
        "MOCKPROVIDER_PORT": "9100",
        "MOCKPROVIDER_STORE": "sqlite:/tmp/x.db",
        "MOCKPROVIDER_PUBLIC_URL": "https://env.example",
        "MOCKPROVIDER_SECRET_KEY": "env-secret",
        "MOCKPROVIDER_SCENARIOS": "/env/a::/env/b",
        "MOCKPROVIDER_UNRELATED": "ignored",
    }

    config = load_config(path, env, DECLARED)

    assert (config.host, config.port, config.store) == ("10.1.2.3", 9100, "sqlite:/tmp/x.db")
    assert (config.public_url, config.secret_key) == ("https://env.example", "env-secret")
    assert config.scenario_dirs == [
        tmp_path / "qa",
        tmp_path / "more" / "qa2",
        Path("/env/a"),
        Path("/env/b"),
    ]
    assert config.providers["topiic"]["test_cards"] is False


def test_empty_environment_values_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "conf.yaml", FULL_FILE)
    config = load_config(path, {"MOCKPROVIDER_PORT": "", "MOCKPROVIDER_HOST": ""}, DECLARED)
    assert (config.host, config.port) == ("192.0.2.10", 9000)


def test_flags_win_over_environment_and_file(tmp_path: Path) -> None:
    path = write(tmp_path / "conf.yaml", FULL_FILE)
    env = {"MOCKPROVIDER_PORT": "9100", "MOCKPROVIDER_HOST": "10.1.2.3"}

    config = load_config(
        path,
        env,
        DECLARED,
        scenario_dirs=[Path("/flag/dir")],
        port=9200,
        host=None,
        store="memory:",
        public_url=None,
    )

    assert (config.port, config.host, config.store) == (9200, "10.1.2.3", "memory:")
    assert config.public_url == "https://sandbox.example"
    assert config.scenario_dirs[-1] == Path("/flag/dir")


def test_config_file_named_by_the_environment(tmp_path: Path) -> None:
    named = write(tmp_path / "named.yaml", "server: {port: 9300}\n")
    explicit = write(tmp_path / "explicit.yaml", "server: {port: 9400}\n")
    env = {"MOCKPROVIDER_CONFIG": str(named)}

    assert load_config(None, env, DECLARED).port == 9300
    assert load_config(explicit, env, DECLARED).port == 9400


def test_mockprovider_yaml_in_the_working_directory_is_read(empty_cwd: Path) -> None:
    write(empty_cwd / "mockprovider.yaml", "server: {port: 9500}\n")
    assert load_config(None, {}, DECLARED).port == 9500


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_file_changes_nothing(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "conf.yaml", text)
    assert load_config(path, {}, DECLARED) == Config()


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "tenants:\n  Team_A: {}\n",
            [
                "2: tenants.Team_A: a tenant name is 1 to 40 lower-case letters, digits and '-'"
                " (not 'default')"
            ],
        ),
        (
            "tenants:\n  team-a:\n    token: short\n",
            ["3: tenants.team-a.token: a tenant token has at least 16 characters"],
        ),
        (
            "tenants:\n  team-a:\n    tokn: x\n",
            ['3: tenants.team-a.tokn: unknown key "tokn" (did you mean "token"?)'],
        ),
        (
            "tenants:\n  team-a:\n    providers:\n      topiic:\n        test_cards: 'no'\n",
            ["5: tenants.team-a.providers.topiic.test_cards: expected a boolean, got a string"],
        ),
        (
            "tenants:\n  team-a:\n    limits:\n      sessions: lots\n",
            ['4: tenants.team-a.limits.sessions: expected an integer, got a string ("lots")'],
        ),
        (
            "limits:\n  session: 5\n",
            ['2: limits.session: unknown key "session" (did you mean "sessions"?)'],
        ),
        (
            'server:\n  port: "abc"\n',
            ['2: server.port: expected an integer, got a string ("abc")'],
        ),
        (
            "server:\n  port: 70000\n",
            ["2: server.port: expected an integer <= 65535, got 70000"],
        ),
        (
            "server:\n  host: 5\n  store: ''\n",
            [
                "2: server.host: expected a string, got an integer (5)",
                "3: server.store: expected a non-empty string",
            ],
        ),
        (
            "server:\n  prot: 1\n",
            ['2: server.prot: unknown key "prot" (did you mean "port"?)'],
        ),
        (
            "serve:\n  port: 9000\n",
            ['1: serve: unknown key "serve" (did you mean "server"?)'],
        ),
        (
            "listen: 1\n",
            [
                '1: listen: unknown key "listen"; expected one of: limits, providers, scenarios,'
                " server, tenants"
            ],
        ),
        (
            "providers:\n  topic:\n    webhook_url: http://x/\n",
            ['2: providers.topic: unknown key "topic" (did you mean "topiic"?)'],
        ),
        (
            "providers:\n  topiic:\n    webhook_ur: http://x/\n",
            [
                "3: providers.topiic.webhook_ur: unknown setting 'webhook_ur' for topiic"
                " (did you mean 'webhook_url'?)"
            ],
        ),
        (
            "providers:\n  topiic:\n    webhook_url: http://x/\n    test_cards: 'yes'\n",
            ["4: providers.topiic.test_cards: expected a boolean, got a string"],
        ),
        (
            "providers:\n  topiic: [webhook_url]\n",
            ["2: providers.topiic: expected a mapping, got a list"],
        ),
        (
            "scenarios: ./qa\n",
            ['1: scenarios: expected a list, got a string ("./qa")'],
        ),
        (
            "- server\n",
            ["1: (root): expected a mapping, got a list"],
        ),
        (
            'serve: 1\nserver:\n  port: "x"\nproviders:\n  topiic:\n    nope: 1\n',
            [
                '1: serve: unknown key "serve" (did you mean "server"?)',
                '3: server.port: expected an integer, got a string ("x")',
                "6: providers.topiic.nope: unknown setting 'nope' for topiic",
            ],
        ),
        (
            'server:\n  port: "abc"\nprovidres: {}\n',
            [
                '2: server.port: expected an integer, got a string ("abc")',
                '3: providres: unknown key "providres" (did you mean "providers"?)',
            ],
        ),
    ],
    ids=[
        "tenant-name-invalid",
        "tenant-token-short",
        "tenant-unknown-key",
        "tenant-setting-wrong",
        "tenant-limit-not-a-number",
        "limits-unknown-key",
        "port-not-a-number",
        "port-out-of-range",
        "host-and-store-wrong",
        "unknown-server-key",
        "unknown-top-level-key",
        "unknown-top-level-key-without-hint",
        "unknown-provider",
        "unknown-provider-setting",
        "wrong-setting-type",
        "provider-not-a-mapping",
        "scenarios-not-a-list",
        "root-not-a-mapping",
        "every-problem-at-once",
        "problems-in-file-order",
    ],
)
def test_file_problems_are_reported_as_file_line_key_message(
    tmp_path: Path, text: str, problems: list[str]
) -> None:
    path = write(tmp_path / "conf.yaml", text)

    with pytest.raises(ConfigError) as caught:
        load_config(path, {}, DECLARED)

    assert [str(p) for p in caught.value.problems] == [f"{path}:{p}" for p in problems]
    assert caught.value.message == "\n".join(f"{path}:{p}" for p in problems)


def test_yaml_syntax_error_points_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "conf.yaml", "server:\n  port: 9000\n  host: [oops\n")

    with pytest.raises(ConfigError) as caught:
        load_config(path, {}, DECLARED)

    (problem,) = caught.value.problems
    assert (problem.path, problem.key) == (str(path), "yaml")
    assert problem.line >= 3


def test_missing_config_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(ConfigError) as caught:
        load_config(path, {}, DECLARED)

    assert [str(p) for p in caught.value.problems] == [f"{path}:1: file: No such file or directory"]


@pytest.mark.parametrize("port", ["abc", "80.5", "-1", "65536", " "])
def test_bad_port_in_the_environment_is_invalid_input(port: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_config(None, {"MOCKPROVIDER_PORT": port}, DECLARED)

    assert caught.value.message == (
        f"MOCKPROVIDER_PORT must be a whole number from 0 to 65535, got {port!r}"
    )


def test_the_http_server_comes_from_file_environment_or_flag(tmp_path: Path) -> None:
    path = write(tmp_path / "conf.yaml", "server:\n  http_server: uvicorn\n")

    assert load_config(None, {}, DECLARED).http_server == "granian"
    assert load_config(path, {}, DECLARED).http_server == "uvicorn"
    env = {"MOCKPROVIDER_HTTP_SERVER": "granian"}
    assert load_config(path, env, DECLARED).http_server == "granian"
    assert load_config(path, env, DECLARED, http_server="uvicorn").http_server == "uvicorn"


def test_an_unknown_http_server_in_the_file_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "conf.yaml", "server:\n  port: 9000\n  http_server: gunicorn\n")

    with pytest.raises(ConfigError) as caught:
        load_config(path, {}, DECLARED)

    assert [str(p) for p in caught.value.problems] == [
        f"{path}:3: server.http_server: must be one of granian, uvicorn"
    ]


def test_an_unknown_http_server_in_the_environment_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_config(None, {"MOCKPROVIDER_HTTP_SERVER": "hypercorn"}, DECLARED)

    assert caught.value.message == (
        "MOCKPROVIDER_HTTP_SERVER must be one of granian, uvicorn, got 'hypercorn'"
    )


def test_tenants_and_limits_are_read_from_the_file(tmp_path: Path) -> None:
    text = (
        "limits: {sessions: 500}\n"
        "tenants:\n"
        "  team-a:\n"
        "    token: team-a-token-0123456789\n"
        "    shared_credentials: true\n"
        "    limits: {deliveries: 100, sessions: null}\n"
        "    providers:\n"
        "      topiic: {webhook_url: http://127.0.0.1:3000/hooks}\n"
    )
    config = load_config(write(tmp_path / "conf.yaml", text), {}, DECLARED)

    assert config.limits == {"sessions": 500}
    assert config.tenants == {
        "team-a": {
            "token": "team-a-token-0123456789",
            "shared_credentials": True,
            "limits": {"deliveries": 100, "sessions": None},
            "settings": {"topiic": {"webhook_url": "http://127.0.0.1:3000/hooks"}},
        }
    }
    assert "team-a-token" not in repr(config)
