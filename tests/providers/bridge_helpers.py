"""Helpers for the Bridge tests: the three API calls, funnel steps, settings, dispatching on the
frozen clock, and an independent `BridgeApi-Signature` verifier (spec §1.6 reference code)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx

from mockprovider.clock import FrozenClock
from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.support import Receiver

BASE = "/bridge/v3/aggregation"
VERSION = {"Bridge-Version": "2025-01-15"}
APP = VERSION | {"Client-Id": "sandbox-client-id", "Client-Secret": "sandbox-client-secret"}
CALLBACK = "https://app.example/bank/done?tenant=7"


@dataclass(frozen=True)
class Connect:
    """A Connect session as the integrator sees it, plus its user."""

    session_id: str
    url: str
    user_uuid: str
    token: str


def verify_bridge(raw_body: bytes, header: str | None, secrets: list[str]) -> bool:
    """Spec §1.6's reference verification, written out here (not the sandbox's code)."""
    if not header:
        return False
    sigs = [p.strip()[3:] for p in header.split(",") if p.strip().startswith("v1=")]
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest().upper()
        if any(hmac.compare_digest(s.upper(), expected) for s in sigs):
            return True
    return False


def user_headers(token: str, **extra: str) -> dict[str, str]:
    return VERSION | {"Authorization": f"Bearer {token}"} | extra


async def put_settings(client: httpx.AsyncClient, **values: Any) -> dict[str, Any]:
    response = await client.put("/_sandbox/providers/bridge/settings", json=values)
    assert response.status_code == 200, response.text
    merged: dict[str, Any] = response.json()
    return merged


async def new_user(client: httpx.AsyncClient, external: str | None = None) -> tuple[str, str]:
    """Create a user and get a token: (user_uuid, access_token)."""
    body = {"external_user_id": external} if external else {}
    created = await client.post(f"{BASE}/users", headers=APP, json=body)
    assert created.status_code == 201, created.text
    user_uuid = str(created.json()["uuid"])
    token = await client.post(
        f"{BASE}/authorization/token", headers=APP, json={"user_uuid": user_uuid}
    )
    assert token.status_code == 200, token.text
    return user_uuid, str(token.json()["access_token"])


async def connect(client: httpx.AsyncClient, **body: Any) -> Connect:
    """User → token → Connect session (callback on app.example, authorised first)."""
    await put_settings(client, redirect_domains=["app.example", "localhost", "127.0.0.1"])
    user_uuid, token = await new_user(client)
    payload = {"user_email": "maya@example.com", "callback_url": CALLBACK} | body
    payload = {k: v for k, v in payload.items() if v is not None}
    created = await client.post(
        f"{BASE}/connect-sessions", headers=user_headers(token), json=payload
    )
    assert created.status_code == 201, created.text
    return Connect(created.json()["id"], created.json()["url"], user_uuid, token)


async def step(client: httpx.AsyncClient, url: str, **form: str) -> httpx.Response:
    """Post one funnel form (`do=…`); moves answer 303 back to the funnel."""
    return await client.post(url, data=form)


async def walk(client: httpx.AsyncClient, url: str, login: str, otp: bool = False) -> None:
    """Bank list → Demo Bank → credentials (→ OTP) → end of the sync."""
    for form in (
        {"do": "bank", "bank": "574"},
        {"do": "credentials", "login": login, "password": "any"},
        *([{"do": "otp", "otp": "123456"}] if otp else []),
        {"do": "sync"},
    ):
        response = await step(client, url, **form)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == url


async def current_step(client: httpx.AsyncClient, url: str) -> str:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return page.text.split("step <code>", 1)[1].split("</code>", 1)[0]


async def choose(client: httpx.AsyncClient, session_id: str, name: str) -> httpx.Response:
    return await client.post(f"/_sandbox/sessions/{session_id}/outcome", json={"outcome": name})


async def delivered(
    clock: FrozenClock, dispatcher: Dispatcher, receiver: Receiver
) -> list[dict[str, Any]]:
    """Send everything due, in the order it was queued."""
    while await dispatcher.run_once():
        pass
    return [json.loads(r.content) for r in receiver.requests]
