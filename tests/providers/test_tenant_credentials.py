"""Each provider names the account a request belongs to (its tenant) from the credentials the
provider's clients really send, without verifying them; gives a new tenant credentials of its
own in the provider's formats, which that provider then accepts; and issues Bearer tokens that
map back to a named tenant (Bridge, finAPI)."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from mockprovider.app.registry import all_providers
from mockprovider.core.provider_settings import check_values, merge
from mockprovider.web.provider import WebProvider
from tests.support import SANDBOX, topiic_link

PROVIDERS = {p.name: p for p in all_providers()}
IDENTITY = {  # the setting each provider's tenant is found by
    "gigs": "project",
    "bridge": "client_id",
    "topiic": "api_key_id",
    "yapily": "application_key",
    "finapi": "client_id",
}
Probe = Callable[..., Awaitable[str | None]]


@pytest.fixture
async def probe() -> AsyncIterator[Probe]:
    """Send a request as a client would to `/<provider>/…`; answer what the provider's
    `tenant_credential` reads from it, inside the provider's Mount as in the app."""

    def credential_app(provider: WebProvider) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request(scope, receive)
            found = await provider.tenant_credential(request)
            rest = (await request.body()).decode()  # the handler can still read the body
            await JSONResponse({"credential": found, "body": rest})(scope, receive, send)

        return app

    mounts = [Mount(f"/{name}", app=credential_app(p)) for name, p in PROVIDERS.items()]
    transport = httpx.ASGITransport(app=Starlette(routes=mounts))
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as client:

        async def send(method: str, url: str, **kwargs: Any) -> str | None:
            response = await client.request(method, url, **kwargs)
            assert response.status_code == 200, response.text
            if {"content", "data", "files", "json"} & set(kwargs):
                assert response.json()["body"], "the body was consumed"
            found: str | None = response.json()["credential"]
            return found

        yield send


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_gigs_reads_the_project_of_the_path(probe: Probe) -> None:
    auth = {"Authorization": "Bearer gigs_sandbox_key_0SNlurA049MEWV"}
    path = "/gigs/projects/acme-qa/connectSessions"
    assert await probe("POST", path, json={"intent": {}}, headers=auth) == "acme-qa"
    assert await probe("GET", "/gigs/projects/p2/subscriptions/sub_1", headers=auth) == "p2"
    assert await probe("GET", "/gigs/projects/p3", headers=auth) == "p3"
    assert await probe("GET", "/gigs/checkout/entry?session=csn_1&token=x") is None


async def test_bridge_reads_client_id_or_a_named_tenants_user_token(probe: Probe) -> None:
    app = {"Bridge-Version": "2025-01-15", "Client-Id": "cid-acme", "Client-Secret": "s"}
    path = "/bridge/v3/aggregation/users"
    assert await probe("POST", path, json={}, headers=app) == "cid-acme"
    user_call = "/bridge/v3/aggregation/connect-sessions"
    only_token = {"Bridge-Version": "2025-01-15", "Authorization": f"Bearer cid-acme~{'a' * 64}"}
    assert await probe("POST", user_call, json={}, headers=only_token) == "cid-acme"
    default_token = {"Authorization": f"Bearer {'a' * 64}"}
    assert await probe("POST", user_call, json={}, headers=default_token) is None
    assert await probe("GET", "/bridge/v3/providers") is None


async def test_topiic_reads_the_akid_of_the_link_without_verifying_it(probe: Probe) -> None:
    akid = str(uuid.uuid4())
    link = topiic_link(secret="tss_not-the-right-secret", akid=akid)
    assert await probe("GET", link.removeprefix(SANDBOX)) == akid
    assert await probe("GET", "/topiic/c?d=not-base64!&s=x") is None
    listed = base64.urlsafe_b64encode(b'["akid"]').decode().rstrip("=")
    assert await probe("GET", f"/topiic/c?d={listed}&s=x") is None
    assert await probe("GET", "/topiic/c") is None


async def test_yapily_reads_the_basic_auth_username(probe: Probe) -> None:
    app_id = str(uuid.uuid4())
    auth = httpx.BasicAuth(app_id, "whatever-secret")
    assert await probe("GET", "/yapily/institutions", auth=auth) == app_id
    body = {"applicationUserId": "u1", "institutionId": "modelo-sandbox", "callback": SANDBOX}
    assert await probe("POST", "/yapily/account-auth-requests", json=body, auth=auth) == app_id
    assert await probe("GET", "/yapily/institutions", headers={"Authorization": "Bearer x"}) is None
    assert await probe("GET", "/yapily/institutions", headers={"Authorization": "Basic !!"}) is None
    no_colon = {"Authorization": "Basic " + base64.b64encode(b"abc").decode()}
    assert await probe("GET", "/yapily/institutions", headers=no_colon) is None


