"""`mockprovider tenants create|list|delete` against a recording fake sandbox: the admin routes
called with the admin token, the bodies sent (a settings file checked like the config file
first), what is printed (a generated token once, a given one never) and the errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.fake_sandbox import ADMIN, FakeSandbox, run

MADE = {
    "name": "acme",
    "token": "generated-tenant-token-abc123",
    "settings": {
        "topiic": {"api_key_id": "ak_acme", "signing_secret": "tss_acme"},
        "bridge": {"client_id": "acme-client-id", "previous_webhook_secret": None},
        "gigs": {"additional_webhook_secrets": []},
    },
    "limits": {"sessions": 10000, "deliveries": 50000},
    "created_at": "2026-12-03T05:00:00Z",
    "control_url": "https://sandbox.qa.example/_t/acme/_sandbox",  # its public_url
}


def create(fake: FakeSandbox, *args: str, env: dict[str, str] | None = None) -> list[str]:
    fake.route("POST", "/_sandbox/tenants", MADE, status=201)
    result = run("tenants", "create", *args, "--url", fake.url, "--admin-token", ADMIN, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_create_sends_the_name_and_prints_the_token_once(fake: FakeSandbox) -> None:
    lines = create(fake, "acme")

    [seen] = fake.seen()
    assert seen.line == "POST /_sandbox/tenants"
    assert seen.headers["authorization"] == f"Bearer {ADMIN}"
    assert seen.body == {"name": "acme"}
    assert lines[:4] == [
        "tenant    acme created",
        "token     generated-tenant-token-abc123 (shown once)",
        "control   https://sandbox.qa.example/_t/acme/_sandbox",
        "api       https://sandbox.qa.example/_t/acme/<provider>",
    ]
    assert [line.split() for line in lines[4:]] == [
        ["topiic", "api_key_id=ak_acme", "signing_secret=tss_acme"],
        ["bridge", "client_id=acme-client-id", "previous_webhook_secret=null"],
        ["gigs", "additional_webhook_secrets=[]"],
    ]


def test_a_token_given_is_sent_and_never_echoed(fake: FakeSandbox) -> None:
    lines = create(fake, "acme", "--token", "my-own-tenant-token-42", "--shared-credentials")

    [seen] = fake.seen()
    assert seen.body == {
        "name": "acme",
        "token": "my-own-tenant-token-42",
        "shared_credentials": True,
    }
    assert lines[1] == "token     (the one given)"
    assert "my-own-tenant-token-42" not in "\n".join(lines)


def test_json_prints_the_answer(fake: FakeSandbox) -> None:
    lines = create(fake, "acme", "--json")

    assert json.loads("\n".join(lines)) == MADE


SETTINGS_YAML = """\
topiic:
  webhook_url: http://127.0.0.1:3000/hooks/acme
  events: [checkout.completed]
bridge:
  client_id: acme-client-id
