"""The reusable pieces of the control API's OpenAPI document: component schemas and the
helpers that reference them."""

from __future__ import annotations

from typing import Any


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = json_content(ref("Error"), "An error: what went wrong and, where useful, the valid values.")
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
            "attempts": {"type": "array", "items": ref("Attempt")},
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
