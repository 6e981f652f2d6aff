"""finAPI Access reads an integrator makes around the web form: the test banks, the authorized
user (`GET`/`PATCH`/`DELETE /api/v1/users`), and the Web Form 2.0 gaps (an unknown `bank.id`,
profiles and translations). Every answer is validated against the published OpenAPI files."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockprovider.providers.finapi.settings import CLIENT_ID, CLIENT_SECRET
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.finapi_helpers import API, CB, bearer, create, user_token

ACCESS = "finapi-access.yaml"
WF = "finapi-webform2.yaml"


def assert_access_error(
    doc: dict[str, Any], path: str, method: str, status: int, body: dict[str, Any]
) -> None:
    """An `ErrorMessage`: the envelope against the file; each of its `errors` against
    `ErrorDetails` but for `multiStepAuthentication`, which the file requires yet cannot
    validate as null (the file's own examples leave it out, as the sandbox does)."""
    assert_matches(doc, path, method, status, {**body, "errors": []})
    details = doc["components"]["schemas"]["ErrorDetails"]
    assert body["errors"]
    for item in body["errors"]:
        assert set(item) == set(details["required"]) - {"multiStepAuthentication"}
        assert isinstance(item["message"], str)
        assert isinstance(item["code"], str)
        assert item["type"] in ("BUSINESS", "TECHNICAL")


async def client_token(client: httpx.AsyncClient) -> str:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    form["client_secret"] = CLIENT_SECRET
    response = await client.post("/finapi/api/v2/oauth/token", data=form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_the_bank_list_holds_finapis_test_banks(client: httpx.AsyncClient) -> None:
    doc = provider_document(ACCESS)
    token = await user_token(client)

    listed = await client.get(f"{API}/v1/banks", headers=bearer(token))

    assert listed.status_code == 200, listed.text
    assert_matches(doc, "/api/v1/banks", "get", 200, listed.json())
    banks = {b["id"]: b for b in listed.json()["banks"]}
    # [DOC F13]: finAPI Test Bank (280001, BLZ DEMO0001), Test Redirect Bank (280002, DEMO0002).
    assert (banks[280001]["name"], banks[280001]["blz"]) == ("finAPI Test Bank", "DEMO0001")
    assert (banks[280002]["name"], banks[280002]["blz"]) == (
        "finAPI Test Redirect Bank",
        "DEMO0002",
    )
    assert banks[280002]["interfaces"][0]["properties"] == ["REDIRECT_APPROACH"]
    assert all(b["isTestBank"] for b in banks.values())
    assert listed.json()["paging"] == {
        "page": 1,
        "perPage": 20,
        "pageCount": 1,
        "totalCount": len(banks),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "redirect"}, [280002]),
        ({"search": "DEMO0001"}, [280001]),
        ({"ids": "280002"}, [280002]),
        ({"isTestBank": "false"}, []),
        ({"order": "id,desc", "perPage": "1"}, [280500]),
    ],
)
async def test_bank_filters(
    client: httpx.AsyncClient, query: dict[str, str], expected: list[int]
) -> None:
    token = await user_token(client)

    listed = await client.get(f"{API}/v1/banks", params=query, headers=bearer(token))

    assert listed.status_code == 200, listed.text
    assert [b["id"] for b in listed.json()["banks"]] == expected


async def test_one_bank_several_banks_and_the_errors(client: httpx.AsyncClient) -> None:
    doc = provider_document(ACCESS)
    token = await client_token(client)

    one = await client.get(f"{API}/v1/banks/280001", headers=bearer(token))
    several = await client.get(f"{API}/v1/banks/280001,280002,7", headers=bearer(token))
    unknown = await client.get(f"{API}/v1/banks/7", headers=bearer(token))
    bad_page = await client.get(f"{API}/v1/banks", params={"perPage": 501}, headers=bearer(token))
    no_token = await client.get(f"{API}/v1/banks")

    assert one.status_code == 200
    assert_matches(doc, "/api/v1/banks/{id}", "get", 200, one.json())
    assert one.json()["id"] == 280001
    assert several.status_code == 200
    assert_matches(doc, "/api/v1/banks/{ids}", "get", 200, several.json())
    assert [b["id"] for b in several.json()["banks"]] == [280001, 280002]
    assert unknown.status_code == 404
    assert_access_error(doc, "/api/v1/banks/{id}", "get", 404, unknown.json())
    assert unknown.json()["errors"][0]["code"] == "UNKNOWN_ENTITY"
    assert unknown.headers["x-request-id"] == unknown.json()["requestId"]
    assert bad_page.status_code == 400
    assert_access_error(doc, "/api/v1/banks", "get", 400, bad_page.json())
    assert no_token.status_code == 401
    assert_matches(doc, "/api/v1/banks", "get", 401, no_token.json())


