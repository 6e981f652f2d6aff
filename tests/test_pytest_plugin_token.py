"""The pytest plugin against a sandbox with an admin token: a user's `conftest.py` gives its
`mockprovider_config` one, and the `mockprovider` fixture sends it on every control call (reset
included), never on the provider requests of `mockprovider.http`. Run by `pytester` in a
subprocess, like tests/test_pytest_plugin.py."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
import pytest
from mockprovider.config import Config

TOKEN = "plugin-admin-token-0123456789"


@pytest.fixture(scope="session")
def mockprovider_config():
    return Config(store="memory", admin_token=TOKEN)
"""

INNER = """
import httpx

from conftest import TOKEN


def test_the_client_sends_the_token(mockprovider, mockprovider_admin_token):
    assert mockprovider_admin_token == TOKEN
    assert mockprovider.sessions() == []          # the reset before it passed too
    assert mockprovider.advance(5) > 0


def test_the_server_really_wants_it(mockprovider):
    anonymous = httpx.get(mockprovider.url + "/_sandbox/sessions")
    assert anonymous.status_code == 401
    assert "authorization" not in mockprovider.http.headers
"""


def test_the_plugin_sends_the_configured_admin_token(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner=INNER)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")

    result.assert_outcomes(passed=2)
