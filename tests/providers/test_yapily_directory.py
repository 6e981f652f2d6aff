"""Yapily institutions and application users (yapily.json 12.13.0), checked against the
contract: institutions from the `institutions` setting, users consistent with the auth
requests that created them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH, create


async def answer(
    client: httpx.AsyncClient, method: str, path: str, template: str, status: int, **kw: Any
) -> Any:
    response = await client.request(method, f"/yapily{path}", auth=AUTH, **kw)
    assert response.status_code == status, response.text
    assert_matches(provider_document("yapily.json"), template, method, status, response.json())
    return response.json()


async def test_institutions_come_from_the_setting(client: httpx.AsyncClient) -> None:
    listed = await answer(client, "GET", "/institutions", "/institutions", 200)
    assert [i["id"] for i in listed["data"]] == ["modelo-sandbox", "mock-sandbox", "yapily-mock"]
    assert listed["meta"]["count"] == 3
    modelo = await answer(
        client, "GET", "/institutions/modelo-sandbox", "/institutions/{institutionId}", 200
    )
    assert modelo == listed["data"][0]
    assert modelo["countries"] == [{"displayName": "United Kingdom", "countryCode2": "GB"}]
    assert "ACCOUNT_TRANSACTIONS" in modelo["features"]
    custom = {
        "id": "bank-x",
        "name": "Bank X",
        "countries": [{"countryCode2": "DE"}],
        "features": ["ACCOUNTS"],
    }
    put = await client.put("/_sandbox/providers/yapily/settings", json={"institutions": [custom]})
    assert put.status_code == 200
    (only,) = (await answer(client, "GET", "/institutions", "/institutions", 200))["data"]
    assert (only["id"], only["countries"], only["features"]) == (
        "bank-x",
        [{"countryCode2": "DE"}],
        ["ACCOUNTS"],
    )
    missing = await answer(
        client, "GET", "/institutions/nope", "/institutions/{institutionId}", 404
    )
    assert missing["error"]["code"] == 404


async def test_users_made_by_auth_requests_and_by_post(client: httpx.AsyncClient) -> None:
    request = await create(client, applicationUserId="alice")
    made = await answer(
        client,
        "POST",
        "/users",
        "/users",
        201,
        json={"applicationUserId": "bob", "referenceId": "b@x"},
    )
    every = await answer(client, "GET", "/users", "/users", 200)
    assert {u["applicationUserId"]: u["uuid"] for u in every} == {
        "alice": request["userUuid"],
        "bob": made["uuid"],
    }
    alice = await answer(
        client, "GET", "/users", "/users", 200, params={"filter[applicationUserId]": "alice"}
    )
    assert alice[0]["institutionConsents"] == [{"institutionId": "modelo-sandbox"}]
    again = await answer(client, "POST", "/users", "/users", 409, json={"applicationUserId": "bob"})
    assert again["error"]["status"] == "CONFLICT"
    found = await answer(client, "GET", f"/users/{made['uuid']}", "/users/{userUuid}", 200)
    assert found == made
    patch = [{"op": "replace", "path": "/referenceId", "value": "bob@new"}]
    patched = await answer(
        client, "PATCH", f"/users/{made['uuid']}", "/users/{userUuid}", 201, json=patch
    )
    assert patched["referenceId"] == "bob@new"
    by_uuid = await create(client, applicationUserId=None, userUuid=made["uuid"])
    assert by_uuid["applicationUserId"] == "bob"


async def test_deleting_a_user_revokes_its_consents(client: httpx.AsyncClient) -> None:
    request = await create(client, applicationUserId="carol")
    uuid = request["userUuid"]
    deleted = await answer(client, "DELETE", f"/users/{uuid}", "/users/{userUuid}", 200)
    assert deleted["data"]["deleteStatus"] == "SUCCESS"
    assert [c["id"] for c in deleted["data"]["userConsents"]] == [request["id"]]
    consent = (await client.get(f"/yapily/consents/{request['id']}", auth=AUTH)).json()["data"]
    assert consent["status"] == "REVOKED"
    await answer(client, "GET", f"/users/{uuid}", "/users/{userUuid}", 404)
    fresh = await create(client, applicationUserId="carol")
    assert fresh["userUuid"] != uuid


async def test_a_user_or_auth_request_with_a_mistyped_field_is_refused(
    client: httpx.AsyncClient,
) -> None:
    user = await client.post(
        "/yapily/users", json={"applicationUserId": "vop", "vopOptOut": {}}, auth=AUTH
    )
    assert user.status_code == 400, user.text
    assert user.json()["error"]["message"] == "vopOptOut must be a boolean"
    assert (await client.get("/yapily/users?filter[applicationUserId]=vop", auth=AUTH)).json() == []
    for reference in [None, 7]:
        user = await client.post(
            "/yapily/users", json={"applicationUserId": "ref", "referenceId": reference}, auth=AUTH
        )
        assert user.status_code == 400, user.text
        assert user.json()["error"]["message"] == "referenceId must be a string"
    assert (await client.get("/yapily/users?filter[applicationUserId]=ref", auth=AUTH)).json() == []
    for bad in ["", None, "not-a-uuid"]:
        made = await client.post(
            "/yapily/account-auth-requests",
            json={"applicationUserId": "u-1", "institutionId": "modelo-sandbox", "userUuid": bad},
            auth=AUTH,
        )
        assert made.status_code == 400, made.text
        assert made.json()["error"]["message"] == "userUuid must be a UUID"
