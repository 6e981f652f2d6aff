"""Gigs Connect Sessions API (spec §1.2, §1.8 items 1 and 2): the 201 object, the
connectSession.created event, and validation in Gigs' error envelope (401 before 404 before
400/422, never a 500, no session on error)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.gigs.validation import DOCS
from tests.providers.gigs_helpers import (
    API,
    AUTH,
    CALLBACK,
    CHECKOUT,
    PLAN,
    USER,
    create,
    deliveries,
    new_session,
    session_count,
    session_view,
    svix_verify,
)
from tests.support import RECEIVER, SANDBOX, T0, Receiver

SUB = "sub_0SNlurA049MEWV2ccmW7YwVjPB"
#: One valid body per documented intent type [DOC G3, G4, G8].
VALID_INTENTS: list[dict[str, Any]] = [
    CHECKOUT,
    {
        "type": "checkoutNewSubscription",
        "checkoutNewSubscription": {
            "plan": PLAN,
            "addons": ["add_1"],
            "device": "dev_1",
            "sim": "sim_1",
            "imei": "356938035643809",
            "voucherCode": "WELCOME",
        },
    },
    {"type": "checkoutAddon", "checkoutAddon": {"subscription": SUB, "addons": ["add_9"]}},
    {"type": "cancelSubscription", "cancelSubscription": {"subscription": SUB}},
    {"type": "changeSubscription", "changeSubscription": {"subscription": SUB}},
    {
        "type": "completePorting",
        "completePorting": {"subscription": SUB, "behavior": {"hideIntroPage": True}},
    },
    {"type": "confirmPayment", "confirmPayment": {"payment": "pay_123"}},
    {"type": "resumeSubscription", "resumeSubscription": {"subscription": SUB}},
    {"type": "updatePaymentMethod"},
    {"type": "updatePaymentMethod", "updatePaymentMethod": {}},
    {"type": "updateUserAddress"},
    {"type": "updateUserFullName"},
    {"type": "viewEsimInstallation", "viewEsimInstallation": {"subscription": SUB}},
    {"type": "viewSubscription", "viewSubscription": {"subscription": SUB}},
    {"type": "viewSubscriptions"},
]


def envelope(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    type_ = {401: "unauthorized", 404: "notFound"}.get(status, "invalid")
    body = {"object": "error", "type": type_, "code": code, "message": message}
    return body | extra


async def test_create_returns_201_with_exactly_the_documented_object(
    client: httpx.AsyncClient,
) -> None:
    response = await create(
        client, callbackUrl=CALLBACK, user=USER, appearance={"theme": "dark"}, intent=CHECKOUT
    )

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    raw = response.json()
    assert list(raw) == ["object", "id", "appearance", "callbackUrl", "intent", "url", "user"]
    assert re.fullmatch(r"csn_[A-Za-z0-9]{28}", raw["id"])
    url = re.fullmatch(
        re.escape(SANDBOX) + r"/gigs/checkout/entry\?session=(csn_\w+)&token=([A-Za-z0-9]{64})",
        raw["url"],
    )
    assert url is not None
    assert url.group(1) == raw["id"]
    assert {k: v for k, v in raw.items() if k not in ("id", "url")} == {
        "object": "connectSession",
        "appearance": {"theme": "dark"},
        "callbackUrl": CALLBACK,
        "intent": CHECKOUT,
        "user": USER,
    }
    assert response.content == json.dumps(raw, separators=(",", ":")).encode()
    view = await session_view(client, raw["id"])
    assert url.group(2) not in json.dumps(view)  # the one-off token is never stored


async def test_optional_fields_come_back_as_null(client: httpx.AsyncClient) -> None:
    raw = await new_session(client, body={"intent": {"type": "viewSubscriptions"}})
    assert (raw["appearance"], raw["callbackUrl"], raw["user"]) == (None, None, None)


async def test_creation_sends_connect_session_created_with_a_null_url(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    raw = await new_session(client, user=USER)
    [queued] = await deliveries(client, raw["id"])
    assert (queued["event_type"], queued["url"]) == ("com.gigs.connectSession.created", RECEIVER)

    assert await dispatcher.run_once() == 1
    [request] = receiver.requests
    body = json.loads(request.content)
    assert re.fullmatch(r"evt_[A-Za-z0-9]{28}", body["id"])
    expected = {
        "object": "event",
        "id": body["id"],
        "data": {
            "object": "connectSession",
            "id": raw["id"],
            "callbackUrl": CALLBACK,
            "intent": CHECKOUT,
            "url": None,
            "user": USER,
        },
        "datacontenttype": "application/json",
        "project": "gigs",
        "source": "https://api.gigs.com",
        "specversion": "1.0",
        "time": "2026-01-26T23:43:20Z",
        "type": "com.gigs.connectSession.created",
        "version": "2024-10-28",
    }
    assert request.content == json.dumps(expected, separators=(",", ":")).encode()
    assert request.headers["webhook-id"] == queued["event_id"]
    assert re.fullmatch(r"msg_[A-Za-z0-9]{27}", request.headers["webhook-id"])
    assert request.headers["webhook-timestamp"] == str(int(T0))
    assert request.headers["content-type"] == "application/json"
    assert svix_verify(request.headers, request.content, T0) == expected


@pytest.mark.parametrize("intent", VALID_INTENTS, ids=lambda i: str(i["type"]))
async def test_every_documented_intent_type_is_accepted(
    client: httpx.AsyncClient, intent: dict[str, Any]
) -> None:
    raw = await new_session(client, body={"intent": intent})
    assert raw["intent"] == intent


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic " + AUTH["Authorization"][7:]}],
    ids=["missing", "wrong-key", "wrong-scheme"],
)
@pytest.mark.parametrize("content", [b"{}", b"not json", json.dumps({"intent": CHECKOUT}).encode()])
async def test_a_bad_key_is_401_before_anything_else(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes
) -> None:
    response = await client.post(
        "/gigs/projects/other/connectSessions", content=content, headers=headers
    )

    assert response.status_code == 401
    body = response.json()
    code = "missingApiKey" if not headers else "invalidApiKey"
    message = "No API key was provided." if not headers else "The API key is not valid."
    assert {k: body[k] for k in ("object", "type", "code", "message")} == envelope(
        401, code, message
    )
    assert body["documentation"] == [DOCS]
    assert await session_count(client) == 0


async def test_an_unknown_project_is_404_after_the_key_and_before_the_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/gigs/projects/other/connectSessions", content=b"x", headers=AUTH)
    assert response.status_code == 404
    assert response.json() == envelope(
        404, "projectNotFound", "Project 'other' was not found.", documentation=[DOCS]
    )


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "invalidJson", "The request body is not valid JSON."),
        (b"{", "invalidJson", "The request body is not valid JSON."),
        (b"\xff\xfe", "invalidJson", "The request body is not valid JSON."),
        (b"[]", "invalidBody", "The request body must be a JSON object."),
        (b'"intent"', "invalidBody", "The request body must be a JSON object."),
        (b"null", "invalidBody", "The request body must be a JSON object."),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_400(
    client: httpx.AsyncClient, content: bytes, code: str, message: str
) -> None:
    response = await client.post(API, content=content, headers=AUTH)
    assert (response.status_code, response.json()) == (
        400,
        envelope(400, code, message, documentation=[DOCS]),
    )
    assert await session_count(client) == 0


INVALID: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
    ({}, [("intent", "is required and must be an object")]),
    ({"intent": "checkout"}, [("intent", "is required and must be an object")]),
    ({"intent": {}}, [("intent.type", "must be one of ")]),
    ({"intent": {"type": "buyEverything"}}, [("intent.type", "must be one of ")]),
    (
        {"intent": {"type": "checkoutNewSubscription"}},
        [("intent.checkoutNewSubscription", "is required and must be an object")],
    ),
    (
        {"intent": {"type": "checkoutNewSubscription", "checkoutNewSubscription": {}}},
        [("intent.checkoutNewSubscription.plan", "is required")],
    ),
    (
        {
            "intent": {
                "type": "checkoutNewSubscription",
                "checkoutNewSubscription": {"plan": "sub_1"},
            }
        },
        [("intent.checkoutNewSubscription.plan", "must be an id starting with pln_")],
    ),
    (
        {
            "intent": {
                "type": "checkoutNewSubscription",
                "checkoutNewSubscription": {"plan": PLAN, "addons": "add_1", "colour": "red"},
            }
        },
        [
            ("intent.checkoutNewSubscription.addons", "must be a list of add_… ids"),
            ("intent.checkoutNewSubscription.colour", "is not a known param"),
        ],
    ),
    (
        {"intent": CHECKOUT | {"viewSubscription": {"subscription": SUB}}},
        [("intent.viewSubscription", "is not allowed for checkoutNewSubscription")],
    ),
    (
        {"intent": {"type": "cancelSubscription", "cancelSubscription": {"subscription": "usr_1"}}},
        [("intent.cancelSubscription.subscription", "must be an id starting with sub_")],
    ),
    (
        {"intent": {"type": "updatePaymentMethod", "updatePaymentMethod": {"x": 1}}},
        [("intent.updatePaymentMethod", "updatePaymentMethod takes no params")],
    ),
    (
        {
            "intent": {
                "type": "completePorting",
                "completePorting": {"subscription": SUB, "behavior": {"hideIntroPage": "yes"}},
            }
        },
        [
            (
                "intent.completePorting.behavior",
                "must be an object with the booleans hideIntroPage and hideOutroPage",
            )
        ],
    ),
    ({"intent": CHECKOUT, "extra": 1}, [("extra", "is not a known field")]),
    ({"intent": CHECKOUT, "user": "cus_1"}, [("user", "must be a user id starting with usr_")]),
    (
        {"intent": CHECKOUT, "user": USER, "userDetails": {"email": "a@example.com"}},
        [("userDetails", "send either user or userDetails, not both")],
    ),
    (
        {"intent": CHECKOUT, "userDetails": {"email": 5}},
        [("userDetails.email", "must be a string")],
    ),
    (
        {"intent": CHECKOUT, "appearance": {"theme": "pink"}},
        [("appearance", 'must be {"theme": "light"} or {"theme": "dark"}')],
    ),
    (
        {"intent": CHECKOUT, "callbackUrl": "javascript:alert(1)"},
        [("callbackUrl", "callbackUrl uses the javascript: scheme, which the sandbox refuses")],
    ),
    (
        {"intent": CHECKOUT, "callbackUrl": "https://a.example/\r\nSet-Cookie: x"},
        [("callbackUrl", "callbackUrl contains control characters (CR, LF, TAB or NUL)")],
    ),
    (
        {"intent": CHECKOUT, "callbackUrl": "/relative"},
        [
            (
                "callbackUrl",
                "callbackUrl must be absolute (https://… or an app scheme like myapp://…)",
            )
        ],
    ),
    (
        {"intent": CHECKOUT, "callbackUrl": 7},
        [("callbackUrl", "callbackUrl must be a string or null")],
    ),
]


@pytest.mark.parametrize(("body", "problems"), INVALID, ids=[str(i) for i in range(len(INVALID))])
async def test_an_invalid_body_is_422_listing_every_problem_and_creates_nothing(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    body: dict[str, Any],
    problems: list[tuple[str, str]],
) -> None:
    response = await client.post(API, json=body, headers=AUTH)

    assert response.status_code == 422
    raw = response.json()
    assert list(raw) == ["object", "type", "code", "message", "hint", "documentation", "details"]
    assert (raw["object"], raw["type"], raw["code"]) == ("error", "invalid", "validationFailed")
    assert [
        (d["path"], d["message"][: len(m)])
        for d, (_, m) in zip(raw["details"], problems, strict=True)
    ] == problems
    first = raw["details"][0]
    assert raw["message"] == f"The request is invalid: {first['path']} {first['message']}."
    assert await session_count(client) == 0
    assert await dispatcher.run_once() == 0


@pytest.mark.parametrize(
    "content",
    [
        b"1e999999",
        b'{"intent": {"type": null}}',
        b'{"intent": []}',
        b'{"intent": {"type": ["x"]}}',
        b'{"userDetails": [], "appearance": 1, "user": {}}',
        b'{"intent":' + b"[" * 5000 + b"]" * 5000 + b"}",
        '{"intent": {"type": "\u00e9"}}'.encode(),
    ],
)
async def test_odd_bodies_never_give_a_500(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post(API, content=content, headers=AUTH)
    assert response.status_code in (400, 422), response.text
    assert response.json()["object"] == "error"
