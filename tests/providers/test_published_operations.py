"""Every operation of a provider's published API description is either imitated (routed) or
listed in that provider's `operations.NOT_IMITATED` (answered 501), never both, so the 501 list
stays exact as endpoints are added."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Match

from mockprovider.app.registry import all_providers
from mockprovider.web.provider import WebProvider
from tests.provider_openapi import provider_document

DOCUMENTS = {"yapily": ["yapily.json"], "finapi": ["finapi-access.yaml", "finapi-webform2.yaml"]}
METHODS = ("get", "put", "post", "delete", "patch")


def provider(name: str) -> WebProvider:
    return next(p for p in all_providers() if p.name == name)


def is_routed(spec: WebProvider, method: str, path: str) -> bool:
    concrete = re.sub(r"\{[^}]+\}", "x1", path)
    scope = {"type": "http", "method": method, "path": concrete, "root_path": ""}
    return any(route.matches(scope)[0] is Match.FULL for route in spec.api_routes())


def published(name: str) -> set[tuple[str, str]]:
    operations = set()
    for file in DOCUMENTS[name]:
        for path, item in provider_document(file)["paths"].items():
            operations |= {(m.upper(), path) for m in METHODS if m in item}
    return operations


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_not_imitated_list_is_exactly_the_published_operations_without_a_route(
    name: str,
) -> None:
    spec = provider(name)
    expected = {(m, p) for m, p in published(name) if not is_routed(spec, m, p)}

    assert set(spec.unimplemented) == expected
    assert len(spec.unimplemented) == len(set(spec.unimplemented))


@pytest.mark.parametrize("name", ["bridge", "gigs", "topiic"])
def test_providers_without_a_published_file_list_nothing(name: str) -> None:
    assert provider(name).unimplemented == ()
