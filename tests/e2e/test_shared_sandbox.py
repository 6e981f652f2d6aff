"""One `mockprovider serve` with an admin token, shared the way a team or CI shares it:

* an inner `pytest -n 4 --mockprovider-url URL` (a user's run: the plugin by its entry point,
  plus xdist) of tests that each create sessions, complete them, wait for their webhooks,
  move the clock and reset, all at once against that one server: each runs in a tenant of its
  own (`pytest-gw<N>-<random>`), sees only its own sessions and webhooks, and every tenant is
  gone afterwards, a failing test's included;
* `mockprovider --tenant X sessions list` against it shows only X's sessions.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from mockprovider.cli import main
from tests.e2e.servers import ServerProcess, running
from tests.test_pytest_plugin import CONFTEST, USERS_RUN

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

ADMIN = "shared-sandbox-admin-token-0123456789"
FLOWS = 8
FLOW = """
import os
import pytest

@pytest.mark.parametrize("n", range(__FLOWS__))
def test_flow(n, mockprovider, mockprovider_receiver, mockprovider_tenant, open_checkout):
    with open(os.environ["TENANTS_SEEN"], "a") as seen:
        seen.write(mockprovider_tenant + "\\n")
    assert mockprovider.base_url("topiic").endswith(f"/_t/{mockprovider_tenant}/topiic")
    refs = [f"{mockprovider_tenant}-{i}" for i in range(3)]
    for ref in refs:
        open_checkout(ref=ref)
    mine = mockprovider.sessions("topiic")
    assert len(mine) == 3                      # no other test's sessions
    for session in mine:
        mockprovider.complete(session["id"], "success")
    for session in mine:
        # A generous timeout: it returns as soon as the webhook is in, and CI machines are busy.
        mockprovider.wait_for_webhook("checkout.completed", 20, session_id=session["id"])
    got = sorted(r.json()["data"]["externalRef"] for r in mockprovider_receiver.received())
    assert got == sorted(refs)                 # no other test's webhooks
    assert mockprovider.advance(60 * (n + 1)) > 0
    assert mockprovider.call("GET", "/clock")["offset"] == 60 * (n + 1)  # its clock alone
    mockprovider.reset()
    assert mockprovider.sessions() == [] and mockprovider.webhooks() == []
    assert mockprovider.call("GET", "/clock")["offset"] == 0
""".replace("__FLOWS__", str(FLOWS))
FAILING = """
import os

def test_fails_after_making_a_session(mockprovider, mockprovider_tenant, open_checkout):
    with open(os.environ["TENANTS_SEEN"], "a") as seen:
        seen.write(mockprovider_tenant + "\\n")
    open_checkout()
    assert mockprovider.sessions() == [], "fails on purpose"
