"""The tenant operations of the control API's OpenAPI document (see `web.openapi`)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from mockprovider.web.openapi_schemas import ERROR, OBJECT, json_content

LIMITS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sessions": {"type": ["integer", "null"], "minimum": 1},
        "deliveries": {"type": ["integer", "null"], "minimum": 1},
    },
}
NEW_TENANT: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"},
        "token": {"type": "string", "minLength": 16, "description": "Generated if not given"},
        "settings": {
            "type": "object",
            "description": "Provider settings by provider; credentials not given are generated"
            " unless shared_credentials",
        },
        "shared_credentials": {"type": "boolean"},
        "limits": LIMITS,
    },
}
TENANT = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "shared_credentials": {"type": "boolean"},
        "settings": {"type": "object"},
        "limits": LIMITS,
        "created_at": {"type": "number"},
        "control_url": {"type": "string"},
        "base_urls": {"type": "object", "additionalProperties": {"type": "string"}},
        "token": {"type": "string", "description": "Only in the answer to the creation"},
    },
}
NAME = {"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}}


def tenant_paths(providers: Sequence[str]) -> dict[str, Any]:
    """`/_sandbox/tenants` and `/_sandbox/tenants/{tenant}` (admin token only). Every other
    operation also exists below `/_sandbox/tenants/{tenant}` (and `/_t/{tenant}/_sandbox`),
    acting on that tenant alone."""
    listing = {"type": "object", "properties": {"tenants": {"type": "array", "items": TENANT}}}
    settings = {name: {"type": "object"} for name in providers}
    new = copy.deepcopy(NEW_TENANT)
    new["properties"]["settings"].update(properties=settings, additionalProperties=False)
    body = {"required": True, "content": {"application/json": {"schema": new}}}
    return {
        "/_sandbox/tenants": {
            "get": {
                "summary": "The tenants (the default one first); tokens are never shown",
                "responses": {"200": json_content(listing, "Tenants")},
            },
            "post": {
                "summary": "Create a tenant; its token is in this answer only",
                "requestBody": body,
                "responses": {
                    "201": json_content(TENANT, "Created"),
                    "409": ERROR,
                    "422": ERROR,
                },
            },
        },
        "/_sandbox/tenants/{tenant}": {
            "get": {
                "summary": "One tenant",
                "parameters": [NAME],
                "responses": {"200": json_content(TENANT, "Tenant"), "404": ERROR},
            },
            "delete": {
                "summary": "Delete a tenant with everything it stored",
                "parameters": [NAME],
                "responses": {
                    "200": json_content(OBJECT, "Deleted"),
                    "404": ERROR,
                    "409": ERROR,
                },
            },
        },
    }
