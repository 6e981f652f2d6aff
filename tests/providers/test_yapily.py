"""Yapily redirect flow (spec yapily.md §2 to §6, §8): the create calls against the OpenAPI file,
every outcome by the bank page's button and by the control API, the exact callback after the
`auth.yapily.com`-style hop, consent tokens, magic values and escaping."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mockprovider.providers.yapily.settings import (
    APPLICATION_KEY,
    APPLICATION_SECRET,
    CONSENT_TOKEN_KEY,
)
from tests.provider_openapi import assert_matches, provider_document
from tests.support import SANDBOX, parse_form

AUTH = (APPLICATION_KEY, APPLICATION_SECRET)
CALLBACK = "https://tpp.example/yapily/callback?time=1335"
PATHS = ("button", "api")
CANCELLED = "The user cancelled the transaction or failed to login"
#: §8.1 vector, byte for byte.
CANCELLED_B64 = "VGhlIHVzZXIgY2FuY2VsbGVkIHRoZSB0cmFuc2FjdGlvbiBvciBmYWlsZWQgdG8gbG9naW4%3D"
WRONG_CREDENTIALS_B64 = (
    "aW5jb3JyZWN0IGNyZWRlbnRpYWxzLiBDb3VsZCBub3QgZmluZCBhIGN1c3RvbWVyIHdpdGggdXNl"
    "%0AciBuYW1lIE1pdHMgYW5kIHBhc3N3b3JkIG1pdHM%3D"
)


def auth_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "applicationUserId": "user-42",
        "institutionId": "modelo-sandbox",
        "callback": CALLBACK,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def payment_body(**overrides: Any) -> dict[str, Any]:
    payment = {
        "paymentIdempotencyId": "pay0001",
        "type": "DOMESTIC_PAYMENT",
        "reference": "Invoice 42",
        "amount": {"amount": 12.5, "currency": "GBP"},
        "payee": {
            "name": "Jane Doe",
            "accountIdentifications": [
                {"type": "SORT_CODE", "identification": "123456"},
                {"type": "ACCOUNT_NUMBER", "identification": "12345678"},
            ],
        },
    }
    return auth_body(paymentRequest=payment, **overrides)


async def create(
    client: httpx.AsyncClient, path: str = "/account-auth-requests", **overrides: Any
) -> dict[str, Any]:
    body = payment_body(**overrides) if path == "/payment-auth-requests" else auth_body(**overrides)
    response = await client.post(f"/yapily{path}", json=body, auth=AUTH)
    assert response.status_code == 201, response.text
    assert_matches(provider_document("yapily.json"), path, "post", 201, response.json())
    data: dict[str, Any] = response.json()["data"]
    return data


async def press(
    client: httpx.AsyncClient, data: dict[str, Any], outcome: str, **fields: str
) -> str:
    """Open `authorisationUrl`, press `outcome`; the hop URL the bank sends the browser to."""
    page = await client.get(data["authorisationUrl"])
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    assert outcome in form.buttons
    inputs = dict(re.findall(r'<input id="\w+" name="(\w+)"[^>]*value="([^"]*)"', page.text))
    hidden = {"t": form.token, "institution": data["institutionId"]}
    done = await client.post(form.action, data=hidden | inputs | fields | {"outcome": outcome})
    assert done.status_code == 303, done.text
    location: str = done.headers["location"]
    return location


async def pick(client: httpx.AsyncClient, consent_id: str, outcome: str) -> str | None:
    done = await client.post(f"/_sandbox/sessions/{consent_id}/outcome", json={"outcome": outcome})
    assert done.status_code == 200, done.text
    url: str | None = done.json()["redirect_url"]
    return url


async def finish(client: httpx.AsyncClient, path: str, data: dict[str, Any], outcome: str) -> str:
    """Pick `outcome` (button or control API), follow the hop; the final callback URL."""
    hop = (
        await press(client, data, outcome)
        if path == "button"
        else await pick(client, data["id"], outcome)
    )
    assert hop is not None
    assert hop.startswith(f"{SANDBOX}/yapily/auth-redirect/?state={data['state']}&")
    landed = await client.get(hop)
    assert landed.status_code == 302, landed.text
    location: str = landed.headers["location"]
    return location


async def consent(client: httpx.AsyncClient, consent_id: str) -> dict[str, Any]:
    response = await client.get(f"/yapily/consents/{consent_id}", auth=AUTH)
    assert response.status_code == 200, response.text
    assert_matches(
        provider_document("yapily.json"), "/consents/{consentId}", "get", 200, response.json()
    )
    found: dict[str, Any] = response.json()["data"]
    return found


def pad(text: str) -> str:
    return text + "=" * (-len(text) % 4)


def jwt_claims(token: str, key: str = CONSENT_TOKEN_KEY) -> dict[str, Any]:
    """Decode an HS256 JWT and verify its MAC, independently of the sandbox's code."""
    head, claims, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(pad(head))) == {"typ": "JWT", "alg": "HS256"}
    mac = hmac.new(key.encode(), f"{head}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(pad(signature)) == mac
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(pad(claims)))
    return decoded