async def test_the_authorized_user_reads_changes_and_deletes_itself(
    client: httpx.AsyncClient,
) -> None:
    doc = provider_document(ACCESS)
    token = await user_token(client, "qa-user-7")

    read = await client.get(f"{API}/v1/users", headers=bearer(token))
    changed = await client.patch(
        f"{API}/v1/users",
        json={"email": "qa7@example.com", "isAutoUpdateEnabled": True},
        headers=bearer(token),
    )
    cleared = await client.patch(f"{API}/v1/users", json={"email": ""}, headers=bearer(token))
    refused = await client.patch(f"{API}/v1/users", json={"email": 7}, headers=bearer(token))
    deleted = await client.delete(f"{API}/v1/users", headers=bearer(token))
    after = await client.get(f"{API}/v1/users", headers=bearer(token))
    login = await client.post(
        "/finapi/api/v2/oauth/token",
        data={
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": "qa-user-7",
            "password": "qa-pass-1",
        },
    )

    assert read.status_code == 200
    assert_matches(doc, "/api/v1/users", "get", 200, read.json())
    assert read.json() == {
        "id": "qa-user-7",
        "password": "XXXXX",
        "email": None,
        "phone": None,
        "isAutoUpdateEnabled": False,
    }
    assert changed.status_code == 200
    assert_matches(doc, "/api/v1/users", "patch", 200, changed.json())
    assert (changed.json()["email"], changed.json()["isAutoUpdateEnabled"]) == (
        "qa7@example.com",
        True,
    )
    assert cleared.json()["email"] is None
    assert cleared.json()["isAutoUpdateEnabled"] is True
    assert refused.status_code == 400
    assert_access_error(doc, "/api/v1/users", "patch", 400, refused.json())
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert after.status_code == 401
    assert_matches(doc, "/api/v1/users", "get", 401, after.json())
    assert login.status_code == 401


async def test_a_web_form_for_a_bank_not_in_the_list_is_bank_not_supported(
    client: httpx.AsyncClient,
) -> None:
    doc = provider_document(WF)
    token = await user_token(client)

    refused = await create(client, token, {"bank": {"id": 123456}, "callbacks": {"finalised": CB}})
    listed = await client.get(f"{API}/webForms", headers=bearer(token))

    assert refused.status_code == 422
    assert_matches(doc, "/api/webForms/bankConnectionImport", "post", 422, refused.json())
    assert refused.json()["code"] == "BANK_NOT_SUPPORTED"
    assert listed.json()["items"] == []


@pytest.mark.parametrize("path", ["/api/profiles", "/api/translations"])
async def test_profiles_and_translations_answer_as_the_file_describes(
    client: httpx.AsyncClient, path: str
) -> None:
    doc = provider_document(WF)
    admin = await client_token(client)
    user = await user_token(client)

    page = await client.get(f"/finapi{path}", params={"perPage": 5}, headers=bearer(admin))
    one = await client.get(f"/finapi{path}/946db09e", headers=bearer(admin))
    as_user = await client.get(f"/finapi{path}", headers=bearer(user))
    anonymous = await client.get(f"/finapi{path}")
    bad = await client.get(f"/finapi{path}", params={"page": 0}, headers=bearer(admin))

    assert page.status_code == 200
    assert_matches(doc, path, "get", 200, page.json())
    assert page.json() == {
        "items": [],
        "paging": {"page": 1, "perPage": 5, "pageCount": 0, "totalCount": 0},
    }
    assert one.status_code == 404
    assert_matches(doc, path + "/{id}", "get", 404, one.json())
    assert as_user.status_code == 403
    assert_matches(doc, path, "get", 403, as_user.json())
    assert anonymous.status_code == 401
    assert_matches(doc, path, "get", 401, anonymous.json())
    assert bad.status_code == 400
    assert_matches(doc, path, "get", 400, bad.json())
