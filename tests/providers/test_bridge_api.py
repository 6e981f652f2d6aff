"""Bridge API v3 (spec §1.2, §1.8, §1.9.1): the three-call setup, every error with its exact v3
body (and nothing created), and the items endpoints."""

from __future__ import annotations

import httpx
import pytest

from mockprovider.clock import FrozenClock
from tests.providers.bridge_helpers import (
    APP,
    BASE,
    VERSION,
    choose,
    connect,
    new_user,
    put_settings,
    user_headers,
)
from tests.support import T0

T0_PLUS_2H = "2026-01-27T01:43:20.000Z"
BAD_CLIENT = (
    b'{"code":"invalid_client_credentials","message":"client_id and client_secret are invalid"}'
)


async def session_count(client: httpx.AsyncClient) -> int:
    sessions = (await client.get("/_sandbox/sessions", params={"provider": "bridge"})).json()
    return len(sessions["sessions"])


async def test_three_calls_user_token_connect_session(client: httpx.AsyncClient) -> None:
    user = await client.post(f"{BASE}/users", headers=APP, json={"external_user_id": "qa-1"})
    assert user.status_code == 201
    assert set(user.json()) == {"uuid", "external_user_id"}
    assert user.json()["external_user_id"] == "qa-1"
    token = await client.post(
        f"{BASE}/authorization/token", headers=APP, json={"external_user_id": "qa-1"}
    )
    assert token.status_code == 200
    assert token.json()["expires_at"] == T0_PLUS_2H
    assert token.json()["user"] == user.json()
    created = await client.post(
        f"{BASE}/connect-sessions",
        headers=user_headers(token.json()["access_token"]),
        json={"user_email": "maya@example.com", "callback_url": "http://localhost:3000/cb"},
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "url"}
    assert body["url"].startswith("http://sandbox.test/bridge/connect/session/")
    assert body["id"] not in body["url"]  # [DOC B5]: the URL token is not the id
    view = (await client.get(f"/_sandbox/sessions/{body['id']}")).json()
    assert view["status"] == "created"
    assert (await client.get(body["url"])).status_code == 200


async def test_user_without_external_id_and_token_by_uuid(client: httpx.AsyncClient) -> None:
    user_uuid, token = await new_user(client)
    assert len(token) >= 32
    assert user_uuid


def _err(code: str, message: str, prop: str | None = None) -> bytes:
    if prop is None:
        return f'{{"code":"{code}","message":"{message}"}}'.encode()
    return f'{{"code":"{code}","property":"{prop}","message":"{message}"}}'.encode()


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        (
            {k: v for k, v in APP.items() if k != "Bridge-Version"},
            400,
            _err("missing_bridge_version", "Bridge-Version header is required", "Bridge-Version"),
        ),
        (APP | {"Bridge-Version": "2021-06-01"}, 400, None),
        (VERSION, 401, BAD_CLIENT),
        (APP | {"Client-Secret": "nope"}, 401, BAD_CLIENT),
        (APP | {"Client-Id": "nope"}, 401, BAD_CLIENT),
    ],
    ids=["no-version", "old-version", "no-client", "bad-secret", "bad-id"],
)
async def test_create_user_header_errors_create_nothing(
    client: httpx.AsyncClient, headers: dict[str, str], status: int, body: bytes | None
) -> None:
    answer = await client.post(f"{BASE}/users", headers=headers, json={"external_user_id": "x1"})
    assert answer.status_code == status
    if body is not None:
        assert answer.content == body
    else:
        assert answer.json()["code"] == "invalid_bridge_version"
    again = await client.post(f"{BASE}/users", headers=APP, json={"external_user_id": "x1"})
    assert again.status_code == 201  # the failed call did not take the id


@pytest.mark.parametrize("external", ["has space", "é", "x" * 129, 42])
async def test_bad_external_user_id_is_400(client: httpx.AsyncClient, external: object) -> None:
    answer = await client.post(f"{BASE}/users", headers=APP, json={"external_user_id": external})
    assert answer.status_code == 400
    assert answer.json()["property"] == "external_user_id"
    assert answer.json()["code"] == "invalid_request"


async def test_duplicate_external_user_id_is_409(client: httpx.AsyncClient) -> None:
    await client.post(f"{BASE}/users", headers=APP, json={"external_user_id": "dup-1"})
    answer = await client.post(f"{BASE}/users", headers=APP, json={"external_user_id": "dup-1"})
    assert answer.status_code == 409
    assert answer.content == _err("conflict", "a user with external_user_id 'dup-1' already exists")


async def test_body_errors_415_422(client: httpx.AsyncClient) -> None:
    text = await client.post(
        f"{BASE}/authorization/token", headers=APP | {"Content-Type": "text/plain"}, content=b"x"
    )
    assert text.status_code == 415
    bad = await client.post(
        f"{BASE}/authorization/token",
        headers=APP | {"Content-Type": "application/json"},
        content=b"{nope",
    )
    assert bad.content == _err("invalid_json", "the request body is not valid JSON")
    assert bad.status_code == 422


async def test_token_for_unknown_user_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.post(f"{BASE}/authorization/token", headers=APP, json={"user_uuid": "x"})
    assert (answer.status_code, answer.content) == (404, _err("not_found", "no such user"))