async def test_finapi_reads_the_token_calls_client_id_and_named_tenants_tokens(
    probe: Probe,
) -> None:
    form = {"grant_type": "client_credentials", "client_id": "cid-acme", "client_secret": "s"}
    assert await probe("POST", "/finapi/api/v2/oauth/token", data=form) == "cid-acme"
    # The finapi 0.9.9 client: every parameter in the query string, an empty JSON body.
    legacy = "/finapi/oauth/token?grant_type=client_credentials&client_id=cid-q&client_secret=s"
    assert await probe(
        "POST", legacy, content=b"{}", headers={"Content-Type": "application/json"}
    ) == ("cid-q")
    files = {"client_id": (None, "cid-multi"), "grant_type": (None, "client_credentials")}
    assert await probe("POST", "/finapi/api/v2/oauth/token", files=files) == "cid-multi"
    named = {"Authorization": "Bearer cid-acme~" + "x" * 43}
    assert await probe("GET", "/finapi/api/webForms/wf-1", headers=named) == "cid-acme"
    assert await probe("GET", "/finapi/api/v1/accounts", headers=named) == "cid-acme"
    default = {"Authorization": "Bearer " + "x" * 43}
    assert await probe("GET", "/finapi/api/webForms/wf-1", headers=default) is None


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_tenant_defaults_are_valid_settings_with_an_identity_of_their_own(name: str) -> None:
    provider = PROVIDERS[name]
    acme = provider.tenant_defaults("acme")
    assert check_values(name, provider.settings, acme) == []
    default_ids = provider.settings_credentials(merge(provider.settings))
    acme_ids = provider.settings_credentials(merge(provider.settings, acme))
    other_ids = provider.settings_credentials(
        merge(provider.settings, provider.tenant_defaults("b"))
    )
    assert acme_ids
    assert default_ids
    assert other_ids
    assert not set(acme_ids) & set(default_ids)
    assert not set(acme_ids) & set(other_ids)
    again = provider.tenant_defaults("acme")
    assert again[IDENTITY[name]] == acme[IDENTITY[name]]  # the identity follows from the name
    secret_keys = {s.name for s in provider.settings if s.secret}
    fresh = {key for key in secret_keys & set(acme) if acme[key] not in ([], "")}
    assert fresh, "a new tenant gets secrets of its own"
    for key in fresh:
        assert acme[key] != again[key], f"{key} is not drawn afresh"
        assert acme[key] != merge(provider.settings)[key], f"{key} is the default's"


def test_tenant_defaults_keep_each_providers_formats() -> None:
    gigs = PROVIDERS["gigs"].tenant_defaults("acme")
    assert gigs["project"] == "gigs-acme"
    assert re.fullmatch(r"gigs_sandbox_key_[A-Za-z0-9]{14}", gigs["api_key"])
    assert len(base64.b64decode(gigs["webhook_secret"].removeprefix("whsec_"))) == 24
    bridge = PROVIDERS["bridge"].tenant_defaults("acme")
    assert bridge["client_id"] == "sandbox-client-id-acme"
    assert bridge["webhook_secret"].startswith("whsec_")
    topiic = PROVIDERS["topiic"].tenant_defaults("acme")
    assert uuid.UUID(topiic["api_key_id"]).version == 5
    assert uuid.UUID(topiic["merchant_id"]).version == 5
    secret = topiic["signing_secret"].removeprefix("tss_")
    assert len(base64.urlsafe_b64decode(secret + "=")) == 32  # tss_<32 bytes base64url>
    yapily = PROVIDERS["yapily"].tenant_defaults("acme")
    assert uuid.UUID(yapily["application_key"]).version == 5
    assert uuid.UUID(yapily["application_secret"]).version == 4
    assert uuid.UUID(yapily["webhook_id"]).version == 5
    assert PROVIDERS["finapi"].tenant_defaults("acme")["client_id"] == "sandbox-client-id-acme"


def test_topiic_claims_its_additional_keys_too() -> None:
    settings = {"api_key_id": "k1", "additional_keys": [{"api_key_id": "k2"}, {"x": 1}, "bad"]}
    assert PROVIDERS["topiic"].settings_credentials(settings) == ("k1", "k2")
    assert PROVIDERS["gigs"].settings_credentials({}) == ()