"""


@pytest.mark.parametrize("wrapped", [False, True])
def test_a_settings_file_is_sent_as_settings(
    fake: FakeSandbox, tmp_path: Path, wrapped: bool
) -> None:
    text = SETTINGS_YAML
    if wrapped:  # copied from a config file, `providers:` and all
        text = "providers:\n" + "".join(f"  {line}\n" for line in text.splitlines())
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")

    create(fake, "acme", "--settings-file", str(path))

    [seen] = fake.seen()
    assert seen.body == {
        "name": "acme",
        "settings": {
            "topiic": {
                "webhook_url": "http://127.0.0.1:3000/hooks/acme",
                "events": ["checkout.completed"],
            },
            "bridge": {"client_id": "acme-client-id"},
        },
    }


def test_a_bad_settings_file_lists_every_problem_and_sends_nothing(
    fake: FakeSandbox, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "topiic:\n  webhok_url: http://x\n  events: checkout.completed\nstripe:\n  key: 1\n",
        encoding="utf-8",
    )

    result = run("tenants", "create", "acme", "--settings-file", str(path), "--url", fake.url)

    assert result.exit_code == 2
    assert result.stdout == ""
    problems = result.stderr.splitlines()
    assert problems[0].startswith(f"{path}:2: topiic.webhok_url: unknown setting 'webhok_url'")
    assert "did you mean 'webhook_url'?" in problems[0]
    assert problems[1].startswith(f"{path}:3: topiic.events: expected a list")
    assert problems[2].startswith(f'{path}:4: stripe: unknown key "stripe"')
    assert len(problems) == 3
    assert fake.seen() == []


def test_a_missing_settings_file_is_exit_2(fake: FakeSandbox, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    result = run("tenants", "create", "acme", "--settings-file", str(missing), "--url", fake.url)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"{missing}:1: file: No such file")
    assert fake.seen() == []


def test_the_sandboxs_refusal_is_one_line(fake: FakeSandbox) -> None:
    taken = {
        "error": {
            "status": 409,
            "message": "topiic api_key_id 'ak_test' is tenant beta's",
            "valid": [],
        }
    }
    fake.route("POST", "/_sandbox/tenants", taken, status=409)

    result = run("tenants", "create", "acme", "--url", fake.url, "--admin-token", ADMIN)

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: topiic api_key_id 'ak_test' is tenant beta's (HTTP 409)\n"


def test_without_the_admin_token_it_says_how_to_give_it(fake: FakeSandbox) -> None:
    refused = {"error": {"status": 401, "message": "a token is needed", "valid": []}}
    fake.route("GET", "/_sandbox/tenants", refused, status=401)

    result = run("tenants", "list", "--url", fake.url)

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the sandbox at {fake.url} needs a token: pass --admin-token or set "
        "MOCKPROVIDER_ADMIN_TOKEN\n"
    )


def test_list_prints_one_line_per_tenant(fake: FakeSandbox) -> None:
    default = {"name": "default", "shared_credentials": False, "default": True}
    shared = {"name": "ci-7", "shared_credentials": True, "limits": {}, "created_at": 1796274000}
    listed = [default, {k: v for k, v in MADE.items() if k != "token"}, shared]
    fake.route("GET", "/_sandbox/tenants", {"tenants": listed})

    result = run("tenants", "list", "--url", fake.url, env={"MOCKPROVIDER_ADMIN_TOKEN": ADMIN})

    assert result.exit_code == 0, result.output
    assert fake.lines() == ["GET /_sandbox/tenants"]
    assert fake.seen()[0].headers["authorization"] == f"Bearer {ADMIN}"
    default_line, first, second = (line.split("  ") for line in result.stdout.splitlines())
    assert [cell.strip() for cell in default_line if cell] == [
        "default", "-", "the default tenant", "no limits",
    ]  # fmt: skip
    assert [cell.strip() for cell in first if cell] == [
        "acme", "2026-12-03T05:00:00Z", "own credentials", "sessions≤10000 deliveries≤50000",
    ]  # fmt: skip
    assert [cell.strip() for cell in second if cell] == [
        "ci-7", "2026-12-03T05:00:00Z", "shared credentials", "no limits",
    ]  # fmt: skip


def test_list_of_none_says_so(fake: FakeSandbox) -> None:
    fake.route("GET", "/_sandbox/tenants", {"tenants": []})

    result = run("tenants", "list", "--url", fake.url)

    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "no tenants\n")


def test_delete(fake: FakeSandbox) -> None:
    fake.route("DELETE", "/_sandbox/tenants/acme", {"deleted": "acme"})

    result = run("tenants", "delete", "acme", "--url", fake.url, "--admin-token", ADMIN)

    assert result.exit_code == 0, result.output
    assert result.stdout == "tenant acme deleted\n"
    assert fake.lines() == ["DELETE /_sandbox/tenants/acme"]


def test_the_default_tenant_cannot_be_deleted(fake: FakeSandbox) -> None:
    kept = {"error": {"status": 409, "message": "the default tenant cannot be deleted"}}
    fake.route("DELETE", "/_sandbox/tenants/default", kept, status=409)

    result = run("tenants", "delete", "default", "--url", fake.url)

    assert result.exit_code == 1
    assert result.stderr == "error: the default tenant cannot be deleted (HTTP 409)\n"


@pytest.mark.parametrize("command", [["create", "Bad_Name"], ["delete", "../x"]])
def test_a_bad_name_is_a_usage_error(fake: FakeSandbox, command: list[str]) -> None:
    result = run("tenants", *command, "--url", fake.url)

    assert result.exit_code == 2
    assert "Invalid value for 'NAME'" in result.stderr
    assert fake.seen() == []


def test_tenants_commands_ignore_mockprovider_tenant(fake: FakeSandbox) -> None:
    """They act on the sandbox as a whole: a tenant set for other commands changes nothing."""
    fake.route("GET", "/_sandbox/tenants", {"tenants": []})

    result = run("tenants", "list", "--url", fake.url, env={"MOCKPROVIDER_TENANT": "acme"})
    flag = run("tenants", "list", "--tenant", "acme", "--url", fake.url)

    assert result.exit_code == 0
    assert fake.lines() == ["GET /_sandbox/tenants"]
    before = run("--tenant", "acme", "tenants", "list", "--url", fake.url)
    assert flag.exit_code == 2
    assert "No such option '--tenant'" in flag.stderr
    assert before.exit_code == 2
    assert "acts on the whole sandbox: drop --tenant" in before.stderr
    assert fake.lines() == ["GET /_sandbox/tenants"]


def test_an_unreachable_sandbox_is_one_line() -> None:
    from tests.e2e.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"

    result = run("tenants", "list", "--url", url)

    assert result.exit_code == 1
    assert result.stderr == f"error: no sandbox at {url}: start it with `mockprovider serve`\n"
