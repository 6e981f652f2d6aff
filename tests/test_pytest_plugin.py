"""The pytest plugin, as a user's suite sees it: inner test files run by `pytester` in a
subprocess, with the plugin loaded from its `pytest11` entry point (the package is installed in
the venv). In-process runs would share (and, on exit, unload) modules such as httpcore's with
this session.

One inner run holds every inner file (a pytest start-up costs about a second); each test here
checks the outcome and output of its own inner file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mockprovider.app.registry import all_providers

pytest_plugins = ["pytester"]

CONFTEST = '''
import re
import secrets
import time

import httpx
import pytest

from mockprovider.providers.topiic.link import build_link
from mockprovider.providers.topiic.settings import (
    SANDBOX_AKID, SANDBOX_MID, SANDBOX_PLAN, SANDBOX_SECRET,
)


@pytest.fixture
def open_checkout(mockprovider):
    """Open a signed Topiic link (exp = now + ttl) like a browser; the hosted page's URL."""

    def open_(ttl=1800, **overrides):
        payload = {
            "akid": SANDBOX_AKID, "mid": SANDBOX_MID, "plan": SANDBOX_PLAN,
            "ref": "cust_42", "contact": {"em": "maya@example.com"},
            "ret": "https://app.example/done?customer=42",
            "evts": ["checkout.completed", "checkout.failed"],
            "nonce": secrets.token_hex(16), "exp": int(time.time()) + ttl,
        }
        payload.update(overrides)
        link = build_link(SANDBOX_SECRET, payload, mockprovider.base_url("topiic"))
        answer = httpx.get(link)
        assert answer.status_code == 303, answer.text
        return answer.headers["location"]

    return open_
