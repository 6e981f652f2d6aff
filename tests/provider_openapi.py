"""Validate our provider API responses against the providers' published OpenAPI files in
`../shared/provider-openapi/` (read in place, never copied into the project).

Tests that need a file call `provider_document(name)`, which skips them with a clear reason when
`../shared` is absent (a clone without the workplace's shared folder).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

SHARED = Path(__file__).resolve().parents[2] / "shared" / "provider-openapi"


@functools.cache
def _load(name: str) -> dict[str, Any]:
    text = (SHARED / name).read_text(encoding="utf-8")
    loaded = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def provider_document(name: str) -> dict[str, Any]:
    """The OpenAPI document `name` (e.g. "yapily.json"); skips the test when it is absent."""
    if not (SHARED / name).is_file():
        pytest.skip(f"{SHARED / name} is absent: provider OpenAPI checks need ../shared")
    return _load(name)


def response_schema(document: dict[str, Any], path: str, method: str, status: int) -> Any:
    """The JSON schema the document gives for `method path` answering `status`."""
    operation = document["paths"][path][method.lower()]
    responses = operation["responses"]
    response = (
        responses.get(str(status))
        or responses.get(f"{str(status)[0]}XX")
        or responses.get("default")
    )
    assert response is not None, f"{method} {path}: the document has no {status} response"
    while "$ref" in response:
        response = _resolve(document, response["$ref"])
    content = response.get("content") or {}
    media = next((v for k, v in content.items() if "json" in k), None)
    assert media is not None, f"{method} {path} {status}: no JSON content in the document"
    return media["schema"]


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def assert_matches(
    document: dict[str, Any], path: str, method: str, status: int, body: Any
) -> None:
    """Fail with every schema violation if `body` does not fit the documented response."""
    schema = {
        **response_schema(document, path, method, status),
        "components": document["components"],
    }
    errors = sorted(OAS30Validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, (
        f"{method} {path} {status} does not match the provider's OpenAPI:\n"
        + "\n".join(f"- {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:20])
    )


def assert_fits_schema(document: dict[str, Any], name: str, body: Any) -> None:
    """Fail with every violation if `body` does not fit the document's schema `name` (for
    answers the document lists no response for, e.g. a 429 or 503)."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    errors = sorted(OAS30Validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"does not fit {name}:\n" + "\n".join(
        f"- {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:20]
    )


def _null_through_all_of(node: Any) -> Any:
    """`{"allOf": [X], "nullable": true}` as `{"anyOf": [X, null]}`: the validator applies
    OpenAPI 3.0.3's strict reading, where `nullable` beside `allOf` does not let null through
    the referenced schema, although the file plainly means the field may be null."""
    if isinstance(node, list):
        return [_null_through_all_of(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _null_through_all_of(value) for key, value in node.items()}
    if out.get("nullable") is True and "allOf" in out:
        out.pop("nullable")
        out["anyOf"] = [{"allOf": out.pop("allOf")}, {"enum": [None]}]
        out.pop("type", None)
    return out


@functools.cache
def _nullable_document(name: str) -> dict[str, Any]:
    converted = _null_through_all_of(_load(name))
    assert isinstance(converted, dict)
    return converted


def provider_document_nullable(name: str) -> dict[str, Any]:
    """`provider_document(name)` where a `nullable` field typed through `allOf` accepts null
    (finAPI Access marks its nullable enums and objects that way)."""
    provider_document(name)
    return _nullable_document(name)
