"""Pages a tester's browser sees: hosted pages, end pages and error pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.core.tokens import Purpose, TokenSigner
from tests.support import HostedForm, parse_form, topiic_link

BANNER = '<div class="sandbox-banner" role="note">SANDBOX — mockprovider imitation'
HOSTILE_ID = "<img src=x onerror=alert(1)>"


def signer(app: Starlette) -> TokenSigner:
    tokens: TokenSigner = app.state.ctx.tokens
    return tokens


async def hosted_page(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    entry = await client.get(topiic_link(**overrides))
    assert entry.status_code == 303, entry.text
    return await client.get(entry.headers["location"])


def session_id_of(page: httpx.Response) -> str:
    return urlsplit(str(page.url)).path.rsplit("/", 1)[1]


async def submit(
    client: httpx.AsyncClient, form: HostedForm, outcome: str, **fields: str
) -> httpx.Response:
    return await client.post(form.action, data={"t": form.token, "outcome": outcome, **fields})


async def status_of(client: httpx.AsyncClient, session_id: str) -> str:
    status: str = (await client.get(f"/_sandbox/sessions/{session_id}")).json()["status"]
    return status


# -- error pages -------------------------------------------------------------------------------


async def test_unknown_session_page_is_a_404_html_page_with_escaped_content(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    token = signer(app).sign(Purpose.HOSTED_PAGE, HOSTILE_ID)

    response = await client.get(f"/topiic/s/{quote(HOSTILE_ID)}", params={"t": token})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.text
    assert HOSTILE_ID not in response.text
    assert "<p>no session &#39;&lt;img src=x onerror=alert(1)&gt;&#39;</p>" in response.text


@pytest.mark.parametrize(
    "accept", ["application/json", "application/problem+json", "application/json, */*"]
)
async def test_error_page_is_json_when_the_client_asks_for_json(
    app: Starlette, client: httpx.AsyncClient, accept: str
) -> None:
    token = signer(app).sign(Purpose.HOSTED_PAGE, HOSTILE_ID)

    response = await client.get(
        f"/topiic/s/{quote(HOSTILE_ID)}", params={"t": token}, headers={"Accept": accept}
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {"status": 404, "title": "Not found", "message": f"no session '{HOSTILE_ID}'"}
    }


async def test_browser_accept_header_with_json_in_it_still_gets_html(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    token = signer(app).sign(Purpose.HOSTED_PAGE, "nope")
    accept = "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8"

    response = await client.get("/topiic/s/nope", params={"t": token}, headers={"Accept": accept})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path", "status", "title"),
    [
        ("DELETE", "/topiic/s/abc", 405, "Method not allowed"),
        ("GET", "/topiic/s/abc?t=forged", 403, "Forbidden"),
        ("GET", "/topiic/s/abc", 403, "Forbidden"),
    ],
)
async def test_page_errors_are_html_with_the_status_and_title(
    client: httpx.AsyncClient, method: str, path: str, status: int, title: str
) -> None:
    response = await client.request(method, path)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in response.text
    assert f"HTTP {status}" in response.text


# -- the banner --------------------------------------------------------------------------------


async def checkout(client: httpx.AsyncClient) -> httpx.Response:
    return await hosted_page(client)


async def finished(client: httpx.AsyncClient) -> httpx.Response:
    page = await hosted_page(client)
    sid = session_id_of(page)
    await client.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})
    return await client.get(str(page.url))


async def closed_tab(client: httpx.AsyncClient) -> httpx.Response:
    return await submit(client, parse_form((await hosted_page(client)).text), "closed_tab")


async def redirect_dropped(client: httpx.AsyncClient) -> httpx.Response:
    return await submit(client, parse_form((await hosted_page(client)).text), "redirect-lost")


async def expired(client: httpx.AsyncClient) -> httpx.Response:
    await client.put("/_sandbox/providers/topiic/settings", json={"expire_now": "silent"})
    return await submit(client, parse_form((await hosted_page(client)).text), "expiry")


async def invalid_card(client: httpx.AsyncClient) -> httpx.Response:
    form = parse_form((await hosted_page(client)).text)
    return await submit(client, form, "success", card_number="4242 4242 4242 4241")


async def not_found(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/nowhere")


async def rejected_link(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(topiic_link(secret="tss_not_the_key"))


PAGES: dict[str, tuple[Callable[[httpx.AsyncClient], Awaitable[httpx.Response]], int, str]] = {
    "checkout": (checkout, 200, "Choose what happens"),
    "finished": (finished, 200, "Nothing more can be chosen on this session."),
    "closed-tab": (closed_tab, 200, "You closed the tab"),
    "redirect-dropped": (redirect_dropped, 200, "The redirect was dropped"),
    "expired": (expired, 200, "This session has expired"),
    "invalid-card": (invalid_card, 422, "Luhn check failed"),
    "not-found": (not_found, 404, "<h1>Not found</h1>"),
    "rejected-link": (rejected_link, 401, "HTTP 401"),
}


@pytest.mark.parametrize("page", list(PAGES))
async def test_every_page_carries_the_sandbox_banner(client: httpx.AsyncClient, page: str) -> None:
    make, status, marker = PAGES[page]

    response = await make(client)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert marker in response.text
    assert response.text.count(BANNER) == 1
    assert "· SANDBOX</title>" in response.text


# -- tokens bind pages and forms to their session ----------------------------------------------


async def test_page_token_of_one_session_does_not_open_another(client: httpx.AsyncClient) -> None:
    page_a = await hosted_page(client, ref="cust_a")
    entry_b = await client.get(topiic_link(ref="cust_b"))
    b_id = urlsplit(entry_b.headers["location"]).path.rsplit("/", 1)[1]
    token_a = dict(httpx.URL(str(page_a.url)).params)["t"]

    response = await client.get(f"/topiic/s/{b_id}", params={"t": token_a})

    assert response.status_code == 403
    assert "this page link belongs to another session" in response.text
    assert await status_of(client, b_id) == "created"


async def test_form_of_one_session_does_not_complete_another(client: httpx.AsyncClient) -> None:
    page_a = await hosted_page(client, ref="cust_a")
    form_a = parse_form(page_a.text)
    page_b = await hosted_page(client, ref="cust_b")
    b_id = session_id_of(page_b)

    response = await client.post(
        f"/topiic/s/{b_id}/outcome", data={"t": form_a.token, "outcome": "success"}
    )

    assert response.status_code == 403
    assert "this outcome form was not issued for this session" in response.text
    assert await status_of(client, b_id) == "opened"
    assert await status_of(client, session_id_of(page_a)) == "opened"


async def test_page_token_is_not_accepted_as_a_form_token(client: httpx.AsyncClient) -> None:
    page = await hosted_page(client)
    page_token = dict(httpx.URL(str(page.url)).params)["t"]

    response = await client.post(
        parse_form(page.text).action, data={"t": page_token, "outcome": "success"}
    )

    assert response.status_code == 403
    assert "bad token" in response.text
    assert await status_of(client, session_id_of(page)) == "opened"


async def test_a_used_form_cannot_be_submitted_again(client: httpx.AsyncClient) -> None:
    page = await hosted_page(client)
    form = parse_form(page.text)
    first = await submit(client, form, "success")

    again = await submit(client, form, "user_abort")

    assert first.status_code == 303
    assert again.status_code == 403
    assert "this outcome form was already used: the session is finished" in again.text
    view = (await client.get(f"/_sandbox/sessions/{session_id_of(page)}")).json()
    assert view["outcome"] == "success"
