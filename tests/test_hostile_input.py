"""Hostile input across every provider: each field a hosted page reflects is tried with an
HTML/script payload (it must come back escaped), and each callback/return URL field is tried
with `javascript:`, `data:`, CR/LF and over-long URLs (each must be refused with a 4xx that
says why). Sessions are created the way an integrator would, with each provider's helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
import pytest

from mockprovider.core.redirects import MAX_URL_LENGTH
from mockprovider.providers.finapi.settings import SCA_LOGIN
from mockprovider.providers.yapily.settings import APPLICATION_KEY, APPLICATION_SECRET
from tests.providers import bridge_helpers, finapi_helpers, gigs_helpers, topiic_helpers
from tests.support import topiic_link

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
#: What must never appear in a page: the payload's markup, unescaped.
RAW_MARKERS = ("<script>alert(1)", "<img src=x")
ESCAPED_MARKER = "&lt;script&gt;alert(1)&lt;/script&gt;"

UNSAFE_URLS = {
    "javascript": ("javascript:alert(1)", "javascript: scheme"),
    "data": ("data:text/html,<script>alert(1)</script>", "data: scheme"),
    "crlf": ("https://app.example/cb\r\nSet-Cookie: owned=1", "control characters"),
    "lf": ("https://app.example/cb\nLocation: https://evil.example/", "control characters"),
    "too-long": (
        "https://app.example/cb?pad=" + "a" * MAX_URL_LENGTH,
        f"the limit is {MAX_URL_LENGTH}",
    ),
}

YAPILY_AUTH = (APPLICATION_KEY, APPLICATION_SECRET)
YAPILY_PAYMENT = {
    "paymentIdempotencyId": "pay0001",
    "type": "DOMESTIC_PAYMENT",
    "reference": PAYLOAD,
    "amount": {"amount": 12.5, "currency": "GBP"},
    "payee": {
        "name": PAYLOAD,
        "accountIdentifications": [
            {"type": "SORT_CODE", "identification": "123456"},
            {"type": "ACCOUNT_NUMBER", "identification": "12345678"},
        ],
    },
}


# -- pages that reflect what the integrator or the user sent ----------------------------------


async def topiic_page(client: httpx.AsyncClient) -> str:
    """`ref` and the contact's names and phone are printed on the checkout page."""
    contact = {"fn": PAYLOAD, "ln": PAYLOAD, "em": "maya@example.com", "ph": PAYLOAD}
    opened = await topiic_helpers.open_link(client, topiic_link(ref=PAYLOAD, contact=contact))
    return (await client.get(opened.page_url)).text


async def gigs_page(client: httpx.AsyncClient) -> str:
    """`userDetails.fullName` is printed on the Connect page."""
    details = {"email": "maya@example.com", "fullName": PAYLOAD}
    created = await gigs_helpers.new_session(client, userDetails=details)
    entry = await gigs_helpers.open_url(client, created["url"])
    return (await client.get(entry.headers["location"])).text


async def bridge_page(client: httpx.AsyncClient) -> str:
    """The login a user typed is shown again when the bank asks to correct the credentials
    (a `402.` login makes the Demo Bank's sync fail with a credentials error)."""
    connect = await bridge_helpers.connect(client)
    login = "402." + PAYLOAD
    for form in (
        {"do": "bank", "bank": "574"},
        {"do": "credentials", "login": login, "password": "x"},
        {"do": "sync"},
    ):
        await bridge_helpers.step(client, connect.url, **form)
    return (await client.get(connect.url)).text


async def yapily_page(client: httpx.AsyncClient) -> str:
    """The payee, the payment reference and the application user id are on the bank page."""
    body = {
        "applicationUserId": PAYLOAD,
        "institutionId": "modelo-sandbox",
        "callback": "https://tpp.example/yapily/callback",
        "paymentRequest": YAPILY_PAYMENT,
    }
    response = await client.post("/yapily/payment-auth-requests", json=body, auth=YAPILY_AUTH)
    assert response.status_code == 201, response.text
    return (await client.get(response.json()["data"]["authorisationUrl"])).text


