"""`SandboxClient(…, tenant=NAME)` and its tenant helpers, and `SharedSandbox` (the pytest
plugin's shared mode), against a live sandbox with an admin token on a real socket: the
tenant's calls stay in the tenant, its own token opens only its routes, and the errors say
what to do."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from mockprovider.config import Config
from mockprovider.testing import ControlError, LiveServer, SandboxClient, WebhookReceiver
from mockprovider.testing.shared import SharedSandbox, tenant_name
from tests.e2e.servers import free_port
from tests.support import topiic_link

ADMIN = "client-tests-admin-token-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(Config(store="memory", admin_token=ADMIN)) as live:
        yield live


@pytest.fixture
def admin(server: LiveServer) -> Iterator[SandboxClient]:
    client = SandboxClient(server.url, token=ADMIN)
    yield client
    for tenant in client.tenants():
        if tenant["name"] != "default":
            client.delete_tenant(tenant["name"])
    client.reset()
    client.close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as found:
        yield found


def open_checkout(client: SandboxClient, ref: str) -> str:
    """Open a Topiic link through the client's base URL like a browser; the session's id."""
    link = topiic_link(base=client.base_url("topiic"), ref=ref, exp=int(time.time()) + 1800)
    opened = client.http.get(link)
    assert opened.status_code == 303, opened.text
    found = re.search(r"/topiic/s/([^/?#]+)", opened.headers["location"])
    assert found is not None
    return found.group(1)


def test_a_tenant_client_works_under_the_tenants_prefix(
    admin: SandboxClient, server: LiveServer, receiver: WebhookReceiver
) -> None:
    made = admin.create_tenant("acme", shared_credentials=True)
    acme = SandboxClient(server.url, receiver, tenant="acme", token=made["token"])

    acme.reset()
    assert acme.api_url == f"{server.url}/_t/acme"
    assert acme.base_url("topiic") == f"{server.url}/_t/acme/topiic"
    assert acme.settings("topiic")["webhook_url"] == receiver.url_for("topiic")
    session_id = open_checkout(acme, "acme-1")
    acme.complete(session_id, "success")
    hook = acme.wait_for_webhook("checkout.completed", session_id=session_id)
    assert hook.json()["data"]["externalRef"] == "acme-1"
    assert hook.request is not None  # the receiver's own copy is found
    assert acme.advance(120) > 0

    assert [s["id"] for s in acme.sessions()] == [session_id]
    assert admin.sessions() == []  # the default tenant saw nothing
    assert admin.settings("topiic")["webhook_url"] != receiver.url_for("topiic")
    assert admin.call("GET", "/clock")["offset"] == 0
    assert acme.call("GET", "/clock")["offset"] == 120
    acme.close()


def test_tenant_helpers_create_list_and_delete(admin: SandboxClient) -> None:
    made = admin.create_tenant("beta", token="beta-own-token-0123456789")

    assert made["name"] == "beta"
    assert made["token"] == "beta-own-token-0123456789"
    assert "beta" in [t["name"] for t in admin.tenants()]
    assert all("token" not in t for t in admin.tenants())
    with pytest.raises(ControlError, match="409") as taken:
        admin.create_tenant("beta", shared_credentials=True)
    assert taken.value.status == 409
    admin.delete_tenant("beta")
    assert "beta" not in [t["name"] for t in admin.tenants()]
    gone = SandboxClient(admin.url, token=ADMIN, tenant="beta")
    with pytest.raises(ControlError, match=r"GET /_sandbox/tenants/beta/sessions → 404"):
        gone.sessions()
    gone.close()


def test_a_tenants_own_token_opens_only_its_routes(
    admin: SandboxClient, server: LiveServer
) -> None:
    one = admin.create_tenant("one", shared_credentials=True)["token"]
    admin.create_tenant("two", shared_credentials=True)

    mine = SandboxClient(server.url, tenant="one", token=one)
    other = SandboxClient(server.url, tenant="two", token=one)
    default = SandboxClient(server.url, token=one)
    assert mine.sessions() == []
    for refused in (other.reset, default.reset, mine.tenants):
        with pytest.raises(ControlError, match="401") as caught:
            refused()
        assert caught.value.status == 401
    for client in (mine, other, default):
        client.close()


def test_tenant_names_for_tests() -> None:
    names = {tenant_name("gw3") for _ in range(50)}

    assert len(names) == 50
    assert all(re.fullmatch(r"pytest-gw3-[0-9a-f]{8}", name) for name in names)
    assert re.fullmatch(r"pytest-main-[0-9a-f]{8}", tenant_name("main"))
    assert re.fullmatch(r"pytest-odd-worker-[0-9a-f]{8}", tenant_name("Odd_Worker!"))


def test_a_shared_sandbox_makes_and_removes_tenants(
    admin: SandboxClient, server: LiveServer, receiver: WebhookReceiver
) -> None:
    shared = SharedSandbox(server.url, ADMIN).connect()
    assert shared.providers == server.providers
    assert shared.webhook_providers == server.webhook_providers

    name = shared.create_tenant("gw0")
    client = shared.client(name, receiver)
    client.reset()
    open_checkout(client, "shared-1")
    assert len(client.sessions()) == 1
    with pytest.raises(ControlError, match="401"):  # it sends the tenant's token, not ADMIN
        client.tenants()
    shared.delete_tenant(name)
    assert name not in [t["name"] for t in admin.tenants()]
    shared.delete_tenant(name)  # gone already (say, the test deleted it): fine at teardown
    client.close()
    shared.close()


def test_a_shared_sandbox_says_what_is_wrong(server: LiveServer) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    unreachable = re.escape(f"no mockprovider sandbox answers at {nowhere}")
    with pytest.raises(ControlError, match=unreachable):
        SharedSandbox(nowhere, ADMIN).connect()
    with pytest.raises(ControlError, match=r"wants its admin token .*MOCKPROVIDER_ADMIN_TOKEN"):
        SharedSandbox(server.url).connect()
    with pytest.raises(ControlError, match="refused the admin token given"):
        SharedSandbox(server.url, "not-the-admin-token-at-all").connect()
