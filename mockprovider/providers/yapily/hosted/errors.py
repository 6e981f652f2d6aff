"""The V2 error envelope of the hosted paths (spec §2.5): `ApiErrorResponseV2`, byte for byte
as the OpenAPI examples show it except the `tracingId`, which is fresh per call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.errors import ProviderError
from mockprovider.providers.yapily.errors import CONTENT_TYPE, body, tracing_id, unauthorized

SUPPORT_URL = "https://support.yapily.com/"
#: status → (`status` text, issue type, issue code, default message) [DOC H1 examples].
KINDS: dict[int, tuple[str, str, int, str]] = {
    400: (
        "BAD_REQUEST",
        "BAD_REQUEST",
        10600,
        "The server could not understand the request due to invalid syntax",
    ),
    401: (
        "UNAUTHORIZED",
        "CREDENTIALS",
        10700,
        "Authorization header invalid or credentials not authenticated",
    ),
    404: ("NOT FOUND", "INVALID_REQUEST", 10800, "Resource not found"),
}
#: §2.5 sandbox choice for "malformed JSON": the documented 400 example verbatim.
MALFORMED = KINDS[400][3]


def v2(status: int, settings: Mapping[str, Any], message: str | None = None) -> ProviderError:
    """`{"error": {tracingId, code, status, supportUrl, source, issues: [{type, code,
    message}]}}`; `issues[].code` an integer as in the examples, or a string as the schema
    types it (`hosted_issue_code_type`)."""
    text, kind, code, default = KINDS[status]
    issue_code: int | str = code if settings["hosted_issue_code_type"] == "integer" else str(code)
    error = {
        "tracingId": tracing_id(),
        "code": status,
        "status": text,
        "supportUrl": SUPPORT_URL,
        "source": "YAPILY",
        "issues": [{"type": kind, "code": issue_code, "message": message or default}],
    }
    return ProviderError(status, body({"error": error}), content_type=CONTENT_TYPE)


def bad_request(settings: Mapping[str, Any], message: str) -> ProviderError:
    """V2 400 whose issue message names the offending JSON path (§2.5 sandbox choice)."""
    return v2(400, settings, message)


def not_found(settings: Mapping[str, Any]) -> ProviderError:
    """The documented V2 404, verbatim (§2.5)."""
    return v2(404, settings)


def unauthorised(settings: Mapping[str, Any]) -> ProviderError:
    """The documented V2 401, or the legacy one with `hosted_legacy_401` (§2.5)."""
    return unauthorized() if settings["hosted_legacy_401"] else v2(401, settings)
