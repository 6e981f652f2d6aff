"""The pytest plugin's shared mode, as a user's run sees it (`pytester` in a subprocess, the
plugin by its entry point, see tests/test_pytest_plugin.py): `--mockprovider-url` or env
MOCKPROVIDER_PYTEST_URL points it at a running sandbox (here a `LiveServer` with an admin
token), each test gets a tenant of its own there, deleted afterwards; without the admin token
it says how to give it, and `mockprovider_server` says it is not the one to use."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mockprovider.config import Config
from mockprovider.testing import LiveServer, SandboxClient
from tests.test_pytest_plugin import CONFTEST, USERS_RUN, outcomes, section

pytest_plugins = ["pytester"]

ADMIN = "plugin-shared-admin-token-0123456789"
INNER = {
    "test_tenant": """
import re
import pytest
from mockprovider.testing import ControlError

def test_each_test_has_a_tenant(mockprovider, mockprovider_tenant, mockprovider_receiver):
    assert re.fullmatch(r"pytest-main-[0-9a-f]{8}", mockprovider_tenant)
    assert mockprovider.tenant == mockprovider_tenant
    assert str(mockprovider.http.base_url) == f"{mockprovider.url}/_t/{mockprovider_tenant}/"
    assert mockprovider.settings("topiic")["webhook_url"] == mockprovider_receiver.url_for("topiic")
    assert mockprovider.sessions() == []

def test_another_test_another_tenant(mockprovider_tenant, mockprovider, open_checkout):
    open_checkout()
    assert len(mockprovider.sessions()) == 1

@pytest.mark.mockprovider(settings={"topiic": {"expire_now": "silent"}}, scenario="declined")
def test_the_marker_applies_in_the_tenant(mockprovider, open_checkout):
    assert mockprovider.settings("topiic")["expire_now"] == "silent"
    open_checkout()
    [session] = mockprovider.sessions()
    assert mockprovider.complete(session["id"])["session"]["scenario"] == "declined"

def test_its_token_opens_only_its_tenant(mockprovider):
    with pytest.raises(ControlError, match="401"):  # an admin route
        mockprovider.tenants()
""",
    "test_server": """
def test_asks_for_the_in_thread_server(mockprovider_server):
    pass
""",
}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(Config(store="memory", admin_token=ADMIN)) as live:
        yield live


def inner_run(
    pytester: pytest.Pytester, *args: str, env: dict[str, str] | None = None
) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(**INNER)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        for name in [n for n in os.environ if n.startswith(("PYTEST_XDIST_", "MOCKPROVIDER_"))]:
            patch.delenv(name)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        return pytester.runpytest_subprocess("-v", *USERS_RUN, *args)


def named_tenants(server: LiveServer) -> list[str]:
    with SandboxClient(server.url, token=ADMIN) as admin:
        return [t["name"] for t in admin.tenants() if t["name"] != "default"]


@pytest.mark.parametrize("given", ["flags", "env"])
def test_every_test_runs_in_its_own_tenant_of_the_shared_sandbox(
    server: LiveServer, pytester: pytest.Pytester, given: str
) -> None:
    if given == "flags":
        args = ["--mockprovider-url", server.url, "--mockprovider-admin-token", ADMIN]
        result = inner_run(pytester, *args)
    else:
        env = {"MOCKPROVIDER_PYTEST_URL": server.url + "/", "MOCKPROVIDER_ADMIN_TOKEN": ADMIN}
        result = inner_run(pytester, env=env)

    assert set(outcomes(result, "test_tenant").values()) == {"PASSED"}, result.stdout.str()
    assert len(outcomes(result, "test_tenant")) == 4
    assert outcomes(result, "test_server") == {"test_asks_for_the_in_thread_server": "ERROR"}
    assert "with a shared one" in section(
        result, "ERROR at setup of test_asks_for_the_in_thread_server"
    )
    assert named_tenants(server) == []
    with SandboxClient(server.url, token=ADMIN) as admin:
        assert admin.sessions() == []  # nothing reached the default tenant


def test_without_the_admin_token_it_says_how_to_give_it(
    server: LiveServer, pytester: pytest.Pytester
) -> None:
    result = inner_run(pytester, "-k", "has_a_tenant", env={"MOCKPROVIDER_PYTEST_URL": server.url})

    assert outcomes(result, "test_tenant") == {"test_each_test_has_a_tenant": "ERROR"}
    error = section(result, "ERROR at setup of test_each_test_has_a_tenant")
    assert f"the sandbox at {server.url} wants its admin token" in error
    assert "--mockprovider-admin-token or MOCKPROVIDER_ADMIN_TOKEN" in error
    assert "Traceback" not in error
