"""The /_sandbox control API: every route, its exact shapes and statuses, and the OpenAPI
document they must match (every JSON response here is validated against it)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from starlette.routing import Route

from mockprovider.app.registry import all_providers
from mockprovider.app.tenant_routes import tenant_routes
from mockprovider.clock import FrozenClock
from mockprovider.core.engine import Sandbox
from mockprovider.core.scenarios import schema as scenario_schema
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.core.webhooks.messages import Delivery
from mockprovider.providers.topiic.events import signature
from mockprovider.providers.topiic.settings import SANDBOX_SECRET, SETTINGS
from mockprovider.web.control import control_routes
from mockprovider.web.inbox import inbox_routes
from tests.support import (
    RECEIVER,
    T0,
    TOPIIC_CHOICES,
    TOPIIC_OUTCOMES,
    TOPIIC_SCENARIOS,
    Receiver,
    topiic_link,
)

DOC_URI = "urn:mockprovider:openapi"
SETTING_NAMES = [s.name for s in SETTINGS]
DEFAULT_SETTINGS = {s.name: s.default for s in SETTINGS} | {"webhook_url": RECEIVER}
T0_ISO = "2026-01-26T23:43:20.000Z"

KNOWN = ", ".join(sorted(p.name for p in all_providers()))


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in ("", *parts))


class Api:
    """The test client, checking every response against the served OpenAPI document."""

    def __init__(self, client: httpx.AsyncClient, document: dict[str, Any]) -> None:
        self.client = client
        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(
            DOC_URI, DRAFT202012.create_resource(document)
        )
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in document["paths"]
        ]

    def template_of(self, path: str) -> str:
        found: list[str] = [t for pattern, t in self.templates if pattern.match(path)]
        assert len(found) == 1, f"{path} matches {found} in the OpenAPI document"
        return found[0]

    def check(self, response: httpx.Response) -> None:
        request = response.request
        template = self.template_of(request.url.path)
        method = request.method.lower()
        status = str(response.status_code)
        responses = self.document["paths"][template][method]["responses"]
        assert status in responses, f"{method.upper()} {template} {status} is not documented"
        assert response.headers["content-type"] == "application/json"
        pointer = _pointer(
            "paths", template, method, "responses", status, "content", "application/json", "schema"
        )
        validator = Draft202012Validator({"$ref": DOC_URI + "#" + pointer}, registry=self.registry)
        validator.validate(response.json())

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, path, **kwargs)
        self.check(response)
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)


@pytest.fixture
async def api(client: httpx.AsyncClient) -> Api:
    served = await client.get("/_sandbox/openapi.json")
    assert served.status_code == 200
    return Api(client, served.json())


async def new_session(client: httpx.AsyncClient, **overrides: Any) -> str:
    entry = await client.get(topiic_link(**overrides))
    assert entry.status_code == 303, entry.text
    return urlsplit(entry.headers["location"]).path.rsplit("/", 1)[1]


def error(status: int, message: str, valid: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "message": message}
    if valid is not None:
        body["valid"] = valid
    return {"error": body}


# -- health, providers, settings ---------------------------------------------------------------


async def test_health_is_ok(api: Api) -> None:
    response = await api.get("/_sandbox/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_providers_list_outcomes_and_scenarios(api: Api) -> None:
    response = await api.get("/_sandbox/providers")

    assert response.status_code == 200
    listed = response.json()["providers"]
    assert [p["name"] for p in listed] == [p.name for p in all_providers()]
    topiic = listed[0]
    assert {k: topiic[k] for k in ("name", "title", "base_path")} == {
        "name": "topiic",
        "title": "Topiic hosted checkout",
        "base_path": "/topiic",
    }
    assert [o["name"] for o in topiic["outcomes"]] == TOPIIC_OUTCOMES
    assert topiic["outcomes"][0] == {
        "name": "success",
        "label": "Pay",
        "description": "303 to ret with status=ok; checkout.completed webhook.",
    }
    assert [s["name"] for s in topiic["scenarios"]] == TOPIIC_SCENARIOS
    declined = topiic["scenarios"][1]
    assert declined["source"].endswith("scenarios/topiic/declined.yaml:3")
    assert {k: v for k, v in declined.items() if k != "source"} == {
        "name": "declined",
        "outcome": "capture_failure",
        "label": "Declined card (automatic)",
        "description": (
            "Same as Decline card; chosen automatically for ref or e-mail containing +declined."
        ),
        "automatic": True,
    }
    assert [s["automatic"] for s in topiic["scenarios"]] == [
        True,
        True,
        False,
        True,
        False,
        False,
        False,
    ]


async def test_settings_get_merges_defaults_and_config(api: Api) -> None:
    response = await api.get("/_sandbox/providers/topiic/settings")
    assert (response.status_code, response.json()) == (200, DEFAULT_SETTINGS)


async def test_settings_put_merges_into_the_current_settings(api: Api) -> None:
    first = await api.put("/_sandbox/providers/topiic/settings", json={"expire_now": "silent"})
    second = await api.put("/_sandbox/providers/topiic/settings", json={"test_cards": False})
    read = await api.get("/_sandbox/providers/topiic/settings")

    expected = DEFAULT_SETTINGS | {"expire_now": "silent", "test_cards": False}
    assert first.json() == DEFAULT_SETTINGS | {"expire_now": "silent"}
    assert (second.status_code, second.json()) == (200, expected)
    assert read.json() == expected


@pytest.mark.parametrize(
    ("body", "message", "valid"),
    [
        (
            {"webhok_url": "http://x/"},
            "webhok_url: unknown setting 'webhok_url' for topiic (did you mean 'webhook_url'?)",
            SETTING_NAMES,
        ),
        ({"test_cards": "yes"}, "test_cards: expected a boolean, got a string", SETTING_NAMES),
        (b"{not json", "the request body is not valid JSON", None),
        ([1, 2], "the request body must be a JSON object", None),
    ],
    ids=["unknown-key", "wrong-type", "not-json", "not-an-object"],
)
async def test_settings_put_refuses_bad_updates_with_422_and_changes_nothing(
    api: Api, body: Any, message: str, valid: list[str] | None
) -> None:
    payload = {"content": body} if isinstance(body, bytes) else {"json": body}

    response = await api.put("/_sandbox/providers/topiic/settings", **payload)

    assert (response.status_code, response.json()) == (422, error(422, message, valid))
    assert (await api.get("/_sandbox/providers/topiic/settings")).json() == DEFAULT_SETTINGS


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_settings_of_an_unknown_provider_are_not_found(api: Api, method: str) -> None:
    response = await api.request(method, "/_sandbox/providers/nope/settings", json={})
    assert (response.status_code, response.json()) == (
        404,
        error(404, f"unknown provider 'nope'; known: {KNOWN}"),
    )


# -- sessions ----------------------------------------------------------------------------------


async def test_sessions_are_listed_newest_first(api: Api) -> None:
    ids = [await new_session(api.client, ref=f"cust_{n}") for n in range(3)]

    everything = await api.get("/_sandbox/sessions")
    filtered = await api.get("/_sandbox/sessions", params={"provider": "topiic"})
    limited = await api.get("/_sandbox/sessions", params={"limit": "2"})

    newest_first = list(reversed(ids))
    assert [s["id"] for s in everything.json()["sessions"]] == newest_first
    assert [s["id"] for s in filtered.json()["sessions"]] == newest_first
    assert [s["id"] for s in limited.json()["sessions"]] == newest_first[:2]
    assert [s["data"]["ref"] for s in everything.json()["sessions"]] == [
        "cust_2",
        "cust_1",
        "cust_0",
    ]


async def test_sessions_of_an_unknown_provider_are_not_found(api: Api) -> None:
    response = await api.get("/_sandbox/sessions", params={"provider": "nope"})
    assert (response.status_code, response.json()) == (
        404,
        error(404, f"unknown provider 'nope'; known: {KNOWN}"),
    )


@pytest.mark.parametrize("path", ["/_sandbox/sessions", "/_sandbox/webhooks"])
@pytest.mark.parametrize("limit", ["0", "10001", "-1", "abc", "1.5", "", "²", " 5"])
async def test_bad_limit_is_refused_with_422(api: Api, path: str, limit: str) -> None:
    response = await api.get(path, params={"limit": limit})
    assert (response.status_code, response.json()) == (
        422,
        error(422, "limit must be a whole number from 1 to 10000"),
    )


@pytest.mark.parametrize("path", ["/_sandbox/sessions", "/_sandbox/webhooks"])
@pytest.mark.parametrize("limit", ["1", "10000"])
async def test_limit_bounds_are_accepted(api: Api, path: str, limit: str) -> None:
    assert (await api.get(path, params={"limit": limit})).status_code == 200


async def test_session_by_id_shows_the_full_view(api: Api) -> None:
    sid = await new_session(api.client)

    response = await api.get(f"/_sandbox/sessions/{sid}")

    assert response.status_code == 200
    view = response.json()
    assert view["hosted_url"].startswith(f"http://sandbox.test/topiic/s/{sid}?t=")
    assert {k: v for k, v in view.items() if k not in ("hosted_url", "data")} == {
        "id": sid,
        "provider": "topiic",
        "status": "created",
        "provider_status": "AwaitingPayment",
        "outcome": None,
        "scenario": None,
        "callback_url": "https://app.example/subscribed?customer=42",
        "redirect_url": None,
        "created_at": T0_ISO,
        "expires_at": "2026-01-27T00:13:20.000Z",
        "history": [{"event": "created", "at": T0_ISO, "scenario": None}],
    }
    assert view["data"]["ref"] == "cust_42"


async def test_unknown_session_is_not_found(api: Api) -> None:
    response = await api.get("/_sandbox/sessions/nope")
    assert (response.status_code, response.json()) == (404, error(404, "no session 'nope'"))


# -- outcome -----------------------------------------------------------------------------------


async def test_outcome_finishes_the_session_and_returns_redirect_and_session(api: Api) -> None:
    sid = await new_session(api.client)

    response = await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "user_abort"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"redirect_url", "session"}
    assert body["redirect_url"] == "https://app.example/subscribed?customer=42&status=cancelled"
    assert body["session"] == (await api.get(f"/_sandbox/sessions/{sid}")).json()
    assert (body["session"]["status"], body["session"]["provider_status"]) == (
        "finished",
        "Failed",
    )
    assert body["session"]["history"][1] == {
        "event": "finished",
        "at": T0_ISO,
        "outcome": "user_abort",
        "via": "api",
        "redirect_url": body["redirect_url"],
    }


async def test_outcome_by_scenario_name_applies_the_scenario(api: Api) -> None:
    sid = await new_session(api.client)

    response = await api.post(
        f"/_sandbox/sessions/{sid}/outcome", json={"scenario": "webhook-twice"}
    )

    assert response.status_code == 200
    session = response.json()["session"]
    assert (session["outcome"], session["scenario"]) == ("success", "webhook-twice")
    hooks = (await api.get("/_sandbox/webhooks", params={"session_id": sid})).json()["webhooks"]
    assert len(hooks) == 2
    assert hooks[0]["event_id"] == hooks[1]["event_id"]


async def test_outcome_without_redirect_returns_null_redirect_url(api: Api) -> None:
    sid = await new_session(api.client)

    response = await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "closed_tab"})

    assert response.status_code == 200
    assert response.json()["redirect_url"] is None
    assert response.json()["session"]["status"] == "abandoned"


async def test_outcome_for_an_unknown_session_is_not_found(api: Api) -> None:
    response = await api.post("/_sandbox/sessions/nope/outcome", json={"outcome": "success"})
    assert (response.status_code, response.json()) == (404, error(404, "no session 'nope'"))


async def test_second_outcome_is_a_conflict(api: Api) -> None:
    sid = await new_session(api.client)
    await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})

    response = await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})

    assert (response.status_code, response.json()) == (
        409,
        error(409, f"session {sid} is already finished"),
    )
    assert len((await api.get("/_sandbox/webhooks")).json()["webhooks"]) == 1


@pytest.mark.parametrize(
    ("body", "message", "valid"),
    [
        ({"outcome": "sucess"}, "unknown outcome or scenario 'sucess' for topiic", TOPIIC_CHOICES),
        ({"scenario": "nope"}, "unknown outcome or scenario 'nope' for topiic", TOPIIC_CHOICES),
        ({}, 'send {"outcome": "…"} or {"scenario": "…"}', TOPIIC_CHOICES),
        ({"outcome": 5}, 'send {"outcome": "…"} or {"scenario": "…"}', TOPIIC_CHOICES),
        ({"outcome": ""}, 'send {"outcome": "…"} or {"scenario": "…"}', TOPIIC_CHOICES),
        (b"outcome=success", "the request body is not valid JSON", None),
        (b'["success"]', "the request body must be a JSON object", None),
    ],
    ids=["unknown-outcome", "unknown-scenario", "empty", "not-a-string", "blank", "form", "list"],
)
async def test_bad_outcome_request_is_422_and_leaves_the_session_open(
    api: Api, body: Any, message: str, valid: list[str] | None
) -> None:
    sid = await new_session(api.client)
    payload = {"content": body} if isinstance(body, bytes) else {"json": body}

    response = await api.post(f"/_sandbox/sessions/{sid}/outcome", **payload)

    assert (response.status_code, response.json()) == (422, error(422, message, valid))
    assert (await api.get(f"/_sandbox/sessions/{sid}")).json()["status"] == "created"


# -- webhooks ----------------------------------------------------------------------------------

STATIC_HEADERS = {"Content-Type", "User-Agent", "Topiic-Event-Id", "Topiic-Idempotency-Key"}


async def test_webhooks_show_exact_headers_and_body_before_and_after_sending(
    api: Api, dispatcher: Dispatcher
) -> None:
    sid = await new_session(api.client)
    await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})

    (queued,) = (await api.get("/_sandbox/webhooks")).json()["webhooks"]
    await dispatcher.run_once()
    (sent,) = (await api.get("/_sandbox/webhooks")).json()["webhooks"]

    event_id = queued["event_id"]
    assert queued["headers"] == {
        "Content-Type": "application/json",
        "User-Agent": "Topiic-Webhooks/1.0",
        "Topiic-Event-Id": event_id,
        "Topiic-Idempotency-Key": event_id,
    }
    assert (queued["status"], queued["attempts"], queued["next_attempt_at"]) == (
        "pending",
        [],
        T0_ISO,
    )
    assert {k: queued[k] for k in ("provider", "session_id", "event_type", "url")} == {
        "provider": "topiic",
        "session_id": sid,
        "event_type": "checkout.completed",
        "url": RECEIVER,
    }
    body = json.loads(queued["body"])
    assert set(body) == {"id", "type", "createdAt", "data"}
    assert (body["id"], body["type"], body["createdAt"]) == (
        event_id,
        "checkout.completed",
        T0_ISO,
    )
    assert set(body["data"]) == {
        "sessionId",
        "externalRef",
        "memberId",
        "paymentMethodId",
        "subscriptionId",
        "planId",
    }
    assert (body["data"]["sessionId"], body["data"]["externalRef"]) == (sid, "cust_42")

    expected_signature = signature(SANDBOX_SECRET, int(T0), queued["body"].encode())
    assert sent["headers"] == queued["headers"] | {"Topiic-Signature": expected_signature}
    assert (sent["status"], sent["next_attempt_at"], sent["body"]) == (
        "delivered",
        None,
        queued["body"],
    )
    (attempt,) = sent["attempts"]
    assert {k: v for k, v in attempt.items() if k != "duration_ms"} == {
        "number": 1,
        "at": T0_ISO,
        "status_code": 200,
        "error": None,
        "headers": sent["headers"],
    }


async def test_webhooks_filter_by_session_and_provider_newest_first(
    api: Api, clock: FrozenClock, sandbox: Sandbox
) -> None:
    first = await new_session(api.client)
    await api.post(f"/_sandbox/sessions/{first}/outcome", json={"outcome": "success"})
    clock.advance(1)
    second = await new_session(api.client)
    await api.post(f"/_sandbox/sessions/{second}/outcome", json={"outcome": "user_abort"})
    # Another provider's delivery, as a second provider module would queue it.
    await sandbox.store.enqueue(
        [
            Delivery(
                id="dlv_other",
                provider="other",
                session_id=None,
                event_id="evt_other",
                event_type="other.event",
                url=RECEIVER,
                body=b"{}",
                headers={},
                created_at=T0 - 1,
                next_attempt_at=None,
                schedule=[0.0],
            )
        ]
    )

    listed = (await api.get("/_sandbox/webhooks")).json()["webhooks"]
    by_provider = (await api.get("/_sandbox/webhooks", params={"provider": "topiic"})).json()
    other = (await api.get("/_sandbox/webhooks", params={"provider": "other"})).json()
    by_session = (await api.get("/_sandbox/webhooks", params={"session_id": first})).json()
    limited = (await api.get("/_sandbox/webhooks", params={"limit": 1})).json()

    assert [(w["session_id"], w["event_type"]) for w in listed] == [
        (second, "checkout.failed"),
        (first, "checkout.completed"),
        (None, "other.event"),
    ]
    assert by_provider["webhooks"] == listed[:2]
    assert other["webhooks"] == listed[2:]
    assert by_session["webhooks"] == [listed[1]]
    assert limited["webhooks"] == [listed[0]]


async def test_one_webhook_by_id_and_unknown_id(api: Api) -> None:
    sid = await new_session(api.client)
    await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})
    (listed,) = (await api.get("/_sandbox/webhooks")).json()["webhooks"]

    found = await api.get(f"/_sandbox/webhooks/{listed['id']}")
    missing = await api.get("/_sandbox/webhooks/dlv_nope")

    assert (found.status_code, found.json()) == (200, listed)
    assert (missing.status_code, missing.json()) == (
        404,
        error(404, "no webhook delivery 'dlv_nope'"),
    )


async def test_replay_queues_a_new_attempt_with_the_same_event_id(
    api: Api, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    sid = await new_session(api.client)
    await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})
    await dispatcher.run_once()
    (delivery,) = (await api.get("/_sandbox/webhooks")).json()["webhooks"]

    replay = await api.post(f"/_sandbox/webhooks/{delivery['id']}/replay")
    pending = (await api.get(f"/_sandbox/webhooks/{delivery['id']}")).json()
    assert await dispatcher.run_once() == 1
    after = (await api.get(f"/_sandbox/webhooks/{delivery['id']}")).json()

    assert (replay.status_code, replay.json()) == (
        202,
        {"status": "queued", "message": "webhook delivery replay queued"},
    )
    assert pending["status"] == "pending"
    assert after["status"] == "delivered"
    assert [a["number"] for a in after["attempts"]] == [1, 2]
    assert [r.headers["Topiic-Event-Id"] for r in receiver.requests] == [delivery["event_id"]] * 2
    assert receiver.requests[0].content == receiver.requests[1].content


async def test_replay_of_an_unknown_delivery_is_not_found(api: Api) -> None:
    response = await api.post("/_sandbox/webhooks/dlv_nope/replay")
    assert (response.status_code, response.json()) == (
        404,
        error(404, "no webhook delivery 'dlv_nope'"),
    )


# -- clock and reset ---------------------------------------------------------------------------


async def test_clock_reads_and_advances(api: Api) -> None:
    before = await api.get("/_sandbox/clock")
    advanced = await api.post("/_sandbox/clock/advance", json={"seconds": 90.5})
    after = await api.get("/_sandbox/clock")

    assert before.json() == {"now": T0, "offset": 0.0}
    assert (advanced.status_code, advanced.json()) == (200, {"now": T0 + 90.5, "offset": 90.5})
    assert after.json() == advanced.json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"seconds": "60"}, 'send {"seconds": N} with a number N >= 0'),
        ({"seconds": True}, 'send {"seconds": N} with a number N >= 0'),
        ({"seconds": None}, 'send {"seconds": N} with a number N >= 0'),
        ({}, 'send {"seconds": N} with a number N >= 0'),
        (
            {"seconds": -1},
            "seconds must be a finite number, zero or more: sandbox time never goes back",
        ),
        (
            b'{"seconds": NaN}',
            "seconds must be a finite number, zero or more: sandbox time never goes back",
        ),
        (
            b'{"seconds": Infinity}',
            "seconds must be a finite number, zero or more: sandbox time never goes back",
        ),
        (b"sixty", "the request body is not valid JSON"),
    ],
    ids=["string", "bool", "null", "missing", "negative", "nan", "infinity", "not-json"],
)
async def test_clock_advance_refuses_non_numbers_and_negatives(
    api: Api, body: Any, message: str
) -> None:
    payload = {"content": body} if isinstance(body, bytes) else {"json": body}

    response = await api.post("/_sandbox/clock/advance", **payload)

    assert (response.status_code, response.json()) == (422, error(422, message))
    assert (await api.get("/_sandbox/clock")).json() == {"now": T0, "offset": 0.0}


async def test_advancing_the_clock_expires_a_session_past_its_deadline(api: Api) -> None:
    sid = await new_session(api.client, exp=int(T0) + 60)

    await api.post("/_sandbox/clock/advance", json={"seconds": 59})
    assert (await api.get(f"/_sandbox/sessions/{sid}")).json()["status"] == "created"
    await api.post("/_sandbox/clock/advance", json={"seconds": 1})
    view = (await api.get(f"/_sandbox/sessions/{sid}")).json()

    assert (view["status"], view["provider_status"]) == ("expired", "Expired")
    assert view["history"][-1] == {
        "event": "expired",
        "at": "2026-01-26T23:44:20.000Z",
        "was": "created",
    }


async def test_reset_forgets_sessions_deliveries_and_clock_but_keeps_settings(api: Api) -> None:
    sid = await new_session(api.client)
    await api.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})
    await api.put("/_sandbox/providers/topiic/settings", json={"test_cards": False})
    await api.post("/_sandbox/clock/advance", json={"seconds": 10})

    response = await api.post("/_sandbox/reset")

    assert (response.status_code, response.json()) == (200, {"status": "reset"})
    assert (await api.get("/_sandbox/sessions")).json() == {"sessions": []}
    assert (await api.get("/_sandbox/webhooks")).json() == {"webhooks": []}
    assert (await api.get(f"/_sandbox/sessions/{sid}")).status_code == 404
    assert (await api.get("/_sandbox/clock")).json() == {"now": T0, "offset": 0.0}
    settings = (await api.get("/_sandbox/providers/topiic/settings")).json()
    assert settings["test_cards"] is False


async def test_reset_with_settings_true_also_forgets_settings(api: Api) -> None:
    await api.put("/_sandbox/providers/topiic/settings", json={"test_cards": False})

    response = await api.post("/_sandbox/reset", json={"settings": True})

    assert response.json() == {"status": "reset"}
    settings = (await api.get("/_sandbox/providers/topiic/settings")).json()
    assert settings == DEFAULT_SETTINGS


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "the request body is not valid JSON"),
        (b'{"settings": "false"}', 'settings must be true or false, as in {"settings": true}'),
        (b'{"settings": 1}', 'settings must be true or false, as in {"settings": true}'),
    ],
)
async def test_bad_reset_body_is_422_and_resets_nothing(
    api: Api, body: bytes, message: str
) -> None:
    sid = await new_session(api.client)
    await api.put("/_sandbox/providers/topiic/settings", json={"test_cards": False})

    response = await api.post("/_sandbox/reset", content=body)

    assert (response.status_code, response.json()) == (422, error(422, message))
    assert (await api.get(f"/_sandbox/sessions/{sid}")).status_code == 200
    settings = (await api.get("/_sandbox/providers/topiic/settings")).json()
    assert settings["test_cards"] is False


async def test_scenario_schema_is_served(api: Api) -> None:
    response = await api.get("/_sandbox/scenario.schema.json")
    assert (response.status_code, response.json()) == (200, scenario_schema())


# -- errors outside the routes -----------------------------------------------------------------


async def test_unknown_control_path_is_a_404_json_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/_sandbox/nope")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == error(404, "Not Found")


async def test_wrong_method_is_a_405_json_error(client: httpx.AsyncClient) -> None:
    response = await client.delete("/_sandbox/sessions")

    assert response.status_code == 405
    assert response.json() == error(405, "Method Not Allowed")


# -- the OpenAPI document ----------------------------------------------------------------------


def _route_operations() -> set[tuple[str, str]]:
    found = set()
    management = [r for r in tenant_routes([]) if isinstance(r, Route)]
    for route in control_routes() + inbox_routes() + management:
        assert isinstance(route, Route)
        path = "/_sandbox" + route.path.replace(":path}", "}")
        for method in route.methods or ():
            if method != "HEAD":
                found.add((path, method.lower()))
    return found


async def test_openapi_document_lists_exactly_the_control_routes(api: Api) -> None:
    documented = {
        (path, method)
        for path, operations in api.document["paths"].items()
        for method in operations
    }
    assert documented == _route_operations()


async def test_openapi_document_is_well_formed_openapi_3_1(api: Api) -> None:
    doc = api.document
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"]
    assert doc["info"]["version"]
    assert doc["servers"] == [{"url": "http://sandbox.test"}]
    for component in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(component)
    for path, operations in doc["paths"].items():
        declared = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in operations.items():
            assert method in {"get", "put", "post", "delete", "patch"}
            assert operation["summary"]
            params = operation.get("parameters", [])
            in_path = {p["name"] for p in params if p["in"] == "path"}
            assert in_path == declared, f"{method} {path} path parameters"
            assert all(p["required"] for p in params if p["in"] == "path")
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status)
                assert response["description"]
                Draft202012Validator.check_schema(response["content"]["application/json"]["schema"])
    # Every $ref resolves.
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))
    assert refs
    resolver = api.registry.resolver(DOC_URI)
    for ref in set(refs):
        assert resolver.lookup(ref).contents


async def test_openapi_document_uses_the_configured_public_url(client: httpx.AsyncClient) -> None:
    served = await client.get("/_sandbox/openapi.json", headers={"host": "other.test:9000"})
    assert served.json()["servers"] == [{"url": "http://other.test:9000"}]
