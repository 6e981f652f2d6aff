"""A real `mockprovider serve` with an admin token (from the environment), over a socket: the
control API, the login form, the inspection commands and `SandboxClient` with and without the
token; and afterwards the token appears nowhere in the server's log (debug level) or in any
command's output."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from mockprovider.cli import main
from mockprovider.testing import ControlError, SandboxClient
from mockprovider.web.login import COOKIE
from tests.e2e.servers import ServerProcess
from tests.e2e.test_workers import one_client_per_worker

pytestmark = pytest.mark.slow

TOKEN = "e2e-admin-token-9f8e7d6c5b4a"
WRONG = "e2e-admin-token-9f8e7d6c5b4X"


def _env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOCKPROVIDER_")}
    return clean | extra


def _cli(*args: str, token: str | None = None) -> Result:
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("MOCKPROVIDER_")}
    env = unset | ({"MOCKPROVIDER_ADMIN_TOKEN": token} if token else {})
    return CliRunner().invoke(main, list(args), env=env)


#: A line each server logs at debug level once it serves: proof that the log was captured.
STARTED = {"uvicorn": "Application startup complete", "granian": "Started worker"}


@pytest.mark.parametrize("http_server", sorted(STARTED))
def test_a_guarded_server_end_to_end_and_the_token_is_never_logged(
    tmp_path: Path, http_server: str
) -> None:
    server = ServerProcess(
        tmp_path,
        args=["--log-level", "debug"],
        env=_env(MOCKPROVIDER_ADMIN_TOKEN=TOKEN),
        http_server=http_server,
    )
    server.start()  # ready on /_sandbox/health, which needs no token
    outputs: list[str] = []
    try:
        url = server.base_url
        with httpx.Client(base_url=url, timeout=10.0) as http:
            assert http.get("/_sandbox/sessions").status_code == 401
            wrong = http.get("/_sandbox/sessions", headers={"authorization": f"Bearer {WRONG}"})
            assert wrong.status_code == 401
            outputs.append(wrong.text)
            right = http.get("/_sandbox/sessions", headers={"authorization": f"Bearer {TOKEN}"})
            assert right.json() == {"sessions": []}
            origin = {"origin": url}
            failed = http.post("/_sandbox/login", data={"token": WRONG}, headers=origin)
            assert failed.status_code == 401
            outputs.append(failed.text)
            signed = http.post("/_sandbox/login", data={"token": TOKEN}, headers=origin)
            assert signed.status_code == 303
            assert http.get("/_sandbox/", headers={"accept": "text/html"}).status_code == 200

        missing = _cli("sessions", "list", "--url", url)
        assert (missing.exit_code, missing.stderr) == (
            1,
            f"error: the sandbox at {url} needs a token: pass --admin-token or set "
            "MOCKPROVIDER_ADMIN_TOKEN\n",
        )
        refused = _cli("sessions", "list", "--url", url, "--admin-token", WRONG)
        assert refused.exit_code == 1
        assert "refused the token given" in refused.stderr
        triggered = _cli("trigger", "topiic", "success", "--url", url, token=TOKEN)
        assert triggered.exit_code == 0, triggered.output
        listed = _cli("sessions", "list", "--url", url, token=TOKEN)
        assert listed.exit_code == 0
        assert "topiic" in listed.stdout
        hooks = _cli("webhooks", "list", "--url", url, token=TOKEN)
        assert hooks.exit_code == 0
        outputs += [r.output for r in (missing, refused, triggered, listed, hooks)]

        client = SandboxClient(url, token=TOKEN)
        assert [s["provider"] for s in client.sessions()] == ["topiic"]
        client.reset()
        assert client.sessions() == []
        client.close()
        anonymous = SandboxClient(url)
        with pytest.raises(ControlError, match="GET /_sandbox/sessions → 401: a token is needed"):
            anonymous.sessions()
        anonymous.close()
    finally:
        server.stop()

    log = server.log()
    assert STARTED[http_server] in log  # the log is there, at debug level
    assert "admin token required" in log
    assert TOKEN not in log
    assert WRONG not in log
    for output in outputs:
        assert TOKEN not in output
        assert WRONG not in output


def test_every_worker_guards_and_honours_a_cookie_signed_by_another(tmp_path: Path) -> None:
    server = ServerProcess(
        tmp_path,
        store=f"sqlite:{tmp_path / 'state.db'}",
        args=["--workers", "2", "--log-level", "info"],
        env=_env(MOCKPROVIDER_ADMIN_TOKEN=TOKEN),
        ready_lines=2,
    )
    server.start()
    opened: list[httpx.Client] = []
    try:
        first, second = one_client_per_worker(server, opened)
        for client in (first, second):
            assert client.get("/_sandbox/sessions").status_code == 401
        signed = first.post(
            "/_sandbox/login", data={"token": TOKEN}, headers={"origin": server.base_url}
        )
        assert signed.status_code == 303
        cookie = {"cookie": f"{COOKIE}={signed.cookies[COOKIE]}"}
        assert second.get("/_sandbox/sessions", headers=cookie).status_code == 200
    finally:
        for client in opened:
            client.close()
        server.stop()
    assert TOKEN not in server.log()
