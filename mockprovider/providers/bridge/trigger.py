"""`mockprovider trigger bridge …`: user → user token → Connect session, with the sandbox
application's Client-Id/Client-Secret (spec §1.2)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import httpx

from mockprovider.web.triggering import answer, return_url

API = "/bridge/v3/aggregation"


async def start(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """Create a user, get its token, create a Connect session; the session's id."""
    version = {"Bridge-Version": str((settings.get("bridge_versions") or ["2025-01-15"])[0])}
    app = version | {
        "Client-Id": str(settings["client_id"]),
        "Client-Secret": str(settings["client_secret"]),
    }
    external = {"external_user_id": f"trigger-{secrets.token_hex(4)}"}
    user = answer(await http.post(f"{API}/users", headers=app, json=external), 201, "POST /users")
    token = answer(
        await http.post(
            f"{API}/authorization/token", headers=app, json={"user_uuid": user["uuid"]}
        ),
        200,
        "POST /authorization/token",
    )
    bearer = version | {"Authorization": f"Bearer {token['access_token']}"}
    body = {"user_email": "maya@example.com", "callback_url": return_url(http)}
    created = answer(
        await http.post(f"{API}/connect-sessions", headers=bearer, json=body),
        201,
        "POST /connect-sessions",
    )
    return str(created["id"])