async def finapi_page(client: httpx.AsyncClient) -> str:
    """A wrong TAN shows the web form again with what the user typed (the TAN, the bank)."""
    _, form = await finapi_helpers.new_form(client)
    url = finapi_helpers.page_url(form, finapi_helpers.BROWSER)
    page = await client.get(url)
    typed = {"username": SCA_LOGIN, "password": SCA_LOGIN, "tan": PAYLOAD}
    answer = await finapi_helpers.press(client, page, "success", **typed)
    assert answer.status_code == 422, answer.text
    return answer.text


PAGES: dict[str, Callable[[httpx.AsyncClient], Awaitable[str]]] = {
    "topiic": topiic_page,
    "gigs": gigs_page,
    "bridge": bridge_page,
    "yapily": yapily_page,
    "finapi": finapi_page,
}


@pytest.mark.parametrize("provider", list(PAGES))
async def test_reflected_fields_are_escaped(client: httpx.AsyncClient, provider: str) -> None:
    page = await PAGES[provider](client)
    assert ESCAPED_MARKER in page, "the payload should be shown, escaped"
    for marker in RAW_MARKERS:
        assert marker not in page


# -- callback / return URLs -------------------------------------------------------------------


async def topiic_ret(client: httpx.AsyncClient, url: str) -> httpx.Response:
    return await client.get(topiic_link(ret=url))


async def gigs_callback(client: httpx.AsyncClient, url: str) -> httpx.Response:
    return await gigs_helpers.create(client, callbackUrl=url)


async def bridge_callback(client: httpx.AsyncClient, url: str) -> httpx.Response:
    await bridge_helpers.put_settings(client, redirect_domains=["app.example"])
    _, token = await bridge_helpers.new_user(client)
    body = {"user_email": "a@example.com", "callback_url": url}
    headers = bridge_helpers.user_headers(token)
    return await client.post(f"{bridge_helpers.BASE}/connect-sessions", headers=headers, json=body)


async def yapily_callback(client: httpx.AsyncClient, url: str) -> httpx.Response:
    body = {"applicationUserId": "u-1", "institutionId": "modelo-sandbox", "callback": url}
    return await client.post("/yapily/account-auth-requests", json=body, auth=YAPILY_AUTH)


async def finapi_redirect(client: httpx.AsyncClient, url: str) -> httpx.Response:
    _, form = await finapi_helpers.new_form(client)
    return await client.get(finapi_helpers.page_url(form, {"redirectUrl": url}))


async def finapi_support(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """`customerSupportUrl` becomes a link on the page: a `javascript:` one would run."""
    _, form = await finapi_helpers.new_form(client)
    params = finapi_helpers.BROWSER | {"customerSupportUrl": url}
    return await client.get(finapi_helpers.page_url(form, params))


URL_FIELDS: dict[str, Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]] = {
    "topiic-ret": topiic_ret,
    "gigs-callbackUrl": gigs_callback,
    "bridge-callback_url": bridge_callback,
    "yapily-callback": yapily_callback,
    "finapi-redirectUrl": finapi_redirect,
    "finapi-customerSupportUrl": finapi_support,
}


@pytest.mark.parametrize("kind", list(UNSAFE_URLS))
@pytest.mark.parametrize("field", list(URL_FIELDS))
async def test_unsafe_callback_urls_are_refused_with_a_clear_error(
    client: httpx.AsyncClient, field: str, kind: str
) -> None:
    url, reason = UNSAFE_URLS[kind]
    response = await URL_FIELDS[field](client, url)
    assert 400 <= response.status_code < 500, response.text
    assert "location" not in response.headers
    assert reason in response.text, response.text
    for marker in RAW_MARKERS:
        assert marker not in response.text


def test_every_provider_has_a_page_and_a_url_field() -> None:
    providers = set(PAGES)
    assert {field.split("-")[0] for field in URL_FIELDS} == providers
    assert urlsplit(UNSAFE_URLS["too-long"][0]).scheme == "https"
