"""Tenants found by the credentials an unprefixed provider call carries: two tenants created
through the control API with credentials of their own (`tenant_defaults`) each get the
sessions made with theirs, the `default` tenant those made with the built-in ones, every URL
handed to a browser keeps the tenant's prefix, and a tenant at its session cap gets a 429 in
the provider's own error shape with `Retry-After`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mockprovider.app import create_app
from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.core.provider_settings import merge
from tests.support import RECEIVER, SANDBOX, T0, Receiver, topiic_link

PROVIDERS = {p.name: p for p in all_providers()}
FINAPI_CALLBACK = "https://receiver.example/finapi/cb?state=42"


@pytest.fixture
async def http(receiver: Receiver) -> AsyncIterator[httpx.AsyncClient]:
    hooks = {name: {"webhook_url": RECEIVER} for name in PROVIDERS}
    config = Config(store="memory", providers=hooks)
    app = create_app(config, clock=FrozenClock(T0), client=receiver.client(), dispatch=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as client:
            yield client


async def gigs_open(http: httpx.AsyncClient, s: dict[str, Any]) -> httpx.Response:
    body = {"intent": {"type": "viewSubscriptions"}, "callbackUrl": "https://app.example/x"}
    auth = {"Authorization": f"Bearer {s['api_key']}"}
    return await http.post(
        f"/gigs/projects/{s['project']}/connectSessions", json=body, headers=auth
    )


async def bridge_open(http: httpx.AsyncClient, s: dict[str, Any]) -> httpx.Response:
    """As the documented example: app calls with Client-Id, the session with the token alone."""
    version = {"Bridge-Version": "2025-01-15"}
    app = version | {"Client-Id": s["client_id"], "Client-Secret": s["client_secret"]}
    user = (await http.post("/bridge/v3/aggregation/users", headers=app)).json()
    answer = await http.post(
        "/bridge/v3/aggregation/authorization/token", json={"user_uuid": user["uuid"]}, headers=app
    )
    only_token = version | {"Authorization": f"Bearer {answer.json()['access_token']}"}
    body = {"user_email": "maya@example.com", "callback_url": "http://localhost/done"}
    return await http.post("/bridge/v3/aggregation/connect-sessions", json=body, headers=only_token)


async def topiic_open(http: httpx.AsyncClient, s: dict[str, Any]) -> httpx.Response:
    base = f"{SANDBOX}/topiic"
    return await http.get(
        topiic_link(base, s["signing_secret"], akid=s["api_key_id"], mid=s["merchant_id"])
    )


async def yapily_open(http: httpx.AsyncClient, s: dict[str, Any]) -> httpx.Response:
    body = {"applicationUserId": "user-42", "institutionId": "modelo-sandbox"}
    body["callback"] = "https://tpp.example/yapily/callback"
    auth = httpx.BasicAuth(s["application_key"], s["application_secret"])
    return await http.post("/yapily/account-auth-requests", json=body, auth=auth)


async def finapi_open(http: httpx.AsyncClient, s: dict[str, Any]) -> httpx.Response:
    form = {"grant_type": "password", "client_id": s["client_id"]}
    form |= {"client_secret": s["client_secret"], "username": "qa-1", "password": "pw-1"}
    token = (await http.post("/finapi/api/v2/oauth/token", data=form)).json()["access_token"]
    body = {"bank": {"id": 280001}, "callbacks": {"finalised": FINAPI_CALLBACK}}
    headers = {"Authorization": f"Bearer {token}"}
    return await http.post("/finapi/api/webForms/bankConnectionImport", json=body, headers=headers)


@dataclass(frozen=True)
class Flow:
    open: Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[httpx.Response]]
    status: int
    #: The session's id and the URL the user's browser is sent to, from the answer.
    opened: Callable[[httpx.Response], tuple[str, str]]
    #: What the provider's 429 body holds.
    limited: Callable[[Any], Any]
    expected: Any


def _json_ids(response: httpx.Response) -> tuple[str, str]:
    return response.json()["id"], response.json()["url"]


def _topiic_ids(response: httpx.Response) -> tuple[str, str]:
    location = response.headers["location"]
    return urlsplit(location).path.rsplit("/", 1)[1], location


def _yapily_ids(response: httpx.Response) -> tuple[str, str]:
    data = response.json()["data"]
    return data["id"], data["authorisationUrl"]


FLOWS = {
    "gigs": Flow(
        gigs_open, 201, _json_ids, lambda b: (b["type"], b["code"]),
        ("tooManyRequests", "rateLimitExceeded"),
    ),
    "bridge": Flow(bridge_open, 201, _json_ids, lambda b: b["code"], "too_many_requests"),
    "topiic": Flow(
        topiic_open, 303, _topiic_ids, lambda b: (b["status"], b["title"]),
        (429, "Too Many Requests"),
    ),
    "yapily": Flow(
        yapily_open, 201, _yapily_ids, lambda b: b["error"]["issues"][0]["type"],
        "TOO_MANY_REQUESTS",
    ),
    "finapi": Flow(finapi_open, 201, _json_ids, lambda b: b["code"], "LOCKED"),
}  # fmt: skip


async def new_tenant(http: httpx.AsyncClient, name: str, **body: Any) -> dict[str, Any]:
    answer = await http.post("/_sandbox/tenants", json={"name": name, **body})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def session_ids(http: httpx.AsyncClient, control: str) -> set[str]:
    listed = (await http.get(f"{control}/sessions")).json()["sessions"]
    return {s["id"] for s in listed}


def credentials(name: str, tenant: dict[str, Any] | None) -> dict[str, Any]:
    own = tenant["settings"][name] if tenant is not None else {}
    return merge(PROVIDERS[name].settings, own)


@pytest.mark.parametrize("name", sorted(FLOWS))
async def test_an_unprefixed_call_lands_in_the_tenant_owning_its_credentials(
    http: httpx.AsyncClient, name: str
) -> None:
    flow = FLOWS[name]
    team_a, team_b = await new_tenant(http, "team-a"), await new_tenant(http, "team-b")
    ids = {}
    for tenant, created in (("team-a", team_a), ("team-b", team_b), ("default", None)):
        answer = await flow.open(http, credentials(name, created))
        assert answer.status_code == flow.status, answer.text
        ids[tenant], browser_url = flow.opened(answer)
        prefix = "" if created is None else f"/_t/{tenant}"
        assert urlsplit(browser_url).path.startswith(f"{prefix}/{name}/"), browser_url

    assert await session_ids(http, "/_sandbox/tenants/team-a") == {ids["team-a"]}
    assert await session_ids(http, "/_t/team-b/_sandbox") == {ids["team-b"]}
    assert await session_ids(http, "/_sandbox") == {ids["default"]}


@pytest.mark.parametrize("name", sorted(FLOWS))
async def test_a_tenant_at_its_session_cap_gets_the_providers_429(
    http: httpx.AsyncClient, name: str
) -> None:
    flow = FLOWS[name]
    small = await new_tenant(http, "small", limits={"sessions": 1})
    first = await flow.open(http, credentials(name, small))
    assert first.status_code == flow.status, first.text

    refused = await flow.open(http, credentials(name, small))

    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] == "1"
    assert flow.limited(refused.json()) == flow.expected
    assert "at most 1 sessions" in refused.text
    assert await session_ids(http, "/_t/small/_sandbox") == {flow.opened(first)[0]}
    other = await flow.open(http, credentials(name, None))  # the default tenant: no cap
    assert other.status_code == flow.status, other.text


async def test_a_tenant_at_its_delivery_cap_gets_gigs_429_with_a_longer_retry(
    http: httpx.AsyncClient,
) -> None:
    """Each Connect Session queues `connectSession.created`; none is sent here (no dispatcher),
    so the second one would pass a cap of one pending delivery."""
    hooks = {"gigs": {"webhook_url": RECEIVER}}
    small = await new_tenant(http, "small", settings=hooks, limits={"deliveries": 1})
    first = await gigs_open(http, credentials("gigs", small))
    assert first.status_code == 201, first.text

    refused = await gigs_open(http, credentials("gigs", small))

    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] == "5"
    assert (refused.json()["type"], refused.json()["code"]) == FLOWS["gigs"].expected
    assert "at most 1 webhook deliveries" in refused.json()["message"]
    assert await session_ids(http, "/_t/small/_sandbox") == {first.json()["id"]}
