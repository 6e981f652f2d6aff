"""Yapily's error envelopes, raised as `ProviderError` so the web layer returns them verbatim
(spec §1.1, §2.3, §8.2)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from mockprovider.errors import ProviderError

CONTENT_TYPE = "application/json;charset=UTF-8"  # §1 [DOC S1]
STATUS_TEXT = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL SERVER ERROR",  # with a space, as in the documented 500 example [DOC S1]
    501: "NOT_IMPLEMENTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}
#: §2.3 [DOC S1]: the Basic-auth failure, word for word.
UNAUTHORIZED_MESSAGE = "Full authentication is required to access this resource"


def tracing_id() -> str:
    """A `tracingId`: 32 hex (§1)."""
    return uuid.uuid4().hex


def body(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def legacy(status: int, message: str, *, with_tracing: bool = True) -> ProviderError:
    """The legacy envelope `{"error": {"code", "status", "message", "tracingId"?}}` (§1.1)."""
    error: dict[str, Any] = {"code": status, "status": STATUS_TEXT.get(status, "ERROR")}
    error["message"] = message
    if with_tracing:
        error["tracingId"] = tracing_id()
    return ProviderError(status, body({"error": error}), content_type=CONTENT_TYPE)


def unauthorized() -> ProviderError:
    """401 exactly as documented (§2.3, §8.2 [DOC S1]; the example carries no tracingId)."""
    headers = {"WWW-Authenticate": 'Basic realm="Yapily"'}
    error = {"code": 401, "status": "UNAUTHORIZED", "message": UNAUTHORIZED_MESSAGE}
    return ProviderError(401, body({"error": error}), content_type=CONTENT_TYPE, headers=headers)


def bad_request(message: str) -> ProviderError:
    """Sandbox choice for the undocumented 4xx bodies (§2.3 [GAP]): legacy 400 BAD_REQUEST."""
    return legacy(400, message)


def server_fault(status: int, message: str) -> ProviderError:
    """A 429 or 5xx in the V2 envelope of Yapily's documented 500 example (§8.2): issue
    `INTERNAL_SERVER_ERROR` / `11000`; for 429 [GAP] issue `TOO_MANY_REQUESTS` / `429`.
    Issue codes are strings, as the OpenAPI schema types them (the example shows a number)."""
    kind, code = (
        ("TOO_MANY_REQUESTS", "429") if status == 429 else ("INTERNAL_SERVER_ERROR", "11000")
    )
    error = {
        "tracingId": tracing_id(),
        "code": status,
        "status": STATUS_TEXT.get(status, "ERROR"),
        "supportUrl": "https://support.yapily.com/",
        "source": "YAPILY",
        "issues": [{"type": kind, "code": code, "message": message}],
    }
    return ProviderError(status, body({"error": error}), content_type=CONTENT_TYPE)


def api_error(status: int, message: str) -> ProviderError:
    """The sandbox's own API errors: an unknown path (404), a wrong method (405) or an
    operation not imitated (501) in the legacy envelope with `tracingId` [GAP: Yapily documents
    no body for these]; 429 and other 5xx as `server_fault`."""
    if status in (404, 405, 501):
        return legacy(status, message)
    return server_fault(status, message)
