"""`--tenant NAME` (env MOCKPROVIDER_TENANT) on every control command: the calls go to
`/_sandbox/tenants/NAME/…` (trigger's provider calls to `/_t/NAME/…`), without it to
`/_sandbox/…` as before; what the commands print of a tenant's answers; and the errors. Against
a fake sandbox on a real socket (tests/cli/fake_sandbox.py) that records every request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.fake_sandbox import ADMIN, FakeSandbox, run

ACME = "/_sandbox/tenants/acme"
SESSION = {
    "id": "sess_1",
    "provider": "topiic",
    "status": "finished",
    "provider_status": "Completed",
    "outcome": "success",
    "created_at": "2026-12-03T05:00:00Z",
    "expires_at": "2026-12-03T05:30:00Z",
}
DELIVERY = {
    "id": "dlv_1",
    "provider": "topiic",
    "event_type": "checkout.completed",
    "status": "delivered",
    "url": "http://127.0.0.1:3000/hooks",
    "created_at": "2026-12-03T05:00:01Z",
    "attempts": [{"at": "2026-12-03T05:00:02Z", "status_code": 200}],
}
CLOCK = {"now": 1796274000.0, "offset": 5400.0}
#: command → (method, path under the control API, the answer, the JSON body sent)
COMMANDS: dict[str, tuple[list[str], str, str, Any, Any]] = {
    "sessions list": (["sessions", "list"], "GET", "/sessions", {"sessions": [SESSION]}, None),
    "webhooks list": (["webhooks", "list"], "GET", "/webhooks", {"webhooks": [DELIVERY]}, None),
    "webhooks replay": (
        ["webhooks", "replay", "dlv_1"],
        "POST",
        "/webhooks/dlv_1/replay",
        {"status": "queued"},
        None,
    ),
    "reset": (["reset"], "POST", "/reset", {"status": "reset"}, {"settings": False}),
    "reset --settings": (
        ["reset", "--settings"],
        "POST",
        "/reset",
        {"status": "reset"},
        {"settings": True},
    ),
    "clock show": (["clock", "show"], "GET", "/clock", CLOCK, None),
    "clock advance": (
        ["clock", "advance", "1h30m"],
        "POST",
        "/clock/advance",
        CLOCK,
        {"seconds": 5400.0},
    ),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("given", ["flag", "env", "none"])
def test_every_control_command_calls_the_tenants_routes(
    fake: FakeSandbox, command: str, given: str
) -> None:
    args, method, path, answer, body = COMMANDS[command]
    prefix = "/_sandbox" if given == "none" else ACME
    fake.route(method, f"{prefix}{path}", answer)
    flag = ["--tenant", "acme"] if given == "flag" else []
    env = {"MOCKPROVIDER_TENANT": "acme"} if given == "env" else {}

    result = run(*args, *flag, "--url", fake.url, "--admin-token", ADMIN, env=env)

    assert result.exit_code == 0, result.output
    [seen] = fake.seen()
    assert seen.line == f"{method} {prefix}{path}"
    assert seen.headers["authorization"] == f"Bearer {ADMIN}"
    assert seen.body == body


def test_the_flag_wins_over_the_environment(fake: FakeSandbox) -> None:
    fake.route("GET", "/_sandbox/tenants/beta/sessions", {"sessions": []})

    result = run(
        "sessions", "list", "--tenant", "beta", "--url", fake.url,
        env={"MOCKPROVIDER_TENANT": "acme"},
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert fake.lines() == ["GET /_sandbox/tenants/beta/sessions"]


@pytest.mark.parametrize(
    ("args", "env", "tenant"),
    [
        (["--tenant", "acme", "sessions", "list"], {}, "acme"),
        (["--tenant", "acme", "sessions", "list"], {"MOCKPROVIDER_TENANT": "beta"}, "acme"),
        (["--tenant", "acme", "sessions", "list", "--tenant", "beta"], {}, "beta"),
    ],
)
def test_the_tenant_may_come_before_the_command(
    fake: FakeSandbox, args: list[str], env: dict[str, str], tenant: str
) -> None:
    fake.route("GET", f"/_sandbox/tenants/{tenant}/sessions", {"sessions": []})

    result = run(*args, "--url", fake.url, env=env)

    assert result.exit_code == 0, result.output
    assert fake.lines() == [f"GET /_sandbox/tenants/{tenant}/sessions"]


def test_the_tenants_answers_are_printed_as_before(fake: FakeSandbox) -> None:
    fake.route("GET", f"{ACME}/sessions", {"sessions": [SESSION]})
    fake.route("POST", f"{ACME}/reset", {"status": "reset"})
    fake.route("POST", f"{ACME}/clock/advance", CLOCK)
    url = ["--url", fake.url, "--tenant", "acme"]

    sessions = run("sessions", "list", *url)
    reset = run("reset", "--settings", *url)
    clock = run("clock", "advance", "90m", *url)

    assert sessions.stdout.split()[:6] == [
        "2026-12-03T05:00:00Z", "sess_1", "topiic", "finished", "Completed", "success",
    ]  # fmt: skip
    assert reset.stdout == (
        f"reset {fake.url} (tenant acme): sessions, deliveries, nonces, clock offset and "
        "settings forgotten\n"
    )
    assert clock.stdout == "2026-12-03T05:00:00Z  (offset 5400 s)\n"


def test_webhooks_tail_watches_the_tenant(fake: FakeSandbox) -> None:
    fake.route("GET", f"{ACME}/webhooks", {"webhooks": [DELIVERY]})
    gone = {"error": {"status": 404, "message": "no tenant 'acme'", "valid": []}}
    fake.route("GET", f"{ACME}/webhooks", gone, status=404)  # deleted while watched

    result = run("webhooks", "tail", "--interval", "0.05", "--tenant", "acme", "--url", fake.url)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"watching {fake.url} (tenant acme) for webhook deliveries (Ctrl-C to stop)",
        "error: no tenant 'acme' (HTTP 404)",
    ]
    assert fake.lines() == [f"GET {ACME}/webhooks"] * 2


TOPIIC_SETTINGS = {
    "webhook_url": "http://127.0.0.1:3000/hooks",
    "api_key_id": "ak_test",
    "merchant_id": "m_test",
    "plans": [{"id": "plan_basic"}],
    "signing_secret": "tss_test",
    "hmac_key": "hmac_test",
}


def test_trigger_creates_the_session_in_the_tenant(fake: FakeSandbox) -> None:
    providers = {"providers": [{"name": "topiic", "outcomes": [{"name": "success"}]}]}
    done = {"session": {**SESSION}, "redirect_url": "http://shop.example/done?status=ok"}
    fake.route("GET", f"{ACME}/providers/topiic/settings", TOPIIC_SETTINGS)
    fake.route("GET", f"{ACME}/providers", providers)
    fake.route("GET", "/_t/acme/_sandbox/clock", CLOCK)
    fake.route("GET", "/_t/acme/topiic/c", {}, 303, {"location": "/_t/acme/topiic/s/sess_1"})
    fake.route("POST", f"{ACME}/sessions/sess_1/outcome", done)
    fake.route("GET", f"{ACME}/webhooks", {"webhooks": [DELIVERY]})

    result = run(
        "trigger", "topiic", "success", "--tenant", "acme", "--url", fake.url,
        "--admin-token", ADMIN,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "session   sess_1 (topiic) created through the topiic API"
    )
    assert fake.lines() == [
        f"GET {ACME}/providers/topiic/settings",
        f"GET {ACME}/providers",
        "GET /_t/acme/_sandbox/clock",
        "GET /_t/acme/topiic/c",
        f"POST {ACME}/sessions/sess_1/outcome",
        f"GET {ACME}/webhooks",
    ]
    by_path = {s.path: s for s in fake.seen()}
    assert by_path["/_t/acme/_sandbox/clock"].headers["authorization"] == f"Bearer {ADMIN}"
    assert "authorization" not in by_path["/_t/acme/topiic/c"].headers  # a provider call


@pytest.mark.parametrize("name", ["Acme", "acme_1", "-acme", "a" * 41, "acme/../x"])
@pytest.mark.parametrize("given", ["flag", "env"])
def test_a_bad_tenant_name_is_a_usage_error_before_any_request(
    fake: FakeSandbox, name: str, given: str
) -> None:
    flag = ["--tenant", name] if given == "flag" else []
    env = {"MOCKPROVIDER_TENANT": name} if given == "env" else {}

    result = run("sessions", "list", "--url", fake.url, *flag, env=env)

    assert result.exit_code == 2
    assert "Invalid value for '--tenant'" in result.stderr
    assert "lowercase letters, digits and '-'" in result.stderr
    assert fake.seen() == []


def test_a_bad_tenant_name_before_the_command_is_a_usage_error_too(fake: FakeSandbox) -> None:
    result = run("--tenant", "Nope!", "sessions", "list", "--url", fake.url)

    assert result.exit_code == 2
    assert "Invalid value for '--tenant'" in result.stderr
    assert fake.seen() == []


def test_an_unknown_tenant_is_one_line_and_exit_1(fake: FakeSandbox) -> None:
    gone = {"error": {"status": 404, "message": "no tenant 'ghost'", "valid": []}}
    fake.route("GET", "/_sandbox/tenants/ghost/sessions", gone, status=404)

    result = run("sessions", "list", "--tenant", "ghost", "--url", fake.url)

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: no tenant 'ghost' (HTTP 404)\n"


def test_a_refused_token_names_the_tenants_route(fake: FakeSandbox) -> None:
    refused = {"error": {"status": 401, "message": "a token is needed", "valid": []}}
    fake.route("POST", f"{ACME}/reset", refused, status=401)

    result = run("reset", "--tenant", "acme", "--url", fake.url, "--admin-token", "wrong-token")

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the sandbox at {fake.url} refused the token given (--admin-token or "
        f"MOCKPROVIDER_ADMIN_TOKEN) for {ACME}/reset\n"
    )
    assert "wrong-token" not in result.output


def test_a_bad_duration_is_a_usage_error(fake: FakeSandbox) -> None:
    result = run("clock", "advance", "soon", "--url", fake.url)

    assert result.exit_code == 2
    assert 'expected a duration like "5s", got "soon"' in result.stderr
    assert fake.seen() == []
