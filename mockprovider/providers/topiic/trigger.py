"""`mockprovider trigger topiic …`: build a signed checkout link as an integrator's server
would (spec §2.6) and open it like a browser; the 303 to the hosted page names the session."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

import httpx

from mockprovider.providers.topiic.link import build_link
from mockprovider.web.triggering import TriggerRefused, return_url, sandbox_now

#: How long the link stays valid (seconds of sandbox time).
LINK_TTL = 1800


async def start(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """Open a link for the first plan with the documented API key; the new session's id."""
    plans = [p for p in settings.get("plans") or [] if isinstance(p, dict) and p.get("id")]
    if not plans:
        raise TriggerRefused("topiic has no plans in its settings")
    payload = {
        "akid": settings["api_key_id"],
        "mid": settings["merchant_id"],
        "plan": plans[0]["id"],
        "ref": "trigger",
        "contact": {"fn": "Maya", "ln": "Tan", "em": "maya@example.com"},
        "ret": return_url(http),
        "evts": ["checkout.completed", "checkout.failed"],
        "nonce": secrets.token_hex(16),
        "exp": int(await sandbox_now(http)) + LINK_TTL,
    }
    base = f"{str(http.base_url).rstrip('/')}/topiic"
    link = build_link(str(settings["signing_secret"]), payload, base, str(settings["hmac_key"]))
    opened = await http.get(link)
    found = re.search(r"/topiic/s/([^/?#]+)", opened.headers.get("location", ""))
    if opened.status_code != 303 or found is None:
        detail = " ".join(opened.text.split())[:300]
        raise TriggerRefused(f"the checkout link answered HTTP {opened.status_code}: {detail}")
    return found.group(1)
