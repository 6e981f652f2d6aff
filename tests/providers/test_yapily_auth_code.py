"""`POST /consent-auth-code` (spec §3.3): without a callback the app exchanges the `code` and
`state` the bank returned for the consent; every answer checked against yapily.json."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH, create, press

PATH = "/consent-auth-code"


async def _code_and_state(
    client: httpx.AsyncClient, outcome: str = "success"
) -> tuple[dict[str, Any], dict[str, str]]:
    data = await create(client, callback=None)
    hop = parse_qs(urlsplit(await press(client, data, outcome)).query)
    return data, {k: v[0] for k, v in hop.items()}


async def test_the_banks_code_and_state_give_the_consent_once(client: httpx.AsyncClient) -> None:
    data, hop = await _code_and_state(client)
    body = {"authCode": hop["code"], "authState": hop["state"]}
    answer = await client.post(f"/yapily{PATH}", json=body, auth=AUTH)
    assert answer.status_code == 200, answer.text
    assert_matches(provider_document("yapily.json"), PATH, "post", 200, answer.json())
    consent = answer.json()
    assert consent["id"] == data["id"]
    assert consent["status"] == "AUTHORIZED"
    accounts = await client.get(
        "/yapily/accounts", headers={"consent": consent["consentToken"]}, auth=AUTH
    )
    assert accounts.status_code == 200, accounts.text
    again = await client.post(f"/yapily{PATH}", json=body, auth=AUTH)
    assert again.status_code == 400
    assert again.json()["error"]["message"] == "The authorisation code has already been used"


async def test_a_wrong_code_state_or_body_is_a_400(client: httpx.AsyncClient) -> None:
    _, hop = await _code_and_state(client)
    for body in [
        {"authCode": "0" * 32, "authState": hop["state"]},
        {"authCode": hop["code"], "authState": "f" * 32},
        {"authState": hop["state"]},
        {"authCode": hop["code"], "authState": 7},
    ]:
        answer = await client.post(f"/yapily{PATH}", json=body, auth=AUTH)
        assert answer.status_code == 400, answer.text
        assert_matches(provider_document("yapily.json"), PATH, "post", 400, answer.json())
    good = {"authCode": hop["code"], "authState": hop["state"]}
    assert (await client.post(f"/yapily{PATH}", json=good, auth=("x", "y"))).status_code == 401
    assert (await client.post(f"/yapily{PATH}", json=good, auth=AUTH)).status_code == 200


async def test_a_declined_authorisation_has_no_code_to_exchange(
    client: httpx.AsyncClient,
) -> None:
    _, hop = await _code_and_state(client, "user_abort")
    assert "code" not in hop
    body = {"authCode": "anything", "authState": hop["state"]}
    answer = await client.post(f"/yapily{PATH}", json=body, auth=AUTH)
    assert answer.status_code == 400, answer.text