"""
TENANT = re.compile(r"pytest-gw[0-3]-[0-9a-f]{8}")
#: A test's line in the output of `pytest -v -n 4`.
OUTCOME = re.compile(r"^\[gw\d+\] \[\s*\d+%\] (PASSED|FAILED|ERROR) (test_\w+\.py::\S+)", re.M)


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """`{"test_file.py::test_name": "PASSED", …}` of an inner run under xdist."""
    return {test: outcome for outcome, test in OUTCOME.findall(result.stdout.str())}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKPROVIDER_")}
    env["MOCKPROVIDER_ADMIN_TOKEN"] = ADMIN
    with running(ServerProcess(tmp_path_factory.mktemp("shared"), env=env)) as process:
        yield process


def admin(server: ServerProcess) -> httpx.Client:
    return server.client(headers={"authorization": f"Bearer {ADMIN}"})


def named_tenants(server: ServerProcess) -> list[str]:
    with admin(server) as http:
        listed = http.get("/_sandbox/tenants").json()["tenants"]
    return [t["name"] for t in listed if t["name"] != "default"]


def test_pytest_n_4_against_one_server_runs_each_test_in_its_own_tenant(
    server: ServerProcess, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_flows=FLOW, test_failing=FAILING)
    seen = pytester.path / "tenants-seen.txt"
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    for name in [n for n in os.environ if n.startswith(("PYTEST_XDIST_", "MOCKPROVIDER_"))]:
        monkeypatch.delenv(name)  # this suite's own xdist worker, a user's sandbox settings
    monkeypatch.setenv("MOCKPROVIDER_PYTEST_URL", server.base_url)
    monkeypatch.setenv("MOCKPROVIDER_ADMIN_TOKEN", ADMIN)
    monkeypatch.setenv("TENANTS_SEEN", str(seen))

    result = pytester.runpytest_subprocess("-v", *USERS_RUN, "-p", "xdist.plugin", "-n", "4")

    expected = {f"test_flows.py::test_flow[{n}]": "PASSED" for n in range(FLOWS)}
    expected["test_failing.py::test_fails_after_making_a_session"] = "FAILED"
    assert outcomes(result) == expected, result.stdout.str()
    used = seen.read_text().split()
    assert len(used) == len(set(used)) == FLOWS + 1, used
    assert all(TENANT.fullmatch(name) for name in used), used
    assert len({name.split("-")[1] for name in used}) > 1, used  # more than one worker ran
    assert named_tenants(server) == []  # every test's tenant deleted, the failed one's too
    with admin(server) as http:
        assert http.get("/_sandbox/sessions").json()["sessions"] == []  # none in the default


def cli(server: ServerProcess, *args: str, tenant_env: str | None = None) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("MOCKPROVIDER_")}
    env |= {"MOCKPROVIDER_URL": server.base_url, "MOCKPROVIDER_ADMIN_TOKEN": ADMIN}
    if tenant_env is not None:
        env["MOCKPROVIDER_TENANT"] = tenant_env
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def session_ids(result: Result) -> list[str]:
    """The ids `sessions list` printed (its second column)."""
    return [line.split()[1] for line in result.stdout.splitlines()]


def test_the_cli_with_a_tenant_shows_only_that_tenants_sessions(server: ServerProcess) -> None:
    cli(server, "tenants", "create", "cli-a")
    cli(server, "tenants", "create", "cli-b", "--shared-credentials")
    try:
        made = {
            "cli-a": cli(server, "trigger", "topiic", "success", "--tenant", "cli-a"),
            "cli-b": cli(server, "trigger", "topiic", "success", tenant_env="cli-b"),
            "default": cli(server, "trigger", "topiic", "user_abort"),
        }
        ids = {tenant: result.stdout.split()[1] for tenant, result in made.items()}

        listed = {
            "cli-a": session_ids(cli(server, "--tenant", "cli-a", "sessions", "list")),
            "cli-b": session_ids(cli(server, "sessions", "list", tenant_env="cli-b")),
            "default": session_ids(cli(server, "sessions", "list")),
        }
        cli(server, "reset", "--tenant", "cli-a")
        after_reset = {
            "cli-a": session_ids(cli(server, "sessions", "list", "--tenant", "cli-a")),
            "cli-b": session_ids(cli(server, "sessions", "list", "--tenant", "cli-b")),
            "default": session_ids(cli(server, "sessions", "list")),
        }
    finally:
        cli(server, "tenants", "delete", "cli-a")
        cli(server, "tenants", "delete", "cli-b")
        cli(server, "reset")

    assert listed == {tenant: [session] for tenant, session in ids.items()}
    assert after_reset == {**listed, "cli-a": []}
    assert named_tenants(server) == []


def test_tenants_create_with_a_settings_file_on_a_real_server(
    server: ServerProcess, tmp_path: Path
) -> None:
    settings = tmp_path / "cli-c.yaml"
    settings.write_text(
        "topiic:\n  events: [checkout.failed]\n  expire_now: silent\n", encoding="utf-8"
    )

    made = cli(server, "tenants", "create", "cli-c", "--settings-file", str(settings), "--json")
    try:
        with admin(server) as http:
            topiic = http.get("/_sandbox/tenants/cli-c/providers/topiic/settings").json()
            default = http.get("/_sandbox/providers/topiic/settings").json()
    finally:
        cli(server, "tenants", "delete", "cli-c")

    assert json.loads(made.stdout)["name"] == "cli-c"
    assert (topiic["events"], topiic["expire_now"]) == (["checkout.failed"], "silent")
    assert default["events"] == ["checkout.completed", "checkout.failed"]
    assert topiic["api_key_id"] != default["api_key_id"]  # credentials of its own
    assert named_tenants(server) == []
