"""Helpers shared by the finAPI test modules: tokens, web forms, the hosted web form's
buttons, the control API and the callbacks the receiver got."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx

from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.finapi.settings import CLIENT_ID, CLIENT_SECRET
from tests.providers.topiic_helpers import form_fields
from tests.support import Receiver, parse_form

API = "/finapi/api"
CB = "https://receiver.example/finapi/cb?state=42"
R = "https://app.example/finapi/done?customer=42"
E = "https://app.example/finapi/error"
A = "https://app.example/finapi/aborted"
S = "https://support.example/help"
BROWSER = {"redirectUrl": R, "errorRedirectUrl": E, "abortRedirectUrl": A, "customerSupportUrl": S}
PATHS = ("button", "api")


async def user_token(client: httpx.AsyncClient, user: str = "qa-user-1") -> str:
    """A user token from the v2 token endpoint (form body)."""
    form = {
        "grant_type": "password",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "username": user,
        "password": "qa-pass-1",
    }
    response = await client.post("/finapi/api/v2/oauth/token", data=form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create(
    client: httpx.AsyncClient, token: str, body: dict[str, Any], kind: str = "bankConnectionImport"
) -> httpx.Response:
    return await client.post(f"{API}/webForms/{kind}", json=body, headers=bearer(token))


async def new_form(
    client: httpx.AsyncClient, user: str = "qa-user-1", **body: Any
) -> tuple[str, dict[str, Any]]:
    """A user token and a fresh import web form (bank 280001, callback CB unless overridden)."""
    token = await user_token(client, user)
    payload = {"bank": {"id": 280001}, "callbacks": {"finalised": CB}} | body
    response = await create(client, token, payload)
    assert response.status_code == 201, response.text
    return token, response.json()


async def poll(client: httpx.AsyncClient, token: str, form_id: str) -> dict[str, Any]:
    response = await client.get(f"{API}/webForms/{form_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def page_url(form: dict[str, Any], params: dict[str, str] | None = None) -> str:
    return str(form["url"]) + ("?" + urlencode(params) if params else "")


async def press(
    client: httpx.AsyncClient, page: httpx.Response, outcome: str, **fields: str
) -> httpx.Response:
    """Press the web form's button `outcome`, sending its inputs like a browser (also from a
    page shown again with an inline problem, 422)."""
    assert page.status_code in (200, 422), page.text
    form = parse_form(page.text)
    assert outcome in form.buttons
    data = form_fields(page.text) | fields | {"outcome": outcome}
    return await client.post(form.action, data=data)


async def finish(
    client: httpx.AsyncClient, path: str, form: dict[str, Any], outcome: str, params: dict[str, str]
) -> tuple[str | None, httpx.Response]:
    """Open the web form with `params` and pick `outcome` by button or control API: the
    browser's redirect (None when it stays) and the response."""
    page = await client.get(page_url(form, params))
    if path == "button":
        response = await press(client, page, outcome)
        location = response.headers.get("location")
        assert response.status_code == (303 if location else 200), response.text
        return location, response
    assert page.status_code == 200, page.text
    response = await client.post(
        f"/_sandbox/sessions/{form['id']}/outcome", json={"outcome": outcome}
    )
    assert response.status_code == 200, response.text
    return response.json()["redirect_url"], response


async def callbacks(dispatcher: Dispatcher, receiver: Receiver) -> list[httpx.Request]:
    """Run the dispatcher once; every callback the receiver got so far."""
    await dispatcher.run_once()
    return receiver.requests


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text


async def put_settings(client: httpx.AsyncClient, **values: Any) -> None:
    response = await client.put("/_sandbox/providers/finapi/settings", json=values)
    assert response.status_code == 200, response.text
