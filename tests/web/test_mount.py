"""Under every provider's mount, what no route serves still answers like the provider: an unknown
path 404, a known path with another method 405 with `Allow`, a published operation the sandbox
does not imitate 501, all in that provider's own error JSON whatever the `Accept` header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.provider_openapi import assert_fits_schema, provider_document

ACCEPTS = ["application/json", "text/html,application/xhtml+xml", "*/*"]


def yapily_shape(status: int, body: Any) -> None:
    """The legacy `error` object: `code`, `status`, `message`, `tracingId` (issue 10)."""
    error = body["error"]
    assert list(error) == ["code", "status", "message", "tracingId"]
    assert error["code"] == status
    assert len(error["tracingId"]) == 32
    assert_fits_schema(provider_document("yapily.json"), "ApiResponseError", body)


def bridge_shape(status: int, body: Any) -> None:
    """v3: `{"code", "message"}` (spec §1.2.5; `property` only for an invalid field)."""
    assert list(body) == ["code", "message"]
    codes = {404: "not_found", 405: "method_not_allowed", 501: "not_implemented"}
    assert body["code"] == codes[status]


def gigs_shape(status: int, body: Any) -> None:
    """The error envelope of spec §1.2 [DOC G11]."""
    assert list(body)[:4] == ["object", "type", "code", "message"]
    assert body["object"] == "error"
    assert body["documentation"]
    assert isinstance(body["documentation"], list)


def topiic_shape(status: int, body: Any) -> None:
    """RFC 7807 problem details [DOC T6]."""
    assert body == {
        "type": "https://tools.ietf.org/html/rfc7807",
        "title": {404: "Not Found", 405: "Method Not Allowed"}[status],
        "status": status,
        "detail": body["detail"],
    }


def finapi_access_shape(status: int, body: Any) -> None:
    """Access's `ErrorMessage` as the document's own examples give it, without
    `multiStepAuthentication` (the schema requires it but cannot validate null), so the fields
    are checked one by one rather than by the schema."""
    codes = {404: "UNKNOWN_ENTITY", 405: "METHOD_NOT_ALLOWED", 501: "UNSUPPORTED_FEATURE"}
    assert body["errors"][0]["code"] == codes[status]
    assert list(body) == ["errors", "date", "requestId", "endpoint", "authContext", "bank"]
    detail = body["errors"][0]
    assert list(detail) == ["message", "code", "type"]
    assert detail["type"] == "TECHNICAL"
    document = provider_document("finapi-access.yaml")
    assert detail["code"] in document["components"]["schemas"]["ErrorCode"]["enum"]


def finapi_web_form_shape(status: int, body: Any) -> None:
    """Web Form 2.0's `Error`."""
    codes = {404: "NOT_FOUND", 405: "NOT_ALLOWED", 501: "NOT_SUPPORTED"}
    assert body["code"] == codes[status]
    assert_fits_schema(provider_document("finapi-webform2.yaml"), "Error", body)


Shape = Callable[[int, Any], None]
UNKNOWN: list[tuple[str, str, Shape]] = [
    ("yapily", "/nowhere", yapily_shape),
    ("bridge", "/v3/nowhere", bridge_shape),
    ("gigs", "/projects/p/nowhere", gigs_shape),
    ("topiic", "/api/nowhere", topiic_shape),
    ("finapi", "/api/v1/nowhere", finapi_access_shape),
    ("finapi", "/api/webForms/x/y/z", finapi_web_form_shape),
]
#: (provider, an API route's path with a method it lacks, the methods it has, shape); Topiic
#: has no API route (its deep link `/c` is a page: see the HTML 405 test below).
WRONG_METHOD: list[tuple[str, tuple[str, str], str, Shape]] = [
    ("yapily", ("PUT", "/consents/abc"), "DELETE, GET, HEAD", yapily_shape),
    ("bridge", ("DELETE", "/v3/aggregation/users"), "POST", bridge_shape),
    ("gigs", ("GET", "/projects/p/connectSessions"), "POST", gigs_shape),
    ("finapi", ("PUT", "/api/v2/users"), "POST", finapi_access_shape),
    ("finapi", ("PUT", "/api/tasks"), "GET, HEAD", finapi_web_form_shape),
]


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(("provider", "unknown", "shape"), UNKNOWN)
async def test_an_unknown_path_is_404_in_the_providers_shape(
    client: httpx.AsyncClient, provider: str, unknown: str, shape: Shape, accept: str
) -> None:
    response = await client.get(f"/{provider}{unknown}", headers={"Accept": accept})

    assert response.status_code == 404
    assert "json" in response.headers["content-type"]
    shape(404, response.json())


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(("provider", "routed", "allow", "shape"), WRONG_METHOD)
async def test_a_wrong_method_is_405_with_allow_in_the_providers_shape(
    client: httpx.AsyncClient,
    provider: str,
    routed: tuple[str, str],
    allow: str,
    shape: Shape,
    accept: str,
) -> None:
    method, path = routed
    response = await client.request(method, f"/{provider}{path}", headers={"Accept": accept})

    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert "json" in response.headers["content-type"]
    shape(405, response.json())


NOT_IMITATED = [
    ("yapily", "GET", "/accounts/acc-1/statements", yapily_shape),
    ("finapi", "GET", "/api/v1/securities", finapi_access_shape),
    ("finapi", "DELETE", "/api/translations/7", finapi_web_form_shape),
]


@pytest.mark.parametrize(("provider", "method", "path", "shape"), NOT_IMITATED)
async def test_a_published_operation_not_imitated_is_501_naming_it(
    client: httpx.AsyncClient, provider: str, method: str, path: str, shape: Shape
) -> None:
    response = await client.request(method, f"/{provider}{path}", headers={"Accept": "*/*"})

    assert response.status_code == 501
    shape(501, response.json())
    assert "does not imitate" in response.text
    assert method in response.text


async def test_a_not_imitated_method_beside_routed_ones_is_501_and_listed_in_allow(
    client: httpx.AsyncClient,
) -> None:
    """`/consents/{id}` is routed for GET and DELETE; other published methods would be 501,
    and a method the file does not list is 405 naming all of them."""
    response = await client.request("TRACE", "/yapily/consents/abc")

    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) >= {"GET", "DELETE"}


@pytest.mark.parametrize("path", ["/topiic/s/abc", "/topiic/c", "/gigs/checkout/entry"])
async def test_a_page_route_with_another_method_keeps_its_html_error_page(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.delete(path)

    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "GET" in response.headers["allow"]


async def test_a_page_path_without_its_trailing_slash_is_redirected(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/yapily/auth-redirect", params={"state": "x"})

    assert response.status_code == 307
    assert response.headers["location"].endswith("/yapily/auth-redirect/?state=x")


@pytest.mark.parametrize("provider", ["yapily", "bridge", "gigs", "topiic", "finapi"])
async def test_routes_are_still_found_by_name(client: httpx.AsyncClient, provider: str) -> None:
    """`url_for` looks names up inside the mount: the hosted page of every provider."""
    app: Any = client._transport.app  # type: ignore[attr-defined]
    assert app.url_path_for(f"{provider}:hosted", session_id="s1") == f"/{provider}/s/s1"
