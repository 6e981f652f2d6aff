"""A faulted provider-API call answers in that provider's own error shape (Gigs' envelope,
Bridge's v3 body, Yapily's V2 envelope, finAPI's `Error`), with `Retry-After` on a 429, so an
integrator's error handling meets what the real provider would send."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.provider_openapi import assert_fits_schema, provider_document

#: One API call per provider: (method, path).
CALLS = {
    "gigs": ("POST", "/gigs/projects/gigs/connectSessions"),
    "bridge": ("POST", "/bridge/v3/aggregation/users"),
    "yapily": ("GET", "/yapily/consents/cns-1"),
    "finapi": ("GET", "/finapi/api/webForms/wf-1"),
}


async def faulted(client: httpx.AsyncClient, provider: str, status: int) -> httpx.Response:
    body: dict[str, Any] = {"status": status}
    if status == 429:
        body["retry_after"] = 5
    activated = await client.post(f"/_sandbox/providers/{provider}/faults", json=body)
    assert activated.status_code == 200, activated.text
    method, path = CALLS[provider]
    response = await client.request(method, path, json={})
    assert response.status_code == status, response.text
    assert response.headers.get("retry-after") == ("5" if status == 429 else None)
    return response


@pytest.mark.parametrize(
    ("status", "type_", "code"),
    [(429, "tooManyRequests", "rateLimitExceeded"), (503, "internal", "internalServerError")],
)
async def test_gigs_answers_its_error_envelope(
    client: httpx.AsyncClient, status: int, type_: str, code: str
) -> None:
    body = (await faulted(client, "gigs", status)).json()
    assert list(body) == ["object", "type", "code", "message", "documentation"]
    assert (body["object"], body["type"], body["code"]) == ("error", type_, code)
    assert body["message"].startswith("sandbox fault: ")


@pytest.mark.parametrize(
    ("status", "code"), [(429, "too_many_requests"), (500, "internal_server_error")]
)
async def test_bridge_answers_its_v3_error_body(
    client: httpx.AsyncClient, status: int, code: str
) -> None:
    body = (await faulted(client, "bridge", status)).json()
    assert list(body) == ["code", "message"]
    assert body["code"] == code


@pytest.mark.parametrize(
    ("status", "text", "issue"),
    [
        (429, "TOO_MANY_REQUESTS", {"type": "TOO_MANY_REQUESTS", "code": "429"}),
        (500, "INTERNAL SERVER ERROR", {"type": "INTERNAL_SERVER_ERROR", "code": "11000"}),
        (503, "SERVICE_UNAVAILABLE", {"type": "INTERNAL_SERVER_ERROR", "code": "11000"}),
    ],
)
async def test_yapily_answers_its_v2_envelope(
    client: httpx.AsyncClient, status: int, text: str, issue: dict[str, str]
) -> None:
    response = await faulted(client, "yapily", status)
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    error = response.json()["error"]
    assert (error["code"], error["status"], error["source"]) == (status, text, "YAPILY")
    [found] = error["issues"]
    assert {k: found[k] for k in ("type", "code")} == issue
    assert_fits_schema(provider_document("yapily.json"), "ApiErrorResponseV2", response.json())


@pytest.mark.parametrize(("status", "code"), [(429, "LOCKED"), (502, "INTERNAL_SERVER_ERROR")])
async def test_finapi_answers_its_error_object(
    client: httpx.AsyncClient, status: int, code: str
) -> None:
    response = await faulted(client, "finapi", status)
    body = response.json()
    assert list(body) == ["code", "description", "timestamp", "endpoint"]
    assert (body["code"], body["endpoint"]) == (code, "GET /api/webForms/wf-1")
    assert response.headers["x-request-id"]
    assert_fits_schema(provider_document("finapi-webform2.yaml"), "Error", body)
