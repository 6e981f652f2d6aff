"""Yapily `GET /consents` (spec §5.1, OpenAPI `getConsents`): filters, paging, the list envelope
and the legacy errors, every answer validated against the published OpenAPI file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from mockprovider.providers.yapily.settings import APPLICATION_KEY
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH, consent, create, pick

PATH = "/yapily/consents"
UNAUTHORIZED = (
    b'{"error":{"code":401,"status":"UNAUTHORIZED",'
    b'"message":"Full authentication is required to access this resource"}}'
)


Query = tuple[tuple[str, str], ...]


async def listed(client: httpx.AsyncClient, params: Mapping[str, str] | Query) -> dict[str, Any]:
    response = await client.get(PATH, params=params, auth=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body: dict[str, Any] = response.json()
    assert_matches(provider_document("yapily.json"), "/consents", "get", 200, body)
    assert re.fullmatch(r"[0-9a-f]{32}", body["meta"].pop("tracingId"))
    return body


async def three_consents(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """user-42 at modelo (authorised), user-42 at mock-sandbox, someone-else at modelo."""
    first = await create(client)
    await pick(client, first["id"], "success")
    second = await create(client, institutionId="mock-sandbox")
    third = await create(client, applicationUserId="someone-else")
    return [await consent(client, c["id"]) for c in (first, second, third)]


async def test_a_users_consents_newest_first_with_the_list_meta(
    client: httpx.AsyncClient,
) -> None:
    first, second, _ = await three_consents(client)
    body = await listed(client, {"filter[applicationUserId]": "user-42"})
    assert body == {
        "meta": {
            "count": 2,
            "pagination": {"totalCount": 2, "self": {"sort": "-date", "offset": 0}},
        },
        "data": [second, first],
    }
    assert first["status"] == "AUTHORIZED"
    assert "consentToken" in first


async def test_filters_take_several_values_and_must_all_match(client: httpx.AsyncClient) -> None:
    first, second, third = await three_consents(client)

    async def ids(*params: tuple[str, str]) -> list[str]:
        return [c["id"] for c in (await listed(client, params))["data"]]

    users = (("filter[userUuid]", first["userUuid"]), ("filter[userUuid]", third["userUuid"]))
    assert await ids(*users) == [third["id"], second["id"], first["id"]]
    both = (("filter[applicationUserId]", "user-42"), ("filter[applicationUserId]", "someone-else"))
    assert await ids(*both) == [third["id"], second["id"], first["id"]]
    assert await ids(*both, ("filter[institution]", "modelo-sandbox")) == [third["id"], first["id"]]
    assert await ids(*both, ("filter[status]", "AUTHORIZED")) == [first["id"]]
    assert await ids(("filter[applicationUserId]", "nobody")) == []
    assert await ids(("filter[applicationUserId]", "someone-else"), users[0]) == []


async def test_limit_and_offset_page_through_every_consent(client: httpx.AsyncClient) -> None:
    first, second, third = await three_consents(client)
    alone = await listed(client, {"limit": "2"})  # limit alone is enough (OpenAPI)
    assert alone["data"] == [third, second]
    assert alone["meta"] == {
        "count": 2,
        "pagination": {"totalCount": 3, "self": {"limit": 2, "sort": "-date", "offset": 0}},
    }
    rest = await listed(client, {"limit": "2", "offset": "2"})
    assert rest["data"] == [first]
    assert (rest["meta"]["count"], rest["meta"]["pagination"]["totalCount"]) == (1, 3)
    past = await listed(client, {"filter[applicationUserId]": "user-42", "offset": "5"})
    assert past["data"] == []


async def test_from_and_before_bound_the_creation_time(client: httpx.AsyncClient) -> None:
    early = await create(client)
    await client.post("/_sandbox/clock/advance", json={"seconds": 60})
    late = await create(client)
    user = {"filter[applicationUserId]": "user-42"}
    since = await listed(client, user | {"from": "2026-01-26T23:44:20.000+0000"})
    assert [c["id"] for c in since["data"]] == [late["id"]]
    assert since["meta"]["pagination"]["self"]["from"] == "2026-01-26T23:44:20.000Z"
    until = await listed(client, user | {"before": "2026-01-26T23:43:20Z"})
    assert [c["id"] for c in until["data"]] == [early["id"]]
    assert until["meta"]["pagination"]["self"]["before"] == "2026-01-26T23:43:20.000Z"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "At least one of filter[applicationUserId], filter[userUuid], limit is required"),
        (
            {"filter[institution]": "modelo-sandbox", "filter[applicationUserId]": ""},
            "At least one of filter[applicationUserId], filter[userUuid], limit is required",
        ),
        ({"limit": "0"}, "limit must be between 1 and 1000"),
        ({"limit": "1001"}, "limit must be between 1 and 1000"),
        ({"limit": "ten"}, "limit must be an integer"),
        ({"limit": "5", "offset": "-1"}, "offset must be at least 0"),
        ({"filter[userUuid]": "user-42"}, "filter[userUuid] must hold UUIDs, not user-42"),
        (
            {"limit": "5", "from": "2026-01-26"},
            "from must be a date-time such as 2021-06-08T10:59:35.138Z",
        ),
        (
            {"limit": "5", "before": "yesterday"},
            "before must be a date-time such as 2021-06-08T10:59:35.138Z",
        ),
    ],
    ids=[
        "no-filter",
        "only-other-filters",
        "limit-zero",
        "limit-too-big",
        "limit-text",
        "offset-negative",
        "bad-uuid",
        "from-date-only",
        "before-text",
    ],
)
async def test_bad_queries_get_the_legacy_400(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    await create(client)
    response = await client.get(PATH, params=params, auth=AUTH)
    assert response.status_code == 400, response.text
    body = response.json()
    assert_matches(provider_document("yapily.json"), "/consents", "get", 400, body)
    assert re.fullmatch(r"[0-9a-f]{32}", body["error"].pop("tracingId"))
    assert body == {"error": {"code": 400, "status": "BAD_REQUEST", "message": message}}


@pytest.mark.parametrize(
    "auth", [None, (APPLICATION_KEY, "wrong")], ids=["no-credentials", "bad-secret"]
)
async def test_credentials_come_before_the_query(
    client: httpx.AsyncClient, auth: tuple[str, str] | None
) -> None:
    given = httpx.USE_CLIENT_DEFAULT if auth is None else auth
    response = await client.get(PATH, auth=given)  # no filter either: 401 wins
    assert response.status_code == 401
    assert response.content == UNAUTHORIZED
    assert_matches(provider_document("yapily.json"), "/consents", "get", 401, response.json())
