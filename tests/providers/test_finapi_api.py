"""finAPI APIs (spec §2.2, §2.3, §2.6, §2.10): token endpoint on both paths (query-string
credentials of the `finapi` 0.9.9 client), web form and task bodies validated against the
published OpenAPI files, exact error bodies, and the update-task flow with `webFormRequired`."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.finapi.settings import CLIENT_ID, CLIENT_SECRET
from tests.provider_openapi import assert_matches, provider_document
from tests.providers.finapi_helpers import (
    API,
    BROWSER,
    CB,
    R,
    advance,
    bearer,
    body_of,
    callbacks,
    create,
    finish,
    new_form,
    poll,
    put_settings,
    user_token,
)
from tests.support import Receiver

NOW = "2026-01-26T23:43:20.000+0000"
WF = "finapi-webform2.yaml"
REQUIRED_CB = "https://receiver.example/finapi/required?state=7"
ORDER = {
    "amount": {"value": "12.50", "currency": "EUR"},
    "recipient": {"name": "Ada", "iban": "DE02120300000000202051"},
}


def err(code: str, description: str, endpoint: str) -> dict[str, Any]:
    return {"code": code, "description": description, "timestamp": NOW, "endpoint": endpoint}


async def test_token_v2_form_body_and_legacy_query_string(client: httpx.AsyncClient) -> None:
    doc = provider_document("finapi-access.yaml")
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    v2 = await client.post("/finapi/api/v2/oauth/token", data=form)
    assert v2.status_code == 200
    assert_matches(doc, "/oauth/token", "post", 200, v2.json())
    assert set(v2.json()) == {"access_token", "token_type", "expires_in", "scope"}
    # finapi 0.9.9: every parameter in the query string, empty JSON body (§2.10) [CODE].
    legacy = await client.post(
        "/finapi/oauth/token",
        params=form | {"grant_type": "password", "username": "qa-user-1", "password": "qa-pass-1"},
        headers={"Content-Type": "application/json"},
    )
    body = legacy.json()
    assert_matches(doc, "/oauth/token", "post", 200, body)
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 3600, "all")
    refreshed = await client.post(
        "/finapi/oauth/token",
        data=form | {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
    )
    assert refreshed.status_code == 200
    created = await create(client, refreshed.json()["access_token"], {})
    assert created.status_code == 201


async def test_token_errors(client: httpx.AsyncClient) -> None:
    doc = provider_document("finapi-access.yaml")
    bad = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "nope"}
    wrong = await client.post("/finapi/api/v2/oauth/token", data=bad)
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"error": "invalid_client", "error_description": "Bad client credentials"},
    )
    assert_matches(doc, "/oauth/token", "post", 401, wrong.json())
    missing = await client.post("/finapi/oauth/token", data={"client_id": CLIENT_ID})
    assert missing.status_code == 400
    # Shaped like the document's http400ResponseExample (its schema rejects any
    # multiStepAuthentication value, null included, so it is left out as in the example).
    assert missing.json() == {
        "errors": [
            {
                "message": "grant_type must be one of client_credentials, password, "
                "refresh_token, with client_id and client_secret",
                "code": "BAD_REQUEST",
                "type": "TECHNICAL",
            }
        ],
        "date": "2026-01-26 23:43:20.000",
        "requestId": missing.headers.get("x-request-id", missing.json()["requestId"]),
        "endpoint": "POST /oauth/token",
        "authContext": "-",
        "bank": None,
    }


async def test_unauthorized_without_user_token(client: httpx.AsyncClient) -> None:
    doc = provider_document(WF)
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    client_token = (await client.post("/finapi/api/v2/oauth/token", data=form)).json()
    endpoint = "POST /api/webForms/bankConnectionImport"
    for headers in ({}, bearer("unknown"), bearer(client_token["access_token"])):
        response = await client.post(
            f"{API}/webForms/bankConnectionImport", json={}, headers=headers
        )
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"
        assert response.json()["endpoint"] == endpoint
        assert_matches(doc, "/api/webForms/bankConnectionImport", "post", 401, response.json())


async def test_expired_user_token(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    await advance(client, 3600)
    assert (await create(client, token, {})).status_code == 401


@pytest.mark.parametrize(
    ("kind", "path", "body", "webform_type", "key"),
    [
        (
            "bankConnectionImport",
            "/api/webForms/bankConnectionImport",
            {"bank": {"search": "DEMO0002"}},
            "BANK_CONNECTION_IMPORT",
            "bankConnectionId",
        ),
        (
            "standalonePayment",
            "/api/webForms/standalonePayment",
            {"orders": [ORDER]},
            "STANDALONE_PAYMENT",
            "paymentId",
        ),
        (
            "paymentWithAccountId",
            "/api/webForms/paymentWithAccountId",
            {"orders": [ORDER], "sender": {"accountId": 7}},
            "PAYMENT_WITH_ACCOUNT_ID",
            "paymentId",
        ),
    ],
)
async def test_create_get_delete_match_the_openapi(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    kind: str,
    path: str,
    body: dict[str, Any],
    webform_type: str,
    key: str,
) -> None:
    doc = provider_document(WF)
    token = await user_token(client)
    response = await create(client, token, body | {"callbacks": {"finalised": CB}}, kind)
    assert response.status_code == 201, response.text
    form = response.json()
    assert_matches(doc, path, "post", 201, form)
    assert form["url"] == f"http://sandbox.test/finapi/wf/{form['id']}"
    assert (form["type"], form["status"], form["payload"]) == (
        webform_type,
        "NOT_YET_OPENED",
        {key: None},
    )
    assert response.headers["x-request-id"].startswith("selfgen-")
    await finish(client, "api", form, "success", BROWSER)
    polled = await poll(client, token, form["id"])
    assert_matches(doc, "/api/webForms/{id}", "get", 200, polled)
    assert isinstance(polled["payload"][key], int)
    [sent] = await callbacks(dispatcher, receiver)
    assert body_of(sent) == {"webFormId": form["id"], "status": polled["status"]}
    deleted = await client.delete(f"{API}/webForms/{form['id']}", headers=bearer(token))
    assert deleted.status_code == 200
    gone = await client.get(f"{API}/webForms/{form['id']}", headers=bearer(token))
    assert gone.status_code == 404
    assert gone.json() == err(
        "NOT_FOUND", f"Web form {form['id']} not found.", f"GET /api/webForms/{form['id']}"
    )
    assert_matches(doc, "/api/webForms/{id}", "get", 404, gone.json())


async def test_another_users_form_is_not_found(client: httpx.AsyncClient) -> None:
    _, form = await new_form(client)
    other = await user_token(client, "qa-user-2")
    assert (
        await client.get(f"{API}/webForms/{form['id']}", headers=bearer(other))
    ).status_code == 404


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    token = await user_token(client)
    response = await client.post(
        f"{API}/webForms/bankConnectionImport",
        json={},
        headers=bearer(token) | {"X-Request-Id": "abc-1"},
    )
    assert response.headers["x-request-id"] == "abc-1"


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            {"redirectUrl": R},
            422,
            err(
                "INVALID_REDIRECT_URL",
                "redirectUrl is only allowed for mandators with a FULLY_LICENSED, AISP or PISP "
                "licence; append redirectUrl to the web form URL instead.",
                "POST /api/webForms/bankConnectionImport",
            ),
        ),
        (
            {"bank": {"id": 280404}},
            422,
            err(
                "BANK_NOT_SUPPORTED",
                "Bank 280404 is not supported.",
                "POST /api/webForms/bankConnectionImport",
            ),
        ),
        (
            {"bank": {"search": "finAPI Test"}},
            422,
            err(
                "BANK_NOT_UNIQUE",
                "Several banks match 'finAPI Test'.",
                "POST /api/webForms/bankConnectionImport",
            ),
        ),
        (
            {"bank": {"search": "Sparkasse"}},
            422,
            err(
                "BANK_NOT_SUPPORTED",
                "No supported bank for 'Sparkasse'.",
                "POST /api/webForms/bankConnectionImport",
            ),
        ),
    ],
)
async def test_import_errors(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, expected: dict[str, Any]
) -> None:
    doc = provider_document(WF)
    token = await user_token(client)
    response = await create(client, token, body)
    assert (response.status_code, response.json()) == (status, expected)
    assert_matches(doc, "/api/webForms/bankConnectionImport", "post", status, response.json())


async def test_validation_errors(client: httpx.AsyncClient) -> None:
    doc = provider_document(WF)
    token = await user_token(client)
    http_cb = {
        "callbacks": {"finalised": "http://receiver.example/cb"},
        "bank": {"id": 1, "search": "x"},
    }
    response = await create(client, token, http_cb)
    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["callbacks.finalised", "bank"]
    assert (response.json()["timestamp"], response.json()["endpoint"]) == (
        NOW,
        "POST /api/webForms/bankConnectionImport",
    )
    assert_matches(doc, "/api/webForms/bankConnectionImport", "post", 400, response.json())
    payment = await create(client, token, {"orders": []}, "standalonePayment")
    assert payment.json()["errors"] == [
        {"field": "orders", "message": "must contain at least one order"}
    ]
    not_json = await client.post(
        f"{API}/webForms/standalonePayment", content=b"{", headers=bearer(token)
    )
    assert not_json.json()["errors"] == [{"field": "body", "message": "must be a JSON object"}]
    # dev mode (sandbox choice §3.2.4) accepts http://127.0.0.1 callbacks.
    await put_settings(client, callback_url_check="dev")
    ok = await create(client, token, {"callbacks": {"finalised": "http://127.0.0.1:9000/cb"}})
    assert ok.status_code == 201


async def update(client: httpx.AsyncClient, token: str, bcid: int) -> dict[str, Any]:
    hooks = {"finalised": CB, "webFormRequired": REQUIRED_CB}
    response = await client.post(
        f"{API}/tasks/backgroundUpdate",
        json={"bankConnectionId": bcid, "callbacks": hooks},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    assert_matches(
        provider_document(WF), "/api/tasks/backgroundUpdate", "post", 201, response.json()
    )
    assert response.json()["status"] == "NOT_YET_STARTED"
    task: dict[str, Any] = response.json()
    return task


async def get_task(client: httpx.AsyncClient, token: str, task_id: str) -> dict[str, Any]:
    response = await client.get(f"{API}/tasks/{task_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert_matches(provider_document(WF), "/api/tasks/{id}", "get", 200, response.json())
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("outcome", "webform_status", "task_status"),
    [
        ("success", "COMPLETED", "COMPLETED"),
        ("user_abort", "ABORTED", "WEB_FORM_REQUIRED"),
        ("capture_failure", "COMPLETED_WITH_ERROR", "COMPLETED_WITH_ERROR"),
    ],
)
async def test_update_task_with_web_form(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    outcome: str,
    webform_status: str,
    task_status: str,
) -> None:
    token = await user_token(client)
    task = await update(client, token, 101)
    polled = await get_task(client, token, task["id"])
    web_form = polled["payload"]["webForm"]
    assert polled["status"] == "WEB_FORM_REQUIRED"
    assert web_form["status"] == "NOT_YET_OPENED"
    [required] = await callbacks(dispatcher, receiver)
    assert str(required.url) == REQUIRED_CB
    assert (
        required.content
        == json.dumps(
            {
                "taskId": task["id"],
                "status": "WEB_FORM_REQUIRED",
                "webForm": {
                    "id": web_form["id"],
                    "url": web_form["url"],
                    "status": "NOT_YET_OPENED",
                },
            },
            separators=(",", ":"),
        ).encode()
    )
    await finish(client, "api", {"id": web_form["id"], "url": web_form["url"]}, outcome, BROWSER)
    _, final = await callbacks(dispatcher, receiver)
    assert str(final.url) == CB
    expected = {
        "taskId": task["id"],
        "status": task_status,
        "webForm": {"id": web_form["id"], "url": web_form["url"], "status": webform_status},
    }
    assert body_of(final) == expected
    polled = await get_task(client, token, task["id"])
    assert (polled["status"], polled["payload"]["webForm"]["status"]) == (
        task_status,
        webform_status,
    )


@pytest.mark.parametrize(("bcid", "status"), [(1001, "COMPLETED"), (1002, "COMPLETED_WITH_ERROR")])
async def test_background_update_without_web_form(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, bcid: int, status: str
) -> None:
    token = await user_token(client)
    task = await update(client, token, bcid)
    [sent] = await callbacks(dispatcher, receiver)
    assert (
        sent.content
        == b'{"taskId":"' + task["id"].encode() + b'","status":"' + status.encode() + b'"}'
    )
    polled = await get_task(client, token, task["id"])
    assert (polled["status"], polled["payload"]["webForm"]) == (status, None)


async def test_update_locked_and_invalid(client: httpx.AsyncClient) -> None:
    doc = provider_document(WF)
    token = await user_token(client)
    path = f"{API}/tasks/backgroundUpdate"
    locked = await client.post(path, json={"bankConnectionId": 423}, headers=bearer(token))
    assert (locked.status_code, locked.json()) == (
        423,
        err(
            "LOCKED",
            "Bank connection 423 is currently being updated.",
            "POST /api/tasks/backgroundUpdate",
        ),
    )
    assert_matches(doc, "/api/tasks/backgroundUpdate", "post", 423, locked.json())
    invalid = await client.post(path, json={}, headers=bearer(token))
    assert invalid.json()["errors"] == [
        {"field": "bankConnectionId", "message": "must not be null"}
    ]
    unknown = await client.get(f"{API}/tasks/nope", headers=bearer(token))
    assert unknown.status_code == 404
    assert_matches(doc, "/api/tasks/{id}", "get", 404, unknown.json())


async def test_user_creation_then_login(client: httpx.AsyncClient) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    client_token = (await client.post("/finapi/api/v2/oauth/token", data=form)).json()[
        "access_token"
    ]
    made = await client.post(
        "/finapi/api/v2/users",
        json={"id": "ada", "password": "s3cret"},
        headers=bearer(client_token),
    )
    assert made.status_code == 201
    login = form | {"grant_type": "password", "username": "ada"}
    assert (
        await client.post("/finapi/api/v2/oauth/token", data=login | {"password": "bad"})
    ).status_code == 401
    assert (
        await client.post("/finapi/api/v2/oauth/token", data=login | {"password": "s3cret"})
    ).status_code == 200
