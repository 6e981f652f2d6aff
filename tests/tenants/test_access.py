"""With an admin token, a tenant's own token opens that tenant's routes and nothing else: every
operation of the OpenAPI document is tried below `/_sandbox/tenants/acme/` and `/_t/acme/_sandbox/`
without a token, with a forged one, with another tenant's and with acme's and the admin's
(tokens checked by the real registry, not a stand-in)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from tests.support import SANDBOX, T0, topiic_link

ADMIN = "admin-token-0123456789abcdef"
TOKENS = {"acme": "acme-token-0123456789abc", "globex": "globex-token-0123456789a"}
FORGED = "acme-token-0123456789abX"
OPEN = {("get", "/health"), ("post", "/inbox"), ("post", "/inbox/{name}")}


@pytest.fixture
async def guarded() -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app(
        Config(store="memory", admin_token=ADMIN), clock=FrozenClock(T0), dispatch=False
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            for name, token in TOKENS.items():
                body = {"name": name, "token": token, "shared_credentials": True}
                created = await http.post("/_sandbox/tenants", json=body, headers=_auth(ADMIN))
                assert created.status_code == 201, created.text
            yield http


def _auth(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token is not None else {}


def _operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path below /_sandbox) of every per-tenant operation, made concrete."""
    found = []
    for template, item in document["paths"].items():
        if template.startswith("/_sandbox/tenants"):
            continue
        below = re.sub(r"\{[^}]+\}", "x1", template[len("/_sandbox") :])
        below = below.replace("/providers/x1/", "/providers/topiic/")
        found += [(method, below) for method in item if (method, template[9:]) not in OPEN]
    return found


async def _try(
    http: httpx.AsyncClient, method: str, path: str, token: str | None
) -> httpx.Response:
    body: dict[str, Any] | None = {} if method in ("post", "put") else None
    return await http.request(method.upper(), path, headers=_auth(token), json=body)


async def test_each_tenant_route_opens_to_its_own_token_and_the_admins_only(
    guarded: httpx.AsyncClient,
) -> None:
    document = (await _try(guarded, "get", "/_sandbox/openapi.json", ADMIN)).json()
    operations = _operations(document)
    assert len(operations) >= 18, "the walk must cover the whole document"
    wrong = []
    for method, below in operations:
        for root in ("/_sandbox/tenants/acme", "/_t/acme/_sandbox"):
            path = root + below
            for token in (None, "", FORGED, TOKENS["globex"], "x" * 40):
                answer = await _try(guarded, method, path, token)
                if answer.status_code != 401 or answer.json()["error"]["status"] != 401:
                    wrong.append(f"{method} {path} with {token!r}: {answer.status_code}")
            for token in (TOKENS["acme"], ADMIN):
                answer = await _try(guarded, method, path, token)
                if answer.status_code in (401, 403):
                    wrong.append(f"{method} {path} with its own token: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_tenant_management_is_for_the_admin_token_only(
    guarded: httpx.AsyncClient,
) -> None:
    for method, path in [
        ("get", "/_sandbox/tenants"),
        ("post", "/_sandbox/tenants"),
        ("get", "/_sandbox/tenants/acme"),
        ("delete", "/_sandbox/tenants/acme"),
    ]:
        for token in (None, TOKENS["acme"], FORGED):
            answer = await _try(guarded, method, path, token)
            assert answer.status_code == 401, (method, path, token)
    for path in ("/_t/acme/_sandbox/../../_sandbox/tenants/acme", "/_t/acme/_sandbox/../acme"):
        sneaky = await _try(guarded, "delete", path, TOKENS["acme"])
        assert sneaky.status_code in (401, 404), path
    assert (await _try(guarded, "get", "/_sandbox/tenants/acme", ADMIN)).status_code == 200
    # The default tenant's routes: the admin token, not a tenant's.
    assert (await _try(guarded, "get", "/_sandbox/sessions", TOKENS["acme"])).status_code == 401


async def test_a_tenants_provider_paths_keep_the_providers_own_auth(
    guarded: httpx.AsyncClient,
) -> None:
    answer = await guarded.get(topiic_link(base=f"{SANDBOX}/_t/acme/topiic"))
    assert answer.status_code == 303
    assert "/_t/acme/topiic/s/" in answer.headers["location"]


async def test_a_tenants_dashboard_asks_a_browser_to_sign_in(guarded: httpx.AsyncClient) -> None:
    html = {"accept": "text/html"}
    refused = await guarded.get("/_t/acme/_sandbox/", headers=html)
    assert refused.status_code == 401
    assert "<form" in refused.text
    other = await guarded.get("/_t/acme/_sandbox/", headers={**html, **_auth(TOKENS["globex"])})
    assert other.status_code == 401
    own = await guarded.get("/_t/acme/_sandbox/", headers={**html, **_auth(TOKENS["acme"])})
    assert own.status_code == 200
