"""Bridge over real sockets: user → token → Connect session → funnel → success → exact
Location, and the four signed webhooks at a real receiver (spec §1.2, §1.4, §1.5, §1.6)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.servers import ServerProcess, WebhookReceiver
from tests.providers.bridge_helpers import APP, VERSION, verify_bridge

pytestmark = pytest.mark.slow
SECRET = "whsec_sandbox_bridge_0001"


def test_connect_flow_success_redirects_and_delivers_signed_webhooks(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    server.control("PUT", "/providers/bridge/settings", {"webhook_url": hooks.hook_url})
    api = f"{server.base_url}/bridge/v3/aggregation"
    callback = f"{hooks.return_url}?shop=1"
    with server.client() as http:
        user = http.post(f"{api}/users", headers=APP, json={"external_user_id": "e2e-1"})
        assert user.status_code == 201, user.text
        token = http.post(
            f"{api}/authorization/token", headers=APP, json={"external_user_id": "e2e-1"}
        ).json()
        bearer = VERSION | {"Authorization": f"Bearer {token['access_token']}"}
        body = {"user_email": "e2e@example.com", "callback_url": callback, "context": "e2e-7"}
        created = http.post(f"{api}/connect-sessions", headers=bearer, json=body)
        assert created.status_code == 201, created.text
        url = created.json()["url"]
        assert url.startswith(f"{server.base_url}/bridge/connect/session/")
        assert http.get(url).status_code == 200
        for form in (
            {"do": "bank", "bank": "574"},
            {"do": "credentials", "login": "success", "password": "x"},
            {"do": "sync"},
        ):
            moved = http.post(url, data=form)
            assert (moved.status_code, moved.headers["location"]) == (303, url)
        done = http.post(url, data={"do": "finish"})
        items = http.get(f"{api}/items", headers=bearer).json()["resources"]

    [item] = items
    user_uuid = user.json()["uuid"]
    assert done.status_code == 303, done.text
    assert done.headers["location"] == (
        f"{callback}&item_id={item['id']}&user_uuid={user_uuid}"
        "&success=true&source=connect&context=e2e-7"
    )
    assert (item["status"], item["status_code_info"]) == (0, "ok")
    received = hooks.wait_for(4, where=lambda r: str(item["id"]).encode() in r.body)
    assert [json.loads(r.body)["type"] for r in received] == [
        "item.created",
        "item.account.created",
        "item.refreshed",
        "item.account.updated",
    ]
    for hook in received:
        assert verify_bridge(hook.body, hook.header("BridgeApi-Signature"), [SECRET])
        assert hook.path == "/hooks/topiic"  # the receiver's one hook URL
        assert json.loads(hook.body)["content"]["user_uuid"] == user_uuid