async def test_bearer_missing_unknown_expired_is_401(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    _, token = await new_user(client)
    body = {"user_email": "a@example.com"}
    url = f"{BASE}/connect-sessions"
    missing = await client.post(url, headers=VERSION, json=body)
    assert missing.content == _err("invalid_token", "an Authorization: Bearer <token> is required")
    unknown = await client.post(url, headers=user_headers("nope"), json=body)
    assert unknown.content == _err("invalid_token", "the access token is unknown")
    clock.advance(7199)
    assert (await client.post(url, headers=user_headers(token), json=body)).status_code == 201
    clock.advance(1)
    expired = await client.post(url, headers=user_headers(token), json=body)
    assert (expired.status_code, expired.content) == (
        401,
        _err("invalid_token", "the access token has expired"),
    )
    assert await session_count(client) == 1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("context", "x" * 101, "invalid_request"),
        ("context", "has_underscore", "invalid_request"),
        ("context", "a b", "invalid_request"),
        ("user_email", None, "invalid_request"),
        ("country_code", "US", "invalid_request"),
        ("account_types", "savings", "invalid_request"),
        ("callback_url", "https://evil.example/cb", "invalid_callback_url"),
        ("callback_url", "javascript:alert(1)", "invalid_callback_url"),
        ("callback_url", "https://app.example.evil.test/cb", "invalid_callback_url"),
    ],
)
async def test_connect_session_body_errors_are_400_with_property(
    client: httpx.AsyncClient, field: str, value: object, code: str
) -> None:
    await put_settings(client, redirect_domains=["app.example", "localhost"])
    _, token = await new_user(client)
    body = {"user_email": "a@example.com", "context": "ok-1"} | {field: value}
    body = {k: v for k, v in body.items() if v is not None}
    answer = await client.post(f"{BASE}/connect-sessions", headers=user_headers(token), json=body)
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["property"]) == (code, field)
    assert await session_count(client) == 0


async def test_callback_domain_error_body(client: httpx.AsyncClient) -> None:
    _, token = await new_user(client)
    body = {"user_email": "a@example.com", "callback_url": "https://shop.example/cb"}
    answer = await client.post(f"{BASE}/connect-sessions", headers=user_headers(token), json=body)
    assert answer.content == _err(
        "invalid_callback_url",
        "shop.example is not an authorised redirection domain of this application",
        "callback_url",
    )


async def test_context_of_100_and_sub_domains_and_localhost_pass(client: httpx.AsyncClient) -> None:
    await put_settings(client, redirect_domains=["app.example", "localhost", "127.0.0.1"])
    _, token = await new_user(client)
    for url in ("https://eu.app.example/cb", "http://localhost:3000/x", "http://127.0.0.1:9/y"):
        body = {"user_email": "a@example.com", "context": "A-1" * 33 + "z", "callback_url": url}
        answer = await client.post(
            f"{BASE}/connect-sessions", headers=user_headers(token), json=body
        )
        assert answer.status_code == 201, answer.text


async def test_strict_mode_requires_client_credentials_on_user_calls(
    client: httpx.AsyncClient,
) -> None:
    _, token = await new_user(client)
    body = {"user_email": "a@example.com"}
    url = f"{BASE}/connect-sessions"
    wrong = user_headers(token, **{"Client-Id": "x", "Client-Secret": "y"})
    assert (await client.post(url, headers=wrong, json=body)).content == BAD_CLIENT
    await put_settings(client, strict_client_credentials=True)
    assert (await client.post(url, headers=user_headers(token), json=body)).content == BAD_CLIENT
    full = user_headers(token) | {k: v for k, v in APP.items() if k.startswith("Client")}
    assert (await client.post(url, headers=full, json=body)).status_code == 201


async def test_items_reflect_the_final_status_and_belong_to_their_user(
    client: httpx.AsyncClient,
) -> None:
    flow = await connect(client)
    items_url = f"{BASE}/items"
    empty = await client.get(items_url, headers=user_headers(flow.token))
    assert empty.json() == {"resources": [], "pagination": {"next_uri": None}}
    done = await choose(client, flow.session_id, "demo-429")
    assert done.status_code == 200
    listed = (await client.get(items_url, headers=user_headers(flow.token))).json()
    [item] = listed["resources"]
    assert (item["status"], item["status_code_info"]) == (429, "NEEDS_HUMAN_ACTION")
    assert item["provider_id"] == 574
    one = await client.get(f"{items_url}/{item['id']}", headers=user_headers(flow.token))
    assert one.json() == item
    _, other = await new_user(client)
    hidden = await client.get(f"{items_url}/{item['id']}", headers=user_headers(other))
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"


async def test_items_limit_and_next_uri(client: httpx.AsyncClient) -> None:
    first = await connect(client)
    await choose(client, first.session_id, "success")
    body = {"user_email": "a@example.com"}
    second = await client.post(
        f"{BASE}/connect-sessions", headers=user_headers(first.token), json=body
    )
    await choose(client, second.json()["id"], "success")
    page = (await client.get(f"{BASE}/items?limit=1", headers=user_headers(first.token))).json()
    [item] = page["resources"]
    assert page["pagination"]["next_uri"] == f"/v3/aggregation/items?limit=1&after={item['id']}"
    rest = await client.get(
        "/bridge" + page["pagination"]["next_uri"], headers=user_headers(first.token)
    )
    assert len(rest.json()["resources"]) == 1
    assert rest.json()["pagination"]["next_uri"] is None
    bad = await client.get(f"{BASE}/items?limit=0", headers=user_headers(first.token))
    assert (bad.status_code, bad.json()["property"]) == (400, "limit")


def test_t0_is_what_the_expected_iso_assumes() -> None:
    assert T0 == 1_769_471_000.0
