"""Tenants found by credentials over a real socket: `mockprovider serve`, a tenant created
through the control API with credentials of its own, and an integration that changes nothing
but those credentials (no `/_t/…` prefix). finAPI is driven by its `finapi` 0.9.9 PyPI
client (token, then Bearer calls that find the tenant from the token alone); Topiic's link is
signed with the tenant's secret and its webhook arrives signed with it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from finapi.api.authorization_api import AuthorizationApi
from finapi.api_client import ApiClient
from finapi.configuration import Configuration

from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.e2e.servers import ServerProcess, WebhookReceiver, verify_topiic_signature
from tests.providers.topiic_helpers import form_fields
from tests.support import parse_form, topiic_link

pytestmark = pytest.mark.slow


@pytest.fixture
def tenant(server: ServerProcess, hooks: WebhookReceiver) -> Iterator[dict[str, Any]]:
    """A fresh tenant with generated credentials, its webhooks at `hooks`; deleted after."""
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    settings = {
        "topiic": {"webhook_url": f"{hooks.base_url}/hooks/{name}"},
        "finapi": {"callback_url_check": "dev"},
    }
    created: dict[str, Any] = server.control(
        "POST", "/tenants", {"name": name, "settings": settings}
    )
    yield created
    server.control("DELETE", f"/tenants/{name}")


def listed(server: ServerProcess, control: str) -> set[str]:
    return {s["id"] for s in server.control("GET", f"{control}/sessions")["sessions"]}


def test_the_finapi_client_reaches_its_tenant_by_its_client_id(
    server: ServerProcess, hooks: WebhookReceiver, tenant: dict[str, Any]
) -> None:
    own = tenant["settings"]["finapi"]
    config = Configuration()
    config.host = f"{server.base_url}/finapi"  # the base URL only: no tenant prefix
    api = ApiClient(config)
    token = AuthorizationApi(api).get_token(
        "password", own["client_id"], own["client_secret"], username="qa-1", password="pw-1"
    )
    assert token.access_token.startswith(f"{own['client_id']}~")
    config.access_token = token.access_token
    body = {"bank": {"id": 280001}, "callbacks": {"finalised": f"{hooks.base_url}/hooks/f"}}
    form = api.call_api(
        "/api/webForms/bankConnectionImport",
        "POST",
        {},
        [],
        {"Accept": "application/json", "Content-Type": "application/json"},
        body=body,
        response_type="object",
        auth_settings=["finapi_auth"],
        _return_http_data_only=True,
    )
    assert urlsplit(form["url"]).path.startswith(f"/_t/{tenant['name']}/finapi/")
    back = f"{hooks.return_url}?from=finapi"
    with server.client() as http:
        page = http.get(form["url"] + "?" + urlencode({"redirectUrl": back}))
        fields = form_fields(page.text) | {"outcome": "success"}
        sent = http.post(parse_form(page.text).action, data=fields)
    assert (sent.status_code, sent.headers["location"]) == (303, back)
    [callback] = hooks.wait_for(1, where=lambda r: r.path == "/hooks/f")
    assert callback.json() == {"webFormId": form["id"], "status": "COMPLETED"}
    assert listed(server, f"/tenants/{tenant['name']}") == {form["id"]}
    assert form["id"] not in listed(server, "")


def test_a_topiic_link_signed_with_the_tenants_secret_lands_and_signs_in_it(
    server: ServerProcess, hooks: WebhookReceiver, tenant: dict[str, Any]
) -> None:
    own = tenant["settings"]["topiic"]
    assert own["signing_secret"] != SANDBOX_SECRET
    ret = f"{hooks.return_url}?customer=42"
    link = topiic_link(
        server.topiic_base,
        own["signing_secret"],
        akid=own["api_key_id"],
        mid=own["merchant_id"],
        ret=ret,
        exp=int(time.time()) + 1800,
    )
    with server.client() as http:
        entry = http.get(link)
        assert entry.status_code == 303, entry.text
        page_url = entry.headers["location"]
        assert page_url.startswith(f"{server.base_url}/_t/{tenant['name']}/topiic/s/")
        form = parse_form(http.get(page_url).text)
        done = http.post(form.action, data={"t": form.token, "outcome": "success"})
    assert done.headers["location"] == f"{ret}&status=ok"
    path = f"/hooks/{tenant['name']}"
    [hook] = hooks.wait_for(1, where=lambda r: r.path == path)
    now = server.now()
    verify_topiic_signature(
        own["signing_secret"], hook.header("Topiic-Signature"), hook.body, now=now
    )
    session_id = urlsplit(page_url).path.rsplit("/", 1)[1]
    assert hook.json()["data"]["sessionId"] == session_id
    assert listed(server, f"/tenants/{tenant['name']}") == {session_id}
    assert listed(server, "") == set()
    with server.client() as http:  # the built-in secret does not open the tenant's key
        forged = http.get(topiic_link(server.topiic_base, SANDBOX_SECRET, akid=own["api_key_id"]))
    assert forged.status_code == 401
