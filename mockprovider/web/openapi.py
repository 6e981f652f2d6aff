"""The OpenAPI 3.1 description of `/_sandbox`, served at `GET /_sandbox/openapi.json`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockprovider import __version__


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "An error: what went wrong and, where useful, the valid values.")
OBJECT: dict[str, Any] = {"type": "object"}
NULLABLE_STR = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "valid": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
    },
    "Session": {
        "type": "object",
        "required": [
            "id",
            "provider",
            "status",
            "outcome",
            "hosted_url",
            "callback_url",
            "created_at",
            "expires_at",
        ],
        "properties": {
            "id": {"type": "string"},
            "provider": {"type": "string"},
            "status": {"enum": ["created", "opened", "finished", "abandoned", "expired"]},
            "provider_status": {"type": "string"},
            "outcome": NULLABLE_STR,
            "scenario": NULLABLE_STR,
            "hosted_url": {"type": "string"},
            "callback_url": NULLABLE_STR,
            "redirect_url": NULLABLE_STR,
            "created_at": {"type": "string"},
            "expires_at": {"type": "string"},
            "data": OBJECT,
            "history": {"type": "array", "items": OBJECT},
        },
    },
    "Attempt": {
        "type": "object",
        "required": ["number", "at", "status_code", "error", "duration_ms", "headers"],
        "properties": {
            "number": {"type": "integer"},
            "at": {"type": "string"},
            "status_code": {"type": ["integer", "null"]},
            "error": NULLABLE_STR,
            "duration_ms": {"type": "number"},
            "headers": OBJECT,
        },
    },
    "Webhook": {
        "type": "object",
        "required": [
            "id",
            "event_id",
            "event_type",
            "url",
            "status",
            "headers",
            "body",
            "attempts",
        ],
        "properties": {
            "id": {"type": "string"},
            "provider": {"type": "string"},
            "session_id": NULLABLE_STR,
            "event_id": {"type": "string"},
            "event_type": {"type": "string"},
            "url": {"type": "string"},
            "status": {"enum": ["pending", "delivered", "failed", "abandoned"]},
            "headers": OBJECT,
            "body": {"type": "string"},
            "created_at": {"type": "string"},
            "next_attempt_at": NULLABLE_STR,
            "attempts": {"type": "array", "items": _ref("Attempt")},
        },
    },
    "ApiFaults": {
        "type": "object",
        "description": "Provider-API faults (the `api` section of a scenario file).",
        "additionalProperties": False,
        "properties": {
            "latency": {
                "description": 'Seconds (at most 60), or a duration like "200ms" or "2s"',
                "anyOf": [
                    {"type": "number", "minimum": 0, "maximum": 60},
                    {
                        "type": "string",
                        "pattern": "^(?:[0-9]{1,4}ms|[0-5]?[0-9](?:[.][0-9]{1,3})?s)$",
                    },
                ],
            },
            "status": {
                "type": "integer",
                "anyOf": [{"const": 429}, {"minimum": 500, "maximum": 599}],
            },
            "retry_after": {"type": "integer", "minimum": 0},
            "first": {"type": "integer", "minimum": 0},
            "fraction": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "anyOf": [{"required": ["status"]}, {"required": ["latency"]}],
        "if": {"required": ["retry_after"]},
        "then": {"required": ["status"], "properties": {"status": {"enum": [429, 503]}}},
    },
    "ApiFaultsState": {
        "type": "object",
        "required": ["provider", "active", "faults", "scenario"],
        "properties": {
            "provider": {"type": "string"},
            "active": {"type": "boolean"},
            "faults": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/ApiFaults"}]},
            "scenario": NULLABLE_STR,
        },
    },
    "Clock": {
        "type": "object",
        "required": ["now", "offset"],
        "properties": {"now": {"type": "number"}, "offset": {"type": "number"}},
    },
}


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
        "properties": {"sessions": {"type": "array", "items": _ref("Session")}},
    }
    hooks = {
        "type": "object",
        "properties": {"webhooks": {"type": "array", "items": _ref("Webhook")}},
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
            "session": _ref("Session"),
            "problem": {"type": "string", "description": "An inline error; the flow goes on"},
        },
    }
    provider = [_path_param("provider", providers)]
    return {
        "/_sandbox/health": {
            "get": _op("Liveness", {"200": _json(OBJECT, 'Always {"status": "ok"}')})
        },
        "/_sandbox/openapi.json": {
            "get": _op("This document (OpenAPI 3.1)", {"200": _json(OBJECT, "OpenAPI document")})
        },
        "/_sandbox/providers": {
            "get": _op(
                "Providers with their outcomes and scenarios", {"200": _json(OBJECT, "Providers")}
            )
        },
        "/_sandbox/providers/{provider}/settings": {
            "get": _op(
                "A provider's settings",
                {"200": _json(OBJECT, "Settings"), "404": ERROR},
                parameters=provider,
            ),
            "put": _op(
                "Merge settings into a provider's",
                {"200": _json(OBJECT, "The merged settings"), "404": ERROR, "422": ERROR},
                parameters=provider,
                requestBody=_body(OBJECT),
            ),
        },
        "/_sandbox/providers/{provider}/faults": {
            "get": _op(
                "A provider's active API faults",
                {"200": _json(_ref("ApiFaultsState"), "Active faults"), "404": ERROR},
                parameters=provider,
            ),
            "post": _op(
                "Activate API faults: a scenario's `api` section or the faults themselves",
                {"200": _json(_ref("ApiFaultsState"), "Now active"), "404": ERROR, "422": ERROR},
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
                            _ref("ApiFaults"),
                        ]
                    }
                ),
            ),
            "delete": _op(
                "Clear a provider's API faults",
                {"200": _json(_ref("ApiFaultsState"), "Cleared"), "404": ERROR},
                parameters=provider,
            ),
        },
        "/_sandbox/sessions": {
            "get": _op(
                "Sessions, newest first",
                {"200": _json(sessions, "Sessions"), "404": ERROR, "422": ERROR},
                parameters=[_query("provider"), LIMIT],
            )
        },
        "/_sandbox/sessions/{session_id}": {
            "get": _op(
                "One session",
                {"200": _json(_ref("Session"), "The session"), "404": ERROR},
                parameters=[_path_param("session_id")],
            )
        },
        "/_sandbox/sessions/{session_id}/outcome": {
            "post": _op(
                "Pick an outcome or scenario, as the hosted page's button would",
                {"200": _json(completed, "Done"), "404": ERROR, "409": ERROR, "422": ERROR},
                parameters=[_path_param("session_id")],
                requestBody=_body(choice, required=True),
            )
        },
        "/_sandbox/webhooks": {
            "get": _op(
                "Webhook deliveries, newest first",
                {"200": _json(hooks, "Deliveries"), "422": ERROR},
                parameters=[_query("provider"), _query("session_id"), LIMIT],
            )
        },
        "/_sandbox/webhooks/{delivery_id}": {
            "get": _op(
                "One delivery",
                {"200": _json(_ref("Webhook"), "Delivery"), "404": ERROR},
                parameters=[_path_param("delivery_id")],
            )
        },
        "/_sandbox/webhooks/{delivery_id}/replay": {
            "post": _op(
                "Send again with the same event id",
                {"202": _json(OBJECT, "Replay queued"), "404": ERROR},
                parameters=[_path_param("delivery_id")],
            )
        },
        "/_sandbox/clock": {
            "get": _op("Sandbox time", {"200": _json(_ref("Clock"), "Now and the offset")})
        },
        "/_sandbox/clock/advance": {
            "post": _op(
                "Move sandbox time forward (at most 100 years ahead in all)",
                {"200": _json(_ref("Clock"), "New time"), "409": ERROR, "422": ERROR},
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
                {"200": _json(OBJECT, "Reset"), "422": ERROR},
                requestBody=_body(
                    {"type": "object", "properties": {"settings": {"type": "boolean"}}}
                ),
            )
        },
        "/_sandbox/scenario.schema.json": {
            "get": _op("JSON Schema of scenario files", {"200": _json(OBJECT, "Schema")})
        },
        "/_sandbox/inbox": {
            "get": _op(
                "What the built-in receiver got, newest first", {"200": _json(OBJECT, "Requests")}
            ),
            "post": _op(
                "Built-in receiver: records any request", {"200": _json(OBJECT, "Recorded")}
            ),
            "delete": _op("Empty the built-in receiver", {"200": _json(OBJECT, "Cleared")}),
        },
        "/_sandbox/inbox/{name}": {
            "post": _op(
                "Built-in receiver under any sub-path",
                {"200": _json(OBJECT, "Recorded"), "404": ERROR},
                parameters=[_path_param("name")],
            )
        },
    }


def openapi_document(server_url: str, providers: Sequence[str] = ()) -> dict[str, Any]:
    """The document; `providers` (the registered names) become the `{provider}` enum."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "mockprovider control API", "version": __version__},
        "servers": [{"url": server_url}],
        "paths": _paths(providers),
        "components": {"schemas": SCHEMAS},
    }
