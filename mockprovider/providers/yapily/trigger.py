"""`mockprovider trigger yapily …`: an account authorisation request with the sandbox
application's Basic credentials, for the first institution in the settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mockprovider.web.triggering import TriggerRefused, answer, return_url


async def start(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """`POST /account-auth-requests`; the consent (session) id."""
    institutions = [i for i in settings.get("institutions") or [] if isinstance(i, dict)]
    if not institutions:
        raise TriggerRefused("yapily has no institutions in its settings")
    body = {
        "applicationUserId": "trigger",
        "institutionId": institutions[0]["id"],
        "callback": return_url(http),
    }
    auth = (str(settings["application_key"]), str(settings["application_secret"]))
    response = await http.post("/yapily/account-auth-requests", json=body, auth=auth)
    return str(answer(response, 201, "POST /account-auth-requests")["data"]["id"])
