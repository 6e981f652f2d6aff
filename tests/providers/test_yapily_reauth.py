"""Yapily `PATCH /account-auth-requests` (spec §2.4 [DOC S1][DOC S14]): re-authorising a consent
gives a new bank URL for the same consent; success renews it with the same id and token, an
abort leaves it as it was; every answer checked against the published OpenAPI file."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mockprovider.providers.yapily.settings import CONSENT_TOKEN_KEY
from mockprovider.providers.yapily.tokens import consent_token
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.test_yapily import AUTH, CANCELLED_B64, consent, create, finish, press
from tests.support import SANDBOX

PATH = "/account-auth-requests"
DAY = 86400


def query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


async def authorised(client: httpx.AsyncClient, **body: Any) -> tuple[dict[str, Any], str]:
    """An AIS request allowed on the bank page: (its create answer, the final callback URL)."""
    data = await create(client, **body)
    return data, await finish(client, "button", data, "success")


async def reauthorise(
    client: httpx.AsyncClient, token: str | None, status: int = 201, **kwargs: Any
) -> dict[str, Any]:
    headers = {} if token is None else {"consent": token}
    kwargs.setdefault("auth", AUTH)
    response = await client.patch(f"/yapily{PATH}", headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert_matches(provider_document("yapily.json"), PATH, "patch", status, response.json())
    body: dict[str, Any] = response.json()
    return body


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200


async def accounts(client: httpx.AsyncClient, token: str, status: int = 200) -> Any:
    response = await client.get("/yapily/accounts", headers={"consent": token}, auth=AUTH)
    assert response.status_code == status, response.text
    assert_matches(provider_document("yapily.json"), "/accounts", "get", status, response.json())
    return response.json()["data" if status == 200 else "error"]


async def test_success_renews_the_same_consent_and_the_callback_repeats_the_first(
    client: httpx.AsyncClient,
) -> None:
    first, landed = await authorised(client)
    token = dict(query(landed))["consent"]
    before = await consent(client, first["id"])
    assert before["expiresAt"] == "2026-04-26T23:43:20.000Z"  # 90 days (consent_lifetime)
    data_before = await accounts(client, token)
    await advance(client, 30 * DAY)

    answer = (await reauthorise(client, token))["data"]
    assert answer["id"] == first["id"]
    assert answer["status"] == "AWAITING_RE_AUTHORIZATION"
    assert "consentToken" not in answer  # as in the documented example
    assert answer["state"] != first["state"]
    url = answer["authorisationUrl"]
    assert url.startswith(f"{SANDBOX}/yapily/bank/modelo-sandbox/authorize?")
    assert ("state", answer["state"]) in query(url)
    assert (await consent(client, first["id"]))["status"] == "AWAITING_RE_AUTHORIZATION"
    assert await accounts(client, token) == data_before  # reauthorisation_keeps_access

    again = await finish(client, "button", answer, "success")
    assert again.split("?")[0] == landed.split("?")[0]
    assert query(again) == query(landed)  # same params, same token [DOC: token unchanged]
    after = await consent(client, first["id"])
    assert after["status"] == "AUTHORIZED"
    assert after["consentToken"] == token
    assert after["authorizedAt"] == after["lastConfirmedAt"] == "2026-02-25T23:43:20.000Z"
    assert after["reconfirmBy"] == "2026-05-26T23:43:20.000Z"
    assert after["expiresAt"] == "2026-05-26T23:43:20.000Z"
    assert after["state"] == answer["state"]
    assert after["createdAt"] == before["createdAt"]
    assert await accounts(client, token) == data_before  # same consent, same data
    listed = await client.get("/yapily/consents", params={"limit": "10"}, auth=AUTH)
    assert [c["id"] for c in listed.json()["data"]] == [first["id"]]  # the journey is no consent


@pytest.mark.parametrize("outcome", ["user_abort", "capture_failure"])
async def test_an_abort_or_failure_leaves_the_consent_as_it_was(
    client: httpx.AsyncClient, outcome: str
) -> None:
    first, landed = await authorised(client)
    token = dict(query(landed))["consent"]
    before = await consent(client, first["id"])
    answer = (await reauthorise(client, token))["data"]
    final = await finish(client, "button", answer, outcome)
    error = dict(query(final))["error"]
    assert error == ("access_denied" if outcome == "user_abort" else "invalid_grant")
    if outcome == "user_abort":
        assert final.endswith(f"error-description={CANCELLED_B64}")
    assert await consent(client, first["id"]) == before
    await accounts(client, token)


async def test_an_expired_consent_is_re_authorised(client: httpx.AsyncClient) -> None:
    first, landed = await authorised(client)
    token = dict(query(landed))["consent"]
    await advance(client, 90 * DAY)
    refused = await accounts(client, token, 403)
    assert "EXPIRED" in refused["message"]
    assert (await consent(client, first["id"]))["status"] == "EXPIRED"

    aborted = (await reauthorise(client, token))["data"]
    assert aborted["status"] == "AWAITING_RE_AUTHORIZATION"
    await accounts(client, token, 403)  # it was EXPIRED before: no access while awaiting
    await finish(client, "button", aborted, "user_abort")
    assert (await consent(client, first["id"]))["status"] == "EXPIRED"

    answer = (await reauthorise(client, token))["data"]
    await finish(client, "button", answer, "success")
    renewed = await consent(client, first["id"])
    assert renewed["status"] == "AUTHORIZED"
    assert renewed["expiresAt"] == "2026-07-25T23:43:20.000Z"
    await accounts(client, token)


async def test_an_unanswered_re_authorisation_ends_with_its_window(
    client: httpx.AsyncClient,
) -> None:
    first, landed = await authorised(client)
    token = dict(query(landed))["consent"]
    before = await consent(client, first["id"])
    answer = (await reauthorise(client, token))["data"]
    await advance(client, 599)
    assert (await consent(client, first["id"]))["status"] == "AWAITING_RE_AUTHORIZATION"
    await advance(client, 1)
    assert await consent(client, first["id"]) == before
    page = await client.get(answer["authorisationUrl"])
    assert page.status_code == 200
    assert "expired" in page.text.lower()


async def test_a_newer_patch_replaces_the_open_url_and_a_revoke_closes_it(
    client: httpx.AsyncClient,
) -> None:
    first, landed = await authorised(client)
    token = dict(query(landed))["consent"]
    older = (await reauthorise(client, token))["data"]
    newer = (await reauthorise(client, token))["data"]
    assert newer["id"] == first["id"]
    assert newer["state"] != older["state"]
    stale = await client.get(older["authorisationUrl"])
    assert "already answered" in stale.text
    assert "AWAITING_RE_AUTHORIZATION" in stale.text
    deleted = await client.delete(f"/yapily/consents/{first['id']}", auth=AUTH)
    assert deleted.status_code == 200
    closed = await client.get(newer["authorisationUrl"])
    assert "already answered" in closed.text
    assert "REVOKED" in closed.text
    refused = await reauthorise(client, token, 400)
    assert refused["error"]["status"] == "BAD_REQUEST"
    assert "REVOKED" in refused["error"]["message"]


async def test_without_keeps_access_the_data_waits_for_the_re_authorisation(
    client: httpx.AsyncClient,
) -> None:
    settings = {"reauthorisation_keeps_access": False}
    await client.put("/_sandbox/providers/yapily/settings", json=settings)
    _first, landed = await authorised(client)
    token = dict(query(landed))["consent"]
    answer = (await reauthorise(client, token))["data"]
    refused = await accounts(client, token, 403)
    assert "AWAITING_RE_AUTHORIZATION" in refused["message"]
    await finish(client, "button", answer, "success")
    await accounts(client, token)


async def test_one_time_token_and_auth_code_lead_back_to_the_same_consent(
    client: httpx.AsyncClient,
) -> None:
    first = await create(client, oneTimeToken=True)
    landed = await finish(client, "button", first, "success")
    ott = dict(query(landed))["one-time-token"]
    exchanged = await client.post(
        "/yapily/consent-one-time-token", json={"oneTimeToken": ott}, auth=AUTH
    )
    token = exchanged.json()["consentToken"]
    answer = (await reauthorise(client, token))["data"]
    again = await finish(client, "button", answer, "success")
    fresh = dict(query(again))["one-time-token"]
    assert fresh != ott
    second = await client.post(
        "/yapily/consent-one-time-token", json={"oneTimeToken": fresh}, auth=AUTH
    )
    assert second.status_code == 201, second.text
    assert second.json()["id"] == first["id"]
    assert second.json()["consentToken"] == token
    assert second.json()["status"] == "AUTHORIZED"


async def test_the_re_authorisations_auth_code_exchanges_for_the_consent(
    client: httpx.AsyncClient,
) -> None:
    first = await create(client, callback=None)  # §3.3: no callback, the app reads the hop
    await press(client, first, "success")
    token = (await consent(client, first["id"]))["consentToken"]
    answer = (await reauthorise(client, token))["data"]
    hop = await press(client, answer, "success")
    code = dict(query(hop))["code"]
    body = {"authCode": code, "authState": answer["state"]}
    exchanged = await client.post("/yapily/consent-auth-code", json=body, auth=AUTH)
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.json()["id"] == first["id"]
    assert exchanged.json()["status"] == "AUTHORIZED"
    assert exchanged.json()["consentToken"] == token


async def test_bad_calls_get_yapilys_errors(client: httpx.AsyncClient) -> None:
    first, landed = await authorised(client)
    token = dict(query(landed))["consent"]
    unauthorised = await reauthorise(client, token, 401, auth=("nobody", "wrong"))
    assert unauthorised["error"]["message"] == (
        "Full authentication is required to access this resource"
    )
    missing = await reauthorise(client, None, 401)
    assert missing["error"]["status"] == "UNAUTHORIZED"
    forged = consent_token("modelo-sandbox", first["id"], "user-42", first["userUuid"], "other")
    assert (await reauthorise(client, forged, 401))["error"]["code"] == 401
    unknown = str(uuid.uuid4())
    stranger = consent_token("modelo-sandbox", unknown, None, first["userUuid"], CONSENT_TOKEN_KEY)
    assert unknown in (await reauthorise(client, stranger, 404))["error"]["message"]
    for content in (b"{not json", b"[1, 2]"):
        bad = await reauthorise(client, token, 400, content=content)
        assert bad["error"]["status"] == "BAD_REQUEST"
    assert (await reauthorise(client, token, content=b"{}"))["data"]["id"] == first["id"]


async def test_payment_consents_cannot_be_re_authorised(client: httpx.AsyncClient) -> None:
    payment = await create(client, "/payment-auth-requests")
    landed = await finish(client, "button", payment, "success")
    token = dict(query(landed))["consent"]
    refused = await reauthorise(client, token, 400)
    assert "create a new consent" in refused["error"]["message"]
    assert (await consent(client, payment["id"]))["status"] == "AUTHORIZED"