'''


INNER = {
    "test_checkout": """
import re
import httpx

def test_checkout(mockprovider, mockprovider_receiver, open_checkout):
    page_url = open_checkout()
    page = httpx.get(page_url)
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    done = httpx.post(httpx.URL(page_url).join(action), data={"t": token, "outcome": "success"})
    assert done.status_code == 303
    assert done.headers["location"].endswith("customer=42&status=ok")

    hook = mockprovider.wait_for_webhook("checkout.completed", provider="topiic")
    assert hook.json()["data"]["externalRef"] == "cust_42"
    assert hook.header("Topiic-Signature").startswith("t=")
    assert hook.request is not None and hook.request.path == "/topiic"
    assert [r.path for r in mockprovider_receiver.received()] == ["/topiic"]
    [session] = mockprovider.sessions("topiic")
    assert session["status"] == "finished"
    assert mockprovider.session(session["id"])["outcome"] == "success"
""",
    "test_reset": """
def test_first_leaves_state_behind(mockprovider, open_checkout):
    open_checkout()
    mockprovider.settings("topiic", events=["checkout.failed"])
    mockprovider.advance(60)
    [session] = mockprovider.sessions()
    mockprovider.complete(session["id"], "user_abort")
    mockprovider.wait_for_webhook("checkout.failed")

def test_second_sees_none_of_it(mockprovider, mockprovider_receiver):
    assert mockprovider.sessions() == []
    assert mockprovider.webhooks() == []
    assert mockprovider_receiver.received() == []
    settings = mockprovider.settings("topiic")
    assert settings["events"] == ["checkout.completed", "checkout.failed"]
    assert settings["webhook_url"] == mockprovider_receiver.url_for("topiic")
    assert mockprovider.call("GET", "/clock")["offset"] == 0
""",
    "test_marker": """
import pytest

@pytest.mark.mockprovider(settings={"topiic": {"expire_now": "silent"}}, scenario="declined")
class TestMarked:
    def test_class_marker(self, mockprovider, open_checkout):
        assert mockprovider.settings("topiic")["expire_now"] == "silent"
        open_checkout()
        [session] = mockprovider.sessions()
        answer = mockprovider.complete(session["id"])
        assert answer["session"]["scenario"] == "declined"
        assert mockprovider.wait_for_webhook("checkout.failed")

    @pytest.mark.mockprovider(
        settings={"topiic": {"events": ["checkout.failed"]}}, scenario="user_abort"
    )
    def test_closest_marker_wins(self, mockprovider, mockprovider_receiver):
        settings = mockprovider.settings("topiic")
        assert settings["expire_now"] == "silent"  # merged with the class's
        assert settings["events"] == ["checkout.failed"]
        assert settings["webhook_url"] == mockprovider_receiver.url_for("topiic")
        assert mockprovider.scenario == "user_abort"

def test_unmarked(mockprovider, open_checkout):
    assert mockprovider.settings("topiic")["expire_now"] == "notify"
    open_checkout()
    [session] = mockprovider.sessions()
    assert mockprovider.complete(session["id"])["session"]["outcome"] == "success"

@pytest.mark.mockprovider(settings=["topiic"])
def test_bad_marker(mockprovider):
    pass
""",
    "test_missed": """
def test_wrong_event(mockprovider, open_checkout):
    open_checkout(ref="order_7")
    [session] = mockprovider.sessions()
    mockprovider.complete(session["id"], "user_abort")
    mockprovider.wait_for_webhook("checkout.completed", timeout=0.3)

def test_receiver_refuses(mockprovider, mockprovider_receiver, open_checkout):
    mockprovider_receiver.respond(default=500)
    open_checkout()
    [session] = mockprovider.sessions()
    mockprovider.complete(session["id"])
    mockprovider.wait_for_webhook("checkout.completed", timeout=0.3)

def test_nothing_queued(mockprovider, open_checkout):
    open_checkout()
    mockprovider.wait_for_webhook("checkout.completed", timeout=0.1)
""",
    "test_expiry": """
def test_expiry(mockprovider, open_checkout):
    open_checkout(ttl=120)
    [session] = mockprovider.sessions("topiic")
    assert session["status"] == "created"
    mockprovider.advance(60)
    assert mockprovider.session(session["id"])["status"] == "created"
    mockprovider.advance(90)
    assert mockprovider.session(session["id"])["status"] == "expired"
""",
    "test_errors": """
import pytest
from mockprovider.testing import ControlError

def test_errors(mockprovider, open_checkout):
    with pytest.raises(ControlError, match="404"):
        mockprovider.session("nope")
    open_checkout()
    [session] = mockprovider.sessions()
    with pytest.raises(ControlError, match="422.*valid: success"):
        mockprovider.complete(session["id"], "teleport")
    with pytest.raises(ValueError, match="no provider 'stripe'"):
        mockprovider.base_url("stripe")
""",
}
INNER["test_default_tenant"] = """
def test_the_plugins_own_server_is_the_default_tenant(mockprovider, mockprovider_tenant):
    assert mockprovider_tenant == "default"
    assert mockprovider.tenant is None
    assert mockprovider.base_url("topiic") == mockprovider.url + "/topiic"
    assert mockprovider.call("GET", "/clock")["offset"] == 0
"""
README = Path(__file__).resolve().parent.parent / "README.md"


def readme_examples() -> list[str]:
    """The Python blocks of the README's "Testing with pytest" section."""
    text = README.read_text()
    section = text.split("\n## Testing with pytest\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)


INNER["test_readme"] = "\n\n".join(readme_examples())
OUTCOME = re.compile(r"^(test_\w+\.py::\S+) (PASSED|FAILED|ERROR|SKIPPED)", re.M)


#: A user's run: no configuration file, only pytest and mockprovider's plugin, named by its
#: `pytest11` entry point (plugin autoloading is off, see `inner`: this venv's dev tools such
#: as pytest-asyncio, schemathesis, hypothesis and xdist would add their start-up time and
#: their own warnings), every deprecation an error and leaked sockets shown (as `python -X dev`
#: would).
USERS_RUN = (
    "-p",
    "mockprovider",
    "-p",
    "no:cacheprovider",
    "-W",
    "error::DeprecationWarning",
    "-W",
    "error::PendingDeprecationWarning",
    "-W",
    "always::ResourceWarning",
)


@pytest.fixture(scope="module")
def runs() -> dict[str, pytest.RunResult]:
    return {}


@pytest.fixture
def inner(pytester: pytest.Pytester, runs: dict[str, pytest.RunResult]) -> pytest.RunResult:
    """The one inner run of every file in `INNER` (made by the first test that asks)."""
    if "all" not in runs:
        pytester.makeconftest(CONFTEST)
        pytester.makepyfile(**INNER)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
            for name in [n for n in os.environ if n.startswith("PYTEST_XDIST_")]:
                env.delenv(name)  # set in this suite's xdist workers; a user's run has none
            runs["all"] = pytester.runpytest_subprocess("-v", *USERS_RUN)
    return runs["all"]


def outcomes(result: pytest.RunResult, module: str) -> dict[str, str]:
    """`{"test_name": "PASSED", …}` for the inner file `module`."""
    found = OUTCOME.findall(result.stdout.str())
    return {
        test.split("::", 1)[1]: outcome
        for test, outcome in found
        if test.startswith(f"{module}.py::")
    }


def section(result: pytest.RunResult, test: str) -> str:
    """The failure report of one inner test (its `___ name ___` section)."""
    text = result.stdout.str()
    start = re.search(rf"^_+ {re.escape(test)} _+$", text, re.M)
    assert start is not None, f"no failure section for {test}:\n{text}"
    end = re.search(r"^(_+ \S+ _+|=+ .* =+)$", text[start.end() :], re.M)
    return text[start.end() : start.end() + end.start()] if end else text[start.end() :]


def test_a_topiic_checkout_end_to_end_passes(inner: pytest.RunResult) -> None:
    assert outcomes(inner, "test_checkout") == {"test_checkout": "PASSED"}, inner.stdout.str()


def test_each_test_starts_from_a_reset_sandbox(inner: pytest.RunResult) -> None:
    assert outcomes(inner, "test_reset") == {
        "test_first_leaves_state_behind": "PASSED",
        "test_second_sees_none_of_it": "PASSED",
    }, inner.stdout.str()


def test_the_marker_sets_settings_and_the_default_choice(inner: pytest.RunResult) -> None:
    assert outcomes(inner, "test_marker") == {
        "TestMarked::test_class_marker": "PASSED",
        "TestMarked::test_closest_marker_wins": "PASSED",
        "test_unmarked": "PASSED",
        "test_bad_marker": "ERROR",
    }, inner.stdout.str()
    assert "settings=…) must map provider names to dicts" in section(
        inner, "ERROR at setup of test_bad_marker"
    )


def test_a_missed_webhook_lists_what_did_arrive(inner: pytest.RunResult) -> None:
    assert set(outcomes(inner, "test_missed").values()) == {"FAILED"}, inner.stdout.str()
    wrong = pytest.LineMatcher(section(inner, "test_wrong_event").splitlines())
    wrong.fnmatch_lines(
        [
            "*no 'checkout.completed' webhook was delivered within 0.3 s",
            "*deliveries (1):",
            "*- checkout.failed (topiic, session *) delivered: 1 attempt, last: HTTP 200 *",
            "*requests at the receiver (1):",
            "*- POST /topiic answered 200: *checkout.failed*",
            "*sessions (1):",
            "*(topiic) finished, outcome user_abort",
        ]
    )
    assert "client.py" not in str(wrong)  # the failure points at the test's own line
    refused = pytest.LineMatcher(section(inner, "test_receiver_refuses").splitlines())
    refused.fnmatch_lines(
        ["*- checkout.completed (topiic, *) pending: 1 attempt, last: HTTP 500 *next attempt*"]
    )
    nothing = pytest.LineMatcher(section(inner, "test_nothing_queued").splitlines())
    nothing.fnmatch_lines(["*deliveries: none", "*(topiic) created", "*hint: nothing was queued*"])


def test_a_users_run_shows_no_warning(inner: pytest.RunResult) -> None:
    """Neither the plugin nor the README's examples leave a warning in the user's summary."""
    output = inner.stdout.str()
    assert "warnings summary" not in output, output
    assert not re.search(r"\d+ warnings?\b", output.splitlines()[-1]), output.splitlines()[-1]


def test_advance_expires_a_session(inner: pytest.RunResult) -> None:
    assert outcomes(inner, "test_expiry") == {"test_expiry": "PASSED"}, inner.stdout.str()


def test_control_errors_say_what_the_api_said(inner: pytest.RunResult) -> None:
    assert outcomes(inner, "test_errors") == {"test_errors": "PASSED"}, inner.stdout.str()


def test_without_a_shared_sandbox_the_tests_use_the_default_tenant(
    inner: pytest.RunResult,
) -> None:
    assert outcomes(inner, "test_default_tenant") == {
        "test_the_plugins_own_server_is_the_default_tenant": "PASSED"
    }, inner.stdout.str()


def test_the_readme_examples_pass_for_every_provider(inner: pytest.RunResult) -> None:
    examples = readme_examples()
    for provider in all_providers():
        assert any(f'base_url("{provider.name}")' in code for code in examples), provider.name
    found = outcomes(inner, "test_readme")
    assert len(found) == len(examples), inner.stdout.str()
    assert set(found.values()) == {"PASSED"}, inner.stdout.str()
