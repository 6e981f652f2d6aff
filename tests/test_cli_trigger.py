"""`mockprovider trigger PROVIDER OUTCOME` against the pytest plugin's live sandbox: the
session is created through the provider's own API, ends with the outcome, and its webhooks
are queued (and reach the plugin's receiver)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from mockprovider.cli import main
from mockprovider.testing import SandboxClient, WebhookReceiver
from tests.e2e.servers import free_port

GIGS_CREATED = "com.gigs.connectSession.created"
BRIDGE_SYNCED = ["item.created", "item.account.created", "item.refreshed", "item.account.updated"]
#: provider, outcome → the event types the session queues (sorted).
CASES = {
    ("topiic", "success"): ["checkout.completed"],
    ("topiic", "user_abort"): ["checkout.failed"],
    ("gigs", "success"): sorted(
        [GIGS_CREATED, "com.gigs.subscription.created", "com.gigs.subscription.activated"]
    ),
    ("gigs", "user_abort"): [GIGS_CREATED],
    ("bridge", "success"): sorted(BRIDGE_SYNCED),
    ("bridge", "user_abort"): [],
    ("yapily", "success"): [],  # Yapily sends webhooks for payments only (spec §7)
    ("yapily", "user_abort"): [],
    ("finapi", "success"): ["webForm.finalised"],
    ("finapi", "user_abort"): ["webForm.finalised"],
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["trigger", *args])


@pytest.mark.parametrize(("provider", "outcome"), list(CASES))
def test_trigger_creates_completes_and_queues_the_webhooks(
    mockprovider: SandboxClient,
    mockprovider_receiver: WebhookReceiver,
    provider: str,
    outcome: str,
) -> None:
    extra = []
    if provider == "finapi":
        mockprovider.settings("finapi", callback_url_check="dev")
        extra = ["--callback", mockprovider_receiver.url_for("finapi")]

    result = run(provider, outcome, "--url", mockprovider.url, *extra)

    assert result.exit_code == 0, result.output
    [session] = mockprovider.sessions(provider)
    assert session["outcome"] == outcome
    assert session["status"] in {"finished", "expired"}
    lines = result.stdout.splitlines()
    assert lines[0] == f"session   {session['id']} ({provider}) created through the {provider} API"
    assert lines[1] == f"outcome   {outcome}: {session['status']}"
    assert lines[2] == f"redirect  {session.get('redirect_url') or '-'}"
    queued = mockprovider.webhooks(session_id=session["id"])
    assert sorted(d["event_type"] for d in queued) == CASES[provider, outcome]
    assert lines[3].startswith(f"webhooks  {len(queued)} queued")
    assert sorted(line.split()[2] for line in lines[4:]) == CASES[provider, outcome]
    for event_type in CASES[provider, outcome]:
        mockprovider.wait_for_webhook(event_type)


def test_a_scenario_completes_the_session(mockprovider: SandboxClient) -> None:
    result = run(
        "topiic", "capture_failure", "--scenario", "provisioning-error", "--url", mockprovider.url
    )

    assert result.exit_code == 0, result.output
    [session] = mockprovider.sessions("topiic")
    assert (session["scenario"], session["outcome"]) == ("provisioning-error", "capture_failure")
    mockprovider.wait_for_webhook("checkout.failed")


def test_without_a_webhook_url_it_says_why_nothing_was_queued(
    mockprovider: SandboxClient,
) -> None:
    mockprovider.settings("topiic", webhook_url="")
    result = run("topiic", "success", "--url", mockprovider.url)
    assert result.exit_code == 0, result.output
    assert "webhooks  0 queued (none configured: set topiic's webhook_url)" in result.stdout
    finapi = run("finapi", "success", "--url", mockprovider.url)
    assert "webhooks  0 queued (none configured: pass --callback)" in finapi.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nobody", "success"],
            "error: unknown provider 'nobody'; choose one of: topiic, gigs, bridge, yapily, finapi",
        ),
        (
            ["gigs", "paid"],
            "error: unknown outcome 'paid' for gigs; choose one of: success, user_abort, "
            "capture_failure, expiry, bad_config, closed_tab",
        ),
        (
            ["topiic", "success", "--scenario", "provisioning-error"],
            "error: scenario 'provisioning-error' ends with outcome 'capture_failure', "
            "not 'success'",
        ),
        (
            ["topiic", "success", "--scenario", "nope"],
            "error: unknown scenario 'nope' for topiic; choose one of: ",
        ),
        (
            ["gigs", "success", "--callback", "http://127.0.0.1:1/x"],
            "error: --callback is for providers whose API takes a callback per request; gigs sends "
            "webhooks to its webhook_url setting",
        ),
    ],
)
def test_bad_choices_are_one_line(
    mockprovider: SandboxClient, args: list[str], message: str
) -> None:
    result = run(*args, "--url", mockprovider.url)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1
    assert mockprovider.sessions() == []


def test_no_sandbox_says_how_to_start_one() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run("topiic", "success", "--url", url)
    assert result.exit_code == 1
    assert result.stderr == f"error: no sandbox at {url}: start it with `mockprovider serve`\n"


def test_help_shows_an_example() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:\n    mockprovider trigger topiic success\n" in result.output
