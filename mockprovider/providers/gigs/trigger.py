"""`mockprovider trigger gigs …`: create a checkout Connect Session with the sandbox API key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mockprovider.web.triggering import answer, return_url

#: A plan of the sandbox catalogue (spec §1.2's example).
PLAN = "pln_0SNlurA049MEWV3V0q7gjQbM4EVo"


async def start(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """`POST /projects/{project}/connectSessions` (checkoutNewSubscription); its id."""
    path = f"/gigs/projects/{settings['project']}/connectSessions"
    body = {
        "intent": {"type": "checkoutNewSubscription", "checkoutNewSubscription": {"plan": PLAN}},
        "callbackUrl": return_url(http),
        "userDetails": {"email": "maya@example.com"},
    }
    headers = {"Authorization": f"Bearer {settings['api_key']}"}
    created = answer(await http.post(path, json=body, headers=headers), 201, f"POST {path}")
    return str(created["id"])
