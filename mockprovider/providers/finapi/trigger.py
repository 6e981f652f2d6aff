"""`mockprovider trigger finapi …`: client token → user token (password grant) → an import web
form for the finAPI Test Bank. finAPI has no webhook URL setting: the callback is per web form,
so it is `settings["webhook_url"]` if the caller put one there (`mockprovider trigger
--callback`), else the form has none and nothing is sent back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mockprovider.providers.finapi.settings import TEST_BANKS
from mockprovider.providers.finapi.validate import url_problem
from mockprovider.web.triggering import TriggerRefused, answer

OAUTH = "/finapi/api/v2/oauth/token"


def check_callback(url: str, settings: Mapping[str, Any], base: str) -> None:
    """Refuse, before creating anything, a callback the create call would refuse, saying which
    setting accepts it and how to change it."""
    mode = str(settings["callback_url_check"])
    if mode != "faithful" or url_problem(url, mode) is None:
        return
    raise TriggerRefused(
        f"finAPI's callback_url_check is faithful: callbacks must be HTTPS URLs with a dotted "
        f"host, as finAPI requires, so {url} is refused; for a local callback switch the check "
        "to dev first: curl -X PUT "
        f"{base}/_sandbox/providers/finapi/settings "
        "-H 'content-type: application/json' -d '{\"callback_url_check\": \"dev\"}'"
    )


async def start(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """Create the web form; its id."""
    callback = str(settings.get("webhook_url") or "")
    if callback:
        check_callback(callback, settings, str(http.base_url).rstrip("/"))
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
    return str(answer(await http.post(path, json=body, headers=headers), 201, f"POST {path}")["id"])
