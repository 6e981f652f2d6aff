"""`mockprovider trigger finapi …`: client token → user token (password grant) → an import web
form for the finAPI Test Bank. finAPI has no webhook URL setting: the callback is per web form,
so it is `settings["webhook_url"]` if the caller put one there (`mockprovider trigger
--callback`), else the form has none and nothing is sent back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mockprovider.providers.finapi.settings import TEST_BANKS
from mockprovider.web.triggering import TriggerRefused, answer

OAUTH = "/finapi/api/v2/oauth/token"


def refused_callback(response: httpx.Response, url: str, base: str) -> TriggerRefused | None:
    """If the create call refused the callback (the faithful `callback_url_check`), an error
    saying which setting accepts it and how to change it."""
    if response.status_code != 400:
        return None
    try:
        fields = [e.get("field") for e in response.json().get("errors") or []]
    except (ValueError, AttributeError):
        return None
    if "callbacks.finalised" not in fields:
        return None
    return TriggerRefused(
        f"finAPI's callback_url_check is faithful: callbacks must be HTTPS URLs with a dotted "
        f"host, as finAPI requires, so {url} is refused; for a local callback switch the check "
        f"to dev first: curl -X PUT {base}/_sandbox/providers/finapi/settings "
        "-H 'content-type: application/json' -d '{\"callback_url_check\": \"dev\"}'"
    )


async def start(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """Create the web form; its id."""
    callback = str(settings.get("webhook_url") or "")
    client = {
        "client_id": str(settings["client_id"]),
        "client_secret": str(settings["client_secret"]),
    }
    answer(await http.post(OAUTH, data={"grant_type": "client_credentials"} | client), 200, OAUTH)
    users = settings.get("users") or {}
    username, password = next(iter(users.items())) if users else ("trigger", "trigger")
    grant = {"grant_type": "password", "username": username, "password": password} | client
    token = answer(await http.post(OAUTH, data=grant), 200, OAUTH)["access_token"]
    body: dict[str, Any] = {"bank": {"id": next(iter(TEST_BANKS))}}
    if callback:
        body["callbacks"] = {"finalised": callback}
    path = "/finapi/api/webForms/bankConnectionImport"
    headers = {"Authorization": f"Bearer {token}"}
    created = await http.post(path, json=body, headers=headers)
    refused = refused_callback(created, callback, str(http.base_url).rstrip("/"))
    if refused is not None:
        raise refused
    return str(answer(created, 201, f"POST {path}")["id"])
