"""The OpenAPI 3.1 description of `/_sandbox`, served at `GET /_sandbox/openapi.json`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockprovider import __version__
from mockprovider.web.openapi_schemas import ERROR, NULLABLE_STR, OBJECT, SCHEMAS, json_content, ref
from mockprovider.web.openapi_tenants import tenant_paths


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": responses, **extra}


def _path_param(name: str, values: Sequence[str] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = (
        {"type": "string", "enum": list(values)} if values else {"type": "string"}
    )
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


def _body(schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


LIMIT = _query("limit", {"type": "integer", "minimum": 1, "maximum": 10000})


def _paths(providers: Sequence[str]) -> dict[str, Any]:
    sessions = {
        "type": "object",
        "properties": {"sessions": {"type": "array", "items": ref("Session")}},
    }
    hooks = {
        "type": "object",
        "properties": {"webhooks": {"type": "array", "items": ref("Webhook")}},
    }
    choice = {
        "type": "object",
        "properties": {
            "outcome": {"type": "string", "minLength": 1},
            "scenario": {"type": "string", "minLength": 1},
        },
        "anyOf": [{"required": ["outcome"]}, {"required": ["scenario"]}],
    }
    completed = {
        "type": "object",
        "required": ["redirect_url", "session"],
        "properties": {
            "redirect_url": NULLABLE_STR,
            "session": ref("Session"),
            "problem": {"type": "string", "description": "An inline error; the flow goes on"},
        },
    }
    provider = [_path_param("provider", providers)]
    return {
        "/_sandbox/health": {
            "get": _op("Liveness", {"200": json_content(OBJECT, 'Always {"status": "ok"}')})
        },
        "/_sandbox/openapi.json": {
            "get": _op(
                "This document (OpenAPI 3.1)", {"200": json_content(OBJECT, "OpenAPI document")}
            )
        },
        "/_sandbox/providers": {
            "get": _op(
                "Providers with their outcomes and scenarios",
                {"200": json_content(OBJECT, "Providers")},
            )
        },
        "/_sandbox/providers/{provider}/settings": {
            "get": _op(
                "A provider's settings",
                {"200": json_content(OBJECT, "Settings"), "404": ERROR},
                parameters=provider,
            ),
            "put": _op(
                "Merge settings into a provider's",
                {"200": json_content(OBJECT, "The merged settings"), "404": ERROR, "422": ERROR},
                parameters=provider,
                requestBody=_body(OBJECT),
            ),
        },
        "/_sandbox/providers/{provider}/faults": {
            "get": _op(
                "A provider's active API faults",
                {"200": json_content(ref("ApiFaultsState"), "Active faults"), "404": ERROR},
                parameters=provider,
            ),
            "post": _op(
                "Activate API faults: a scenario's `api` section or the faults themselves",
                {
                    "200": json_content(ref("ApiFaultsState"), "Now active"),
                    "404": ERROR,
                    "422": ERROR,
                },
                parameters=provider,
                requestBody=_body(
                    {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["scenario"],
                                "additionalProperties": False,
                                "properties": {"scenario": {"type": "string"}},
                            },
                            ref("ApiFaults"),
                        ]
                    }
                ),
            ),
            "delete": _op(
                "Clear a provider's API faults",
                {"200": json_content(ref("ApiFaultsState"), "Cleared"), "404": ERROR},
                parameters=provider,
            ),
        },
        "/_sandbox/sessions": {
            "get": _op(
                "Sessions, newest first",
                {"200": json_content(sessions, "Sessions"), "404": ERROR, "422": ERROR},
                parameters=[_query("provider"), LIMIT],
            )
        },
        "/_sandbox/sessions/{session_id}": {
            "get": _op(
                "One session",
                {"200": json_content(ref("Session"), "The session"), "404": ERROR},
                parameters=[_path_param("session_id")],
            )
        },
        "/_sandbox/sessions/{session_id}/outcome": {
            "post": _op(
                "Pick an outcome or scenario, as the hosted page's button would",
                {"200": json_content(completed, "Done"), "404": ERROR, "409": ERROR, "422": ERROR},
                parameters=[_path_param("session_id")],
                requestBody=_body(choice, required=True),
            )
        },
        "/_sandbox/webhooks": {
            "get": _op(
                "Webhook deliveries, newest first",
                {"200": json_content(hooks, "Deliveries"), "422": ERROR},
                parameters=[_query("provider"), _query("session_id"), LIMIT],
            )
        },
        "/_sandbox/webhooks/{delivery_id}": {
            "get": _op(
                "One delivery",
                {"200": json_content(ref("Webhook"), "Delivery"), "404": ERROR},
                parameters=[_path_param("delivery_id")],
            )
        },
        "/_sandbox/webhooks/{delivery_id}/replay": {
            "post": _op(
                "Send again with the same event id",
                {"202": json_content(OBJECT, "Replay queued"), "404": ERROR},
                parameters=[_path_param("delivery_id")],
            )
        },
        "/_sandbox/clock": {
            "get": _op("Sandbox time", {"200": json_content(ref("Clock"), "Now and the offset")})
        },
        "/_sandbox/clock/advance": {
            "post": _op(
                "Move sandbox time forward (at most 100 years ahead in all)",
                {"200": json_content(ref("Clock"), "New time"), "409": ERROR, "422": ERROR},
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["seconds"],
                        "properties": {
                            "seconds": {"type": "number", "minimum": 0, "maximum": 3153600000}
                        },
                    },
                    required=True,
                ),
            )
        },
        "/_sandbox/reset": {
            "post": _op(
                "Forget sessions, deliveries, nonces and the clock offset",
                {"200": json_content(OBJECT, "Reset"), "422": ERROR},
                requestBody=_body(
                    {"type": "object", "properties": {"settings": {"type": "boolean"}}}
                ),
            )
        },
        "/_sandbox/scenario.schema.json": {
            "get": _op("JSON Schema of scenario files", {"200": json_content(OBJECT, "Schema")})
        },
        "/_sandbox/inbox": {
            "get": _op(
                "What the built-in receiver got, newest first",
                {"200": json_content(OBJECT, "Requests")},
            ),
            "post": _op(
                "Built-in receiver: records any request", {"200": json_content(OBJECT, "Recorded")}
            ),
            "delete": _op("Empty the built-in receiver", {"200": json_content(OBJECT, "Cleared")}),
        },
        "/_sandbox/inbox/{name}": {
            "post": _op(
                "Built-in receiver under any sub-path",
                {"200": json_content(OBJECT, "Recorded"), "404": ERROR},
                parameters=[_path_param("name")],
            )
        },
    }


#: Operations anyone may call, token or not (`web.access`): liveness and the receiver.
OPEN = {
    ("/_sandbox/health", "get"),
    ("/_sandbox/inbox", "post"),
    ("/_sandbox/inbox/{name}", "post"),
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "When the sandbox runs with an admin token: that token, or a tenant's "
        "own on /_sandbox/tenants/{tenant}/… (401 otherwise)",
    },
    "login_cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "mockprovider_login",
        "description": "Set by the dashboard's sign-in form (POST /_sandbox/login)",
    },
}


def _secured(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation but the open ones answers 401 without a token (when one is set)."""
    for path, item in paths.items():
        for method, operation in item.items():
            if (path, method) in OPEN:
                operation["security"] = []
            else:
                operation["responses"].setdefault("401", ERROR)
    return paths


def openapi_document(server_url: str, providers: Sequence[str] = ()) -> dict[str, Any]:
    """The document; `providers` (the registered names) become the `{provider}` enum."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mockprovider control API",
            "version": __version__,
            "description": "Every operation but the tenant management ones also exists below"
            " /_sandbox/tenants/{tenant} and /_t/{tenant}/_sandbox, acting on that tenant only.",
        },
        "servers": [{"url": server_url}],
        "paths": _secured({**_paths(providers), **tenant_paths(providers)}),
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
        "security": [{"bearer": []}, {"login_cookie": []}],
    }
