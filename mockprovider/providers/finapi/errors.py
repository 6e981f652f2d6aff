"""finAPI's error bodies and the `X-Request-Id` echo (spec §2.1, §2.3 "Error bodies").

`Error`: `{"code", "description", "timestamp", "endpoint"}`; `ValidationError` (400):
`{"errors": [{"field", "message"}], "timestamp", "endpoint"}` [DOC-2 F7]. Both are raised as
`ProviderError`, which the web layer returns byte for byte.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.errors import ProviderError
from mockprovider.providers.finapi.bodies import dumps, finapi_time


def request_id(request: Request) -> str:
    """The caller's `X-Request-Id` (≤ 255 chars) echoed back, else one finAPI-style [DOC-2 F7]."""
    given = request.headers.get("x-request-id", "")
    return given[:255] if given else f"selfgen-{uuid.uuid4()}"


def endpoint(request: Request) -> str:
    """`POST /api/webForms/bankConnectionImport`: the path as finAPI names it, without our
    `/finapi` mount prefix."""
    path = request.url.path
    for marker in ("/api/", "/oauth/"):
        index = path.find(marker)
        if index >= 0:
            return f"{request.method} {path[index:]}"
    return f"{request.method} {path}"


def json_response(request: Request, body: Any, status_code: int = 200) -> Response:
    """A finAPI JSON answer with its `X-Request-Id`."""
    return Response(
        dumps(body),
        status_code,
        headers={"X-Request-Id": request_id(request)},
        media_type="application/json",
    )


def error(
    request: Request, now: float, status_code: int, code: str, description: str
) -> ProviderError:
    """A finAPI `Error` body, e.g. 401 `UNAUTHORIZED`, 422 `BANK_NOT_SUPPORTED`."""
    body = {
        "code": code,
        "description": description,
        "timestamp": finapi_time(now),
        "endpoint": endpoint(request),
    }
    return ProviderError(status_code, dumps(body), headers={"X-Request-Id": request_id(request)})


def validation_error(
    request: Request, now: float, problems: Sequence[tuple[str, str]]
) -> Exception:
    """A 400 `ValidationError` listing every `(field, message)`."""
    body = {
        "errors": [{"field": f, "message": m} for f, m in problems],
        "timestamp": finapi_time(now),
        "endpoint": endpoint(request),
    }
    return ProviderError(400, dumps(body), headers={"X-Request-Id": request_id(request)})


#: Paths of the Web Form 2.0 API, whose errors are its `Error`; every other path under
#: `/finapi` is the Access API's, whose errors are its `ErrorMessage`.
WEB_FORM_PATHS = ("/api/webForms", "/api/tasks", "/api/profiles", "/api/translations")


def is_web_form_path(request: Request) -> bool:
    route = endpoint(request).split(" ", 1)[1]
    return route.startswith(WEB_FORM_PATHS)


def access_error(
    request: Request, now: float, status_code: int, code: str, message: str
) -> ProviderError:
    """Access's `ErrorMessage` [DOC-2 finapi-access.yaml]: one `ErrorDetails` of type TECHNICAL.

    As the document's own 400 example, without `multiStepAuthentication` (its schema lists it
    as required yet cannot validate null, so no body satisfies both)."""
    given = request_id(request)
    body = {
        "errors": [{"message": message, "code": code, "type": "TECHNICAL"}],
        "date": datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "requestId": given,
        "endpoint": endpoint(request),
        "authContext": "-",
        "bank": None,
    }
    return ProviderError(status_code, dumps(body), headers={"X-Request-Id": given})


#: Each API's code for the sandbox's own errors [GAP: the status → code mapping]: (Web Form
#: 2.0 `Error.code`, Access `ErrorCode`). 429 has no documented body: `LOCKED` is the one value
#: of both enums that means "try again later".
API_ERROR_CODES = {
    404: ("NOT_FOUND", "UNKNOWN_ENTITY"),
    405: ("NOT_ALLOWED", "METHOD_NOT_ALLOWED"),
    429: ("LOCKED", "LOCKED"),
    501: ("NOT_SUPPORTED", "UNSUPPORTED_FEATURE"),
}


def api_error(request: Request, now: float, status_code: int, message: str) -> ProviderError:
    """An error of the sandbox's own (unknown path, wrong method, not imitated, a fault) in the
    shape of the API the path belongs to."""
    web_form, access = API_ERROR_CODES.get(
        status_code, ("INTERNAL_SERVER_ERROR", "UNEXPECTED_ERROR")
    )
    if is_web_form_path(request):
        return error(request, now, status_code, web_form, message)
    return access_error(request, now, status_code, access, message)
