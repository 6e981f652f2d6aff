"""Yapily outcomes (spec §4, §6, §8.1; outcome table of specs/README.md): by the bank page's
buttons and by `POST /_sandbox/sessions/{id}/outcome`, the exact callback after the hop."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.test_yapily import (
    CALLBACK,
    CANCELLED,
    CANCELLED_B64,
    PATHS,
    WRONG_CREDENTIALS_B64,
    consent,
    create,
    decoded_description,
    finish,
    jwt_claims,
    pick,
    press,
)
from tests.support import Receiver, parse_form

#: outcome → (error, error-source, decoded description, consent status)
FAILURES = {
    "user_abort": ("access_denied", "user", CANCELLED, "REJECTED"),
    "capture_failure": (
        "invalid_grant",
        "institution",
        "The institution could not complete the authorisation (server_error)",
        "FAILED",
    ),
    "bad_config": (
        "configuration_error",
        "institution",
        "The institution rejected the client (invalid_client)",
        "FAILED",
    ),
}


async def no_webhooks(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await dispatcher.run_once()
    assert receiver.requests == []
    assert (await client.get("/_sandbox/webhooks?provider=yapily")).json()["webhooks"] == []


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", ["/account-auth-requests", "/payment-auth-requests"])
async def test_success_lands_on_the_callback_with_the_consent_token(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, path: str, kind: str
) -> None:
    data = await create(client, kind, applicationUserId="a@f.com", forwardParameters=["ref:1234"])
    final = await finish(client, path, data, "success")
    token = dict(parse_qsl(urlsplit(final).query))["consent"]
    assert final == (
        f"{CALLBACK}&consent={token}&application-user-id=a%40f.com&user-uuid={data['userUuid']}"
        "&institution=modelo-sandbox&ref%3A1234="
    )
    assert jwt_claims(token) == {
        "INSTITUTION": "modelo-sandbox",
        "CONSENT": data["id"],
        "APPLICATION_USER_ID": "a@f.com",
        "USER": data["userUuid"],
    }
    found = await consent(client, data["id"])
    assert (found["status"], found["consentToken"]) == ("AUTHORIZED", token)
    assert found["authorizedAt"] == "2026-01-26T23:43:20.000Z"
    await no_webhooks(client, dispatcher, receiver)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("outcome", list(FAILURES))
async def test_failures_land_on_the_callback_with_the_documented_error(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, path: str, outcome: str
) -> None:
    error, source, text, status = FAILURES[outcome]
    data = await create(client)
    final = await finish(client, path, data, outcome)
    encoded = quote(decoded_b64(text), safe="-_.~")
    assert final == (
        f"{CALLBACK}&application-user-id=user-42&user-uuid={data['userUuid']}"
        f"&institution=modelo-sandbox&error={error}&error-source={source}&error-description={encoded}"
    )
    assert decoded_description(final) == text
    found = await consent(client, data["id"])
    assert found["status"] == status
    assert "consentToken" not in found
    await no_webhooks(client, dispatcher, receiver)


def decoded_b64(text: str) -> str:
    return base64.encodebytes(text.encode()).decode().rstrip("\n")


async def test_the_cancel_description_is_the_captured_vector(client: httpx.AsyncClient) -> None:
    data = await create(client)
    final = await finish(client, "button", data, "user_abort")
    assert final.endswith(f"&error-description={CANCELLED_B64}")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("outcome", "page_text", "status"),
    [
        ("expiry", "expired", "EXPIRED"),
        ("closed_tab", "You closed the tab", "AWAITING_AUTHORIZATION"),
    ],
)
async def test_expiry_and_closed_tab_send_nothing_back(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    path: str,
    outcome: str,
    page_text: str,
    status: str,
) -> None:
    data = await create(client)
    if path == "api":
        assert await pick(client, data["id"], outcome) is None
    else:
        page = await client.get(data["authorisationUrl"])
        form = parse_form(page.text)
        done = await client.post(form.action, data={"t": form.token, "outcome": outcome})
        assert done.status_code == 200
        assert "location" not in done.headers
        assert page_text in done.text
    assert (await consent(client, data["id"]))["status"] == status
    await no_webhooks(client, dispatcher, receiver)


@pytest.mark.parametrize(
    ("scenario", "error", "source", "text"),
    [
        ("wrong-credentials", "access_denied", "user", None),
        (
            "institution-server-error",
            "institution_server_error",
            "institution",
            "The institution rejected the request (invalid_request)",
        ),
        (
            "already-authorised",
            "uncategorized_error",
            "institution",
            "This request has already been authorised",
        ),
        (
            "yapily-error",
            "uncategorized_error",
            "yapily",
            "Yapily could not exchange the authorisation code",
        ),
    ],
)
async def test_failure_scenarios(
    client: httpx.AsyncClient, scenario: str, error: str, source: str, text: str | None
) -> None:
    data = await create(client)
    final = await finish(client, "api", data, scenario)
    query = dict(parse_qsl(urlsplit(final).query))
    assert (query["error"], query["error-source"]) == (error, source)
    if text is None:
        assert final.endswith(f"&error-description={WRONG_CREDENTIALS_B64}")
    else:
        assert decoded_description(final) == text


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("shopper+approved", "AUTHORIZED"),
        ("shopper+denied", "REJECTED"),
        ("shopper+bank_error", "FAILED"),
        ("shopper+invalid_client", "FAILED"),
    ],
)
async def test_magic_application_user_ids_pick_the_outcome_on_opening(
    client: httpx.AsyncClient, user: str, status: str
) -> None:
    data = await create(client, applicationUserId=user)
    opened = await client.get(data["authorisationUrl"])
    assert opened.status_code == 303
    hop = await client.get(opened.headers["location"])
    assert hop.status_code == 302
    assert hop.headers["location"].startswith(f"{CALLBACK}&")
    assert (await consent(client, data["id"]))["status"] == status


@pytest.mark.parametrize(
    ("username", "status"), [("mits+user_abort", "REJECTED"), ("mits+capture_failure", "FAILED")]
)
async def test_the_bank_login_magic_picks_the_outcome(
    client: httpx.AsyncClient, username: str, status: str
) -> None:
    data = await create(client)
    hop = await press(client, data, "success", username=username)
    assert (await client.get(hop)).status_code == 302
    assert (await consent(client, data["id"]))["status"] == status


async def test_a_wrong_bank_password_stays_on_the_bank_page(client: httpx.AsyncClient) -> None:
    data = await create(client)
    page = await client.get(data["authorisationUrl"])
    form = parse_form(page.text)
    wrong = {
        "t": form.token,
        "institution": "modelo-sandbox",
        "username": "mits",
        "password": "nope",
        "outcome": "success",
    }
    response = await client.post(form.action, data=wrong)
    assert response.status_code == 422
    assert "Incorrect credentials" in response.text
    assert (await consent(client, data["id"]))["status"] == "AWAITING_AUTHORIZATION"
    right = wrong | {"password": "mits"}
    assert (await client.post(form.action, data=right)).status_code == 303


async def test_no_callback_ends_on_the_yapily_page(client: httpx.AsyncClient) -> None:
    data = await create(client, callback=None)
    hop = await pick(client, data["id"], "success")
    assert hop is not None
    page = await client.get(hop)
    assert page.status_code == 200
    assert "No <code>callback</code> was given" in page.text


async def test_reflected_fields_are_escaped(client: httpx.AsyncClient) -> None:
    evil = '<script>alert(1)</script>"><img src=x>'
    data = await create(client, applicationUserId=evil)
    page = await client.get(data["authorisationUrl"])
    assert page.status_code == 200
    assert evil not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x&gt;" in page.text


async def test_custom_scheme_callbacks_keep_their_scheme(client: httpx.AsyncClient) -> None:
    data = await create(client, callback="com.example.app://callback")
    final = await finish(client, "api", data, "user_abort")
    assert final.startswith("com.example.app://callback?application-user-id=user-42&")