def decoded_description(url: str) -> str:
    raw = dict(parse_qsl(urlsplit(url).query))["error-description"]
    return base64.b64decode("".join(raw.split())).decode()


# -- create ------------------------------------------------------------------------------------


async def test_account_auth_request_answers_201_with_the_documented_envelope(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/yapily/account-auth-requests", json=auth_body(), auth=AUTH)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert set(body) == {"meta", "data"}
    assert re.fullmatch(r"[0-9a-f]{32}", body["meta"]["tracingId"])
    data = body["data"]
    assert data["status"] == "AWAITING_AUTHORIZATION"
    assert data["applicationUserId"] == "user-42"
    assert data["institutionId"] == "modelo-sandbox"
    assert data["featureScope"] == ["ACCOUNTS", "ACCOUNT_BALANCES", "ACCOUNT_TRANSACTIONS"]
    assert data["createdAt"] == "2026-01-26T23:43:20.000Z"
    assert re.fullmatch(r"[0-9a-f]{32}", data["state"])
    assert data["institutionConsentId"].startswith("aac-")
    assert "consentToken" not in data
    url = urlsplit(data["authorisationUrl"])
    assert (
        f"{url.scheme}://{url.netloc}{url.path}"
        == f"{SANDBOX}/yapily/bank/modelo-sandbox/authorize"
    )
    query = dict(parse_qsl(url.query))
    assert query["state"] == query["nonce"] == data["state"]
    assert query["response_type"] == "code id_token"
    assert query["scope"] == "openid accounts"
    assert query["redirect_uri"] == f"{SANDBOX}/yapily/auth-redirect/"
    assert data["qrCodeUrl"].startswith(f"{SANDBOX}/yapily/images/")
    assert (await client.get(data["qrCodeUrl"])).status_code == 200
    assert_matches(provider_document("yapily.json"), "/account-auth-requests", "post", 201, body)


async def test_payment_auth_request_uses_the_payment_scope(client: httpx.AsyncClient) -> None:
    data = await create(client, "/payment-auth-requests")
    assert data["featureScope"] == [
        "EXISTING_PAYMENTS_DETAILS",
        "EXISTING_PAYMENT_INITIATION_DETAILS",
        "CREATE_DOMESTIC_SINGLE_PAYMENT",
    ]
    assert data["institutionConsentId"].startswith("sdp-1-")
    assert dict(parse_qsl(urlsplit(data["authorisationUrl"]).query))["scope"] == "openid payments"


async def test_the_same_application_user_keeps_its_user_uuid(client: httpx.AsyncClient) -> None:
    first = await create(client)
    second = await create(client)
    by_uuid = await create(client, applicationUserId=None, userUuid=first["userUuid"])
    assert first["userUuid"] == second["userUuid"] == by_uuid["userUuid"]
    assert by_uuid["applicationUserId"] == "user-42"
    other = await create(client, applicationUserId="someone-else")
    assert other["userUuid"] != first["userUuid"]


@pytest.mark.parametrize(
    "auth",
    [None, (APPLICATION_KEY, "wrong"), ("wrong", APPLICATION_SECRET)],
    ids=["none", "bad-secret", "bad-key"],
)
@pytest.mark.parametrize("path", ["/account-auth-requests", "/payment-auth-requests"])
async def test_bad_credentials_get_the_documented_401(
    client: httpx.AsyncClient, auth: tuple[str | bytes, str | bytes] | None, path: str
) -> None:
    given = httpx.USE_CLIENT_DEFAULT if auth is None else auth
    response = await client.post(f"/yapily{path}", json=payment_body(), auth=given)
    assert response.status_code == 401
    assert response.content == (
        b'{"error":{"code":401,"status":"UNAUTHORIZED",'
        b'"message":"Full authentication is required to access this resource"}}'
    )
    assert_matches(provider_document("yapily.json"), path, "post", 401, response.json())
    assert (await client.get("/_sandbox/sessions?provider=yapily")).json()["sessions"] == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"institutionId": None}, "institutionId is required"),
        (
            {"institutionId": "unknown-bank"},
            "Institution unknown-bank is not available for this application",
        ),
        ({"applicationUserId": None}, "One of applicationUserId or userUuid is required"),
        (
            {"callback": None, "oneTimeToken": True},
            "oneTimeToken can only be used together with a callback",
        ),
        ({"oneTimeToken": "yes"}, "oneTimeToken must be a boolean"),
        (
            {"callback": "javascript:alert(1)"},
            "callback uses the javascript: scheme, which the sandbox refuses",
        ),
        (
            {"userUuid": "3ddf5dd0-aa48-4d0f-baa7-fa057e9e911d", "applicationUserId": None},
            "User with userUuid 3ddf5dd0-aa48-4d0f-baa7-fa057e9e911d not found",
        ),
        ({"forwardParameters": "ref"}, "forwardParameters must be a list of strings"),
    ],
    ids=[
        "no-institution",
        "unknown-institution",
        "no-user",
        "ott-without-callback",
        "ott-type",
        "unsafe-callback",
        "unknown-user-uuid",
        "forward-type",
    ],
)
async def test_validation_errors_use_the_legacy_envelope(
    client: httpx.AsyncClient, overrides: dict[str, Any], message: str
) -> None:
    body = auth_body(**overrides)
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
    response = await client.post("/yapily/account-auth-requests", json=body, auth=AUTH)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert re.fullmatch(r"[0-9a-f]{32}", error.pop("tracingId"))
    assert error == {"code": 400, "status": "BAD_REQUEST", "message": message}
    assert_matches(
        provider_document("yapily.json"), "/account-auth-requests", "post", 400, response.json()
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "The request body is not valid JSON"),
        (b"[1]", "The request body must be a JSON object"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_a_400(
    client: httpx.AsyncClient, raw: bytes, message: str
) -> None:
    response = await client.post("/yapily/payment-auth-requests", content=raw, auth=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


async def test_a_payment_request_is_required_for_payments(client: httpx.AsyncClient) -> None:
    response = await client.post("/yapily/payment-auth-requests", json=auth_body(), auth=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "paymentRequest is required"
    body = payment_body()
    del body["paymentRequest"]["payee"]
    response = await client.post("/yapily/payment-auth-requests", json=body, auth=AUTH)
    assert response.json()["error"]["message"] == "paymentRequest.payee is required"


@pytest.mark.parametrize(
    ("callback", "accepted"),
    [
        ("https://tpp.example/yapily/callback", True),
        ("https://tpp.example/yapily/callback?time=1335", True),
        ("https://tpp.example/app/deep/path?x=1", True),  # under the "…/app/" prefix
        ("https://tpp.example/yapily/other", False),
        ("https://evil.example/app/", False),
    ],
)
async def test_the_callback_must_be_registered(
    client: httpx.AsyncClient, callback: str, accepted: bool
) -> None:
    registered = ["https://tpp.example/yapily/callback", "https://tpp.example/app/"]
    put = await client.put(
        "/_sandbox/providers/yapily/settings", json={"registered_callbacks": registered}
    )
    assert put.status_code == 200
    response = await client.post(
        "/yapily/account-auth-requests", json=auth_body(callback=callback), auth=AUTH
    )
    assert response.status_code == (201 if accepted else 400), response.text
    if not accepted:
        assert response.json()["error"]["message"] == f"The callback {callback} is not registered"


async def test_malformed_json_never_gives_a_500(client: httpx.AsyncClient) -> None:
    for body in (
        {"institutionId": 5},
        {"applicationUserId": ["x"], "institutionId": "mock-sandbox"},
        {**auth_body(), "accountRequest": "x"},
        {**auth_body(), "callback": 7},
    ):
        response = await client.post("/yapily/account-auth-requests", json=body, auth=AUTH)
        assert response.status_code in (201, 400), (body, response.text)
