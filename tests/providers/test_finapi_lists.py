"""finAPI `GET /api/webForms` and `GET /api/tasks` (spec §2.3, OpenAPI 2.430.0): one page of
the caller's own forms or tasks in creation order, the paging block, and finAPI's 400/401
bodies for bad queries and tokens, every answer validated against the published OpenAPI file."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.providers.finapi.settings import CLIENT_ID, CLIENT_SECRET
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.finapi_helpers import API, BROWSER, bearer, finish, new_form, poll, user_token

WF = "finapi-webform2.yaml"
NOW = "2026-01-26T23:43:20.000+0000"
LISTS = ("/api/webForms", "/api/tasks")


async def page_of(
    client: httpx.AsyncClient, path: str, token: str, **params: str
) -> dict[str, Any]:
    response = await client.get(f"/finapi{path}", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"].startswith("selfgen-")
    body: dict[str, Any] = response.json()
    assert_matches(provider_document(WF), path, "get", 200, body)
    return body


def paging(page: int, per_page: int, page_count: int, total: int) -> dict[str, int]:
    return {"page": page, "perPage": per_page, "pageCount": page_count, "totalCount": total}


async def update(client: httpx.AsyncClient, token: str, bcid: int) -> str:
    body = {"bankConnectionId": bcid}
    response = await client.post(f"{API}/tasks/backgroundUpdate", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    task_id: str = response.json()["id"]
    return task_id


async def test_web_forms_of_the_caller_in_creation_order(client: httpx.AsyncClient) -> None:
    token, first = await new_form(client)
    _, second = await new_form(client)
    _, gone = await new_form(client)
    await update(client, token, 101)  # its web form is one of the user's forms too
    await new_form(client, "qa-user-2")
    await finish(client, "api", first, "success", BROWSER)
    deleted = await client.delete(f"{API}/webForms/{gone['id']}", headers=bearer(token))
    assert deleted.status_code == 200
    body = await page_of(client, "/api/webForms", token)
    update_form = body["items"][2]
    assert update_form["type"] == "BANK_CONNECTION_UPDATE"
    expected = [await poll(client, token, f["id"]) for f in (first, second, update_form)]
    assert body == {"items": expected, "paging": paging(1, 20, 1, 3)}
    assert expected[0]["status"] == "COMPLETED"


async def test_order_page_and_per_page(client: httpx.AsyncClient) -> None:
    token, first = await new_form(client)
    ids = [first["id"]] + [(await new_form(client))[1]["id"] for _ in range(4)]
    newest = await page_of(client, "/api/webForms", token, order="createdAt,desc", perPage="2")
    assert [f["id"] for f in newest["items"]] == [ids[4], ids[3]]
    assert newest["paging"] == paging(1, 2, 3, 5)
    last = await page_of(
        client, "/api/webForms", token, order="createdAt,DESC", perPage="2", page="3"
    )
    assert [f["id"] for f in last["items"]] == ids[:1]
    oldest = await page_of(
        client, "/api/webForms", token, order="createdAt", perPage="500", page="1"
    )
    assert [f["id"] for f in oldest["items"]] == ids
    beyond = await page_of(client, "/api/webForms", token, page="4", perPage="2", order="")
    assert beyond == {"items": [], "paging": paging(4, 2, 3, 5)}


async def test_empty_lists_have_no_pages(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    for path in LISTS:
        assert await page_of(client, path, token) == {"items": [], "paging": paging(1, 20, 0, 0)}


async def test_a_form_past_expires_at_lists_as_expired(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token, form = await new_form(client)
    clock.advance(20 * 60)  # no sweep ran: the list reads it as GET /api/webForms/{id} would
    [listed] = (await page_of(client, "/api/webForms", token))["items"]
    assert listed["status"] == "EXPIRED"
    assert listed == await poll(client, token, form["id"])


async def test_tasks_of_the_caller_as_get_task_shows_them(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    done = await update(client, token, 1001)
    needs_form = await update(client, token, 101)
    await update(client, await user_token(client, "qa-user-2"), 1002)
    body = await page_of(client, "/api/tasks", token, order="createdAt,desc")
    expected = []
    for task_id in (needs_form, done):
        response = await client.get(f"{API}/tasks/{task_id}", headers=bearer(token))
        expected.append(response.json())
    assert body == {"items": expected, "paging": paging(1, 20, 1, 2)}
    assert [t["status"] for t in body["items"]] == ["WEB_FORM_REQUIRED", "COMPLETED"]
    second = await page_of(client, "/api/tasks", token, perPage="1", page="2")
    assert second == {"items": [expected[0]], "paging": paging(2, 1, 2, 2)}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"page": "0"}, [("page", "must be greater than or equal to 1")]),
        ({"page": "two"}, [("page", "must be an integer")]),
        ({"page": "2147483648"}, [("page", "must be an integer")]),
        ({"perPage": "0"}, [("perPage", "must be greater than or equal to 1")]),
        ({"perPage": "501"}, [("perPage", "must be less than or equal to 500")]),
        ({"perPage": "1.5"}, [("perPage", "must be an integer")]),
        ({"order": "id,asc"}, [("order", "must be createdAt, createdAt,asc or createdAt,desc")]),
        (
            {"order": "createdAt,up"},
            [("order", "must be createdAt, createdAt,asc or createdAt,desc")],
        ),
        (
            {"page": "-1", "perPage": "x", "order": "status"},
            [
                ("page", "must be greater than or equal to 1"),
                ("perPage", "must be an integer"),
                ("order", "must be createdAt, createdAt,asc or createdAt,desc"),
            ],
        ),
    ],
    ids=[
        "page-0",
        "page-text",
        "page-beyond-int32",
        "per-page-0",
        "per-page-501",
        "per-page-decimal",
        "order-property",
        "order-direction",
        "all-three",
    ],
)
async def test_bad_queries_get_the_validation_error(
    client: httpx.AsyncClient, path: str, params: dict[str, str], errors: list[tuple[str, str]]
) -> None:
    token = await user_token(client)
    response = await client.get(f"/finapi{path}", params=params, headers=bearer(token))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"field": f, "message": m} for f, m in errors],
        "timestamp": NOW,
        "endpoint": f"GET {path}",
    }
    assert_matches(provider_document(WF), path, "get", 400, response.json())


@pytest.mark.parametrize("path", LISTS)
async def test_a_user_token_comes_first(client: httpx.AsyncClient, path: str) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    client_token = (await client.post("/finapi/api/v2/oauth/token", data=form)).json()
    for headers in ({}, bearer("unknown"), bearer(client_token["access_token"])):
        response = await client.get(f"/finapi{path}", params={"page": "0"}, headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert (body["code"], body["timestamp"], body["endpoint"]) == (
            "UNAUTHORIZED",
            NOW,
            f"GET {path}",
        )
        assert_matches(provider_document(WF), path, "get", 401, body)
