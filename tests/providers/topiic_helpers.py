"""Helpers shared by the Topiic test modules: open links, press hosted-page buttons, pick
outcomes through the control API, read sessions and deliveries, verify signatures independently
of the sandbox's own code."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.support import parse_form, topiic_link

RET = "https://app.example/subscribed?customer=42"
PATHS = ("button", "api")
_INPUT = re.compile(r"<input\b([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Opened:
    """A session created by opening a deep link: its id and hosted page URL."""

    session_id: str
    page_url: str


@dataclass(frozen=True)
class Finished:
    """What an outcome did: the browser's redirect (None when it stayed) and the response."""

    session_id: str
    location: str | None
    response: httpx.Response


def is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def signature_params(header: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in header.split(","))


def signature_verifies(secret: str, header: str, body: bytes) -> bool:
    """Topiic's documented verification (spec §2.5), written out here, not borrowed."""
    params = signature_params(header)
    signed = params["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, params["v1"])


def form_fields(page: str) -> dict[str, str]:
    """Every named `<input>` of the hosted page with its value, as a browser would submit it."""
    fields: dict[str, str] = {}
    for raw in _INPUT.findall(page):
        attrs = {k: html.unescape(v) for k, v in _ATTR.findall(raw)}
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


async def open_link(client: httpx.AsyncClient, url: str) -> Opened:
    entry = await client.get(url)
    assert entry.status_code == 303, entry.text
    page_url = entry.headers["location"]
    session_id = urlsplit(page_url).path.rsplit("/", 1)[1]
    return Opened(session_id, page_url)


async def start(client: httpx.AsyncClient, **overrides: Any) -> Opened:
    """Open a fresh valid link (payload fields overridden by `overrides`)."""
    return await open_link(client, topiic_link(**overrides))


async def submit(
    client: httpx.AsyncClient, page_url: str, outcome: str, **fields: str
) -> httpx.Response:
    """Load the hosted page and press the button `outcome`, sending the page's inputs (with
    `fields` typed over them) like a browser."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    assert outcome in form.buttons
    data = form_fields(page.text) | fields | {"outcome": outcome}
    return await client.post(form.action, data=data)


async def choose(client: httpx.AsyncClient, session_id: str, outcome: str) -> httpx.Response:
    return await client.post(f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": outcome})


async def finish(client: httpx.AsyncClient, path: str, outcome: str, **overrides: Any) -> Finished:
    """Open a link and pick `outcome` by pressing its button or through the control API."""
    opened = await start(client, **overrides)
    if path == "button":
        response = await submit(client, opened.page_url, outcome)
        location = response.headers.get("location")
        assert response.status_code == (303 if location else 200), response.text
    else:
        response = await choose(client, opened.session_id, outcome)
        assert response.status_code == 200, response.text
        location = response.json()["redirect_url"]
    return Finished(opened.session_id, location, response)


async def session_view(client: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    response = await client.get(f"/_sandbox/sessions/{session_id}")
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


async def deliveries(client: httpx.AsyncClient, session_id: str) -> list[dict[str, Any]]:
    response = await client.get("/_sandbox/webhooks", params={"session_id": session_id})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["webhooks"]
    return found


async def session_count(client: httpx.AsyncClient) -> int:
    response = await client.get("/_sandbox/sessions")
    return len(response.json()["sessions"])


async def advance(client: httpx.AsyncClient, seconds: float) -> float:
    """Move sandbox time through the control API (this also runs the expiry sweep)."""
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text
    now: float = response.json()["now"]
    return now


async def put_settings(client: httpx.AsyncClient, **values: Any) -> dict[str, Any]:
    response = await client.put("/_sandbox/providers/topiic/settings", json=values)
    assert response.status_code == 200, response.text
    merged: dict[str, Any] = response.json()
    return merged


def body_of(request: httpx.Request) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(request.content)
    return parsed


def verifies_with_sandbox_secret(request: httpx.Request) -> bool:
    return signature_verifies(SANDBOX_SECRET, request.headers["Topiic-Signature"], request.content)
