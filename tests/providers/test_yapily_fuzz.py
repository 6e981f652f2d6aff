"""schemathesis over Yapily's published `yapily.json` (12.13.0), in-process against `/yapily`:
generated requests for every operation get no 5xx except the 501 of operations the sandbox
does not imitate (`operations.NOT_IMITATED`), and every response fits the document, except the
deviations the README's Yapily section lists (`DEVIATIONS` below, one entry each). Basic auth
comes from schemathesis's own auth config, so its checks that drop or spoil the credentials run
too. Read in place from ../shared; skipped with the reason when it is absent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    CheckFunction,
    allow_header_conformance,
    ignored_auth,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from starlette.testclient import TestClient

from mockprovider.app import create_app
from mockprovider.config import Config
from mockprovider.providers.yapily.operations import NOT_IMITATED
from mockprovider.providers.yapily.settings import APPLICATION_KEY, APPLICATION_SECRET
from tests.provider_openapi import SHARED, assert_fits_schema, provider_document

DOCUMENT = SHARED / "yapily.json"
if not DOCUMENT.is_file():
    pytest.skip(
        f"{DOCUMENT} is absent: the Yapily fuzz run needs ../shared", allow_module_level=True
    )

BASE = "http://sandbox.test/yapily"
schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))
schema.config.update(base_url=BASE, basic_auth=(APPLICATION_KEY, APPLICATION_SECRET))
schema.config.seed = 12
#: yapily.json has overlapping path templates: `/webhook/events/categories` also matches
#: `/webhook/events/{webhook_id}` and `/hosted/payment-requests/links` also matches
#: `…/{paymentRequestId}`. A method one of them lacks reaches the other (e.g. DELETE
#: …/categories is DELETE of a webhook named "categories"), and a 405's `Allow` lists the
#: methods of every route the path matches, so these two checks cannot be judged there.
OVERLAPPING = frozenset(
    {
        "/webhook/events/categories",
        "/webhook/events/{webhook_id}",
        "/hosted/payment-requests/links",
        "/hosted/payment-requests/{paymentRequestId}",
    }
)
#: The README's deliberate deviations, as (method, path, status) → the check they fail.
DEVIATIONS: dict[tuple[str, str, int], CheckFunction] = {
    # "extend": its 401 stays the documented §2.3 example, without the schema's `tracingId`.
    ("POST", "/consents/{consentId}/extend", 401): response_schema_conformance,
    # Hosted VRP: a bad body gets 400 and bad credentials 401, statuses these two operations
    # do not list (the other hosted operations do).
    ("POST", "/hosted/vrp-requests/commercial", 400): status_code_conformance,
    ("GET", "/hosted/vrp-requests/commercial/{requestId}", 401): status_code_conformance,
}


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    app = create_app(Config(store="memory"), dispatch=False)
    with TestClient(app, base_url="http://sandbox.test") as client:
        # Hosted errors' `issues[].code` as the schema types it (a string); the default, an
        # integer as in the examples, is the README's `hosted_issue_code_type` choice.
        answer = client.put(
            "/_sandbox/providers/yapily/settings", json={"hosted_issue_code_type": "string"}
        )
        assert answer.status_code == 200, answer.text
        yield client


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_yapily_answers_as_its_openapi_file_says(
    case: schemathesis.Case[Any], http: TestClient
) -> None:
    operation = (case.operation.method.upper(), case.operation.path)
    kwargs = case.as_transport_kwargs(base_url=BASE)
    if not kwargs.get("cookies"):
        kwargs.pop("cookies", None)
    response = http.request(**kwargs)
    if operation in NOT_IMITATED and case.method.upper() == operation[0]:
        # whatever the input: 501 in Yapily's error shape
        assert response.status_code == 501, response.text
        assert response.json()["error"]["status"] == "NOT_IMPLEMENTED"
        assert_fits_schema(provider_document("yapily.json"), "ApiResponseError", response.json())
        return
    # Generated "valid" requests name consents, accounts and institutions that do not exist;
    # a 4xx for them is the right answer, so positive-data acceptance is not checked.
    # `ignored_auth` re-sends the request over a real socket to BASE, which is not listening;
    # the other auth checks (a missing or spoiled `Authorization`) run on the in-process client.
    excluded: list[CheckFunction] = [positive_data_acceptance, ignored_auth]
    if case.operation.path in OVERLAPPING:
        excluded += [allow_header_conformance, unsupported_method]
    deviation = DEVIATIONS.get((*operation, response.status_code))
    if deviation is not None:
        excluded.append(deviation)
    case.validate_response(response, excluded_checks=excluded)
