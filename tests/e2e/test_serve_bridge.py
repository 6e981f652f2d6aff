"""Bridge over real sockets: user → token → Connect session → funnel → success → exact
Location, and the signed webhooks at a real receiver (spec §1.2, §1.4, §1.5, §1.6); then every
read call agreeing with those webhooks, and deletion with its events."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.servers import Received, ServerProcess, WebhookReceiver
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
    received = hooks.wait_for(8, where=lambda r: str(item["id"]).encode() in r.body)
    assert [json.loads(r.body)["type"] for r in received] == [
        "item.created",
        *["item.account.created"] * 3,  # the Demo Bank's checking, savings and card accounts
        "item.refreshed",
        *["item.account.updated"] * 3,
    ]
    for hook in received:
        assert verify_bridge(hook.body, hook.header("BridgeApi-Signature"), [SECRET])
        assert hook.path == "/hooks/topiic"  # the receiver's one hook URL
        assert json.loads(hook.body)["content"]["user_uuid"] == user_uuid


def verified(hook: Received) -> dict[str, Any]:
    assert verify_bridge(hook.body, hook.header("BridgeApi-Signature"), [SECRET])
    event: dict[str, Any] = json.loads(hook.body)
    return event


def test_after_connect_every_read_agrees_with_the_verified_webhooks(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    server.control("PUT", "/providers/bridge/settings", {"webhook_url": hooks.hook_url})
    api = f"{server.base_url}/bridge/v3/aggregation"
    with server.client() as http:
        user = http.post(f"{api}/users", headers=APP, json={"external_user_id": "e2e-2"}).json()
        token = http.post(
            f"{api}/authorization/token", headers=APP, json={"user_uuid": user["uuid"]}
        ).json()
        bearer = VERSION | {"Authorization": f"Bearer {token['access_token']}"}
        body = {"user_email": "e2e@example.com", "callback_url": hooks.return_url}
        url = http.post(f"{api}/connect-sessions", headers=bearer, json=body).json()["url"]
        for form in (
            {"do": "bank", "bank": "574"},
            {"do": "credentials", "login": "success", "password": "x"},
            {"do": "sync"},
        ):
            http.post(url, data=form)
        done = http.post(url, data={"do": "finish"})
        item_id = int(parse_qs(urlsplit(done.headers["location"]).query)["item_id"][0])
        events = [
            verified(h) for h in hooks.wait_for(8, where=lambda r: str(item_id).encode() in r.body)
        ]

        providers = http.get(f"{server.base_url}/bridge/v3/providers", headers=APP).json()
        item = http.get(f"{api}/items/{item_id}", headers=bearer).json()
        accounts = http.get(f"{api}/accounts", headers=bearer, params={"item_id": item_id}).json()
        counts = {}
        for account in accounts["resources"]:
            seen, uri = 0, f"/v3/aggregation/transactions?account_id={account['id']}&limit=40"
            while uri:
                page = http.get(f"{server.base_url}/bridge{uri}", headers=bearer).json()
                seen += len(page["resources"])
                uri = page["pagination"]["next_uri"]
            counts[account["id"]] = seen
        users = http.get(f"{api}/users", headers=APP).json()["resources"]

        manage_body = {"user_email": "e2e@example.com", "callback_url": hooks.return_url}
        managed = http.post(f"{api}/user-management-sessions", headers=bearer, json=manage_body)
        manage_url = managed.json()["url"]
        listed = http.get(manage_url)
        http.post(manage_url, data={"do": "refresh", "item": str(item_id)})
        refreshed = [
            verified(h)
            for h in hooks.wait_for(2, where=lambda r: b"item.refreshed" in r.body)
            if str(item_id).encode() in h.body
        ]
        back = http.post(manage_url, data={"do": "done"})

        deleted_item = http.delete(f"{api}/items/{item_id}", headers=bearer)
        [item_deleted] = hooks.wait_for(1, where=lambda r: b"item.deleted" in r.body)
        deleted_user = http.delete(f"{api}/users/{user['uuid']}", headers=APP)
        [user_deleted] = hooks.wait_for(1, where=lambda r: b"user.deleted" in r.body)
        after = http.get(f"{api}/items", headers=bearer)

    assert item["provider_id"] in [p["id"] for p in providers["resources"]]
    assert (
        item["status"]
        == next(e for e in events if e["type"] == "item.refreshed")["content"]["status_code"]
    )
    created = [e["content"] for e in events if e["type"] == "item.account.created"]
    updated = [e["content"] for e in events if e["type"] == "item.account.updated"]
    assert [(c["account_id"], c["balance"]) for c in created] == [
        (a["id"], a["balance"]) for a in accounts["resources"]
    ]
    assert {u["account_id"]: u["nb_new_transactions"] for u in updated} == counts
    assert {"uuid": user["uuid"], "external_user_id": "e2e-2"} in users
    assert managed.status_code == 201
    assert f"Item <code>{item_id}</code>" in listed.text
    assert [e["content"]["status_code"] for e in refreshed] == [0, 0]  # the sync's, the page's
    assert back.headers["location"] == (
        f"{hooks.return_url}?user_uuid={user['uuid']}&success=true&source=user_management"
    )
    assert deleted_item.status_code == 204
    assert verified(item_deleted)["content"] == {"item_id": item_id, "user_uuid": user["uuid"]}
    assert deleted_user.status_code == 204
    assert verified(user_deleted)["content"] == {"user_uuid": user["uuid"]}
    assert (after.status_code, after.json()["code"]) == (401, "invalid_token")
