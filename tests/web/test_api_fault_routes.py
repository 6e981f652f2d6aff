"""Provider-API faults: activated per provider through `/_sandbox/providers/{provider}/faults`
(directly or from a scenario's `api` section), applied to API calls but never hosted pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from mockprovider.app import create_app
from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.web import api_fault_routes
from tests.providers.gigs_helpers import create, new_session, open_url
from tests.support import Receiver

FAULTS = "/_sandbox/providers/gigs/faults"
SCENARIO = """\
name: flaky-api
provider: gigs
outcome: success
api:
  status: 429
  retry_after: 7
  first: 2
"""


@pytest.fixture
async def app(clock: FrozenClock, receiver: Receiver, tmp_path: Path) -> AsyncIterator[Starlette]:
    """The usual in-process app, plus a user scenario with an `api` section."""
    (tmp_path / "flaky.yaml").write_text(SCENARIO)
    config = Config(store="memory", scenario_dirs=[tmp_path])
    application = create_app(config, clock=clock, client=receiver.client(), dispatch=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Latency the middleware asked for, recorded instead of waited."""
    calls: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        calls.append(seconds)

    monkeypatch.setattr(api_fault_routes, "wait", fake_sleep)
    return calls


async def activate(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(FAULTS, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def statuses(client: httpx.AsyncClient, calls: int) -> list[int]:
    return [(await create(client)).status_code for _ in range(calls)]


async def test_no_faults_by_default(client: httpx.AsyncClient) -> None:
    shown = (await client.get(FAULTS)).json()
    assert shown == {"provider": "gigs", "active": False, "faults": None, "scenario": None}
    assert await statuses(client, 2) == [201, 201]


async def test_first_n_calls_fail_with_the_status_then_calls_succeed(
    client: httpx.AsyncClient,
) -> None:
    shown = await activate(client, status=503, first=3)
    assert shown["faults"] == {"status": 503, "first": 3}
    assert await statuses(client, 5) == [503, 503, 503, 201, 201]


async def test_429_carries_retry_after_and_the_providers_error(client: httpx.AsyncClient) -> None:
    await activate(client, status=429, retry_after=5)
    response = await create(client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "5"
    assert response.json()["object"] == "error"  # Gigs' envelope (see test_api_fault_shapes)


async def test_a_scenarios_api_section_is_activated_by_name(client: httpx.AsyncClient) -> None:
    shown = await activate(client, scenario="flaky-api")
    assert shown["scenario"] == "flaky-api"
    assert shown["faults"] == {"status": 429, "retry_after": 7, "first": 2}
    assert await statuses(client, 3) == [429, 429, 201]
    assert (await client.get(FAULTS)).json()["active"] is True


async def test_fraction_one_faults_every_call_and_zero_none(client: httpx.AsyncClient) -> None:
    await activate(client, status=500, fraction=1)
    assert await statuses(client, 3) == [500, 500, 500]
    await activate(client, status=500, fraction=0)
    assert await statuses(client, 3) == [201, 201, 201]


async def test_latency_delays_calls_without_failing_them(
    client: httpx.AsyncClient, slept: list[float]
) -> None:
    await activate(client, latency="200ms")
    assert await statuses(client, 2) == [201, 201]
    assert slept == [0.2, 0.2]


async def test_hosted_pages_are_never_faulted(client: httpx.AsyncClient) -> None:
    created = await new_session(client)
    await activate(client, status=503)
    assert (await create(client)).status_code == 503
    page = await open_url(client, created["url"])
    assert page.status_code in (200, 303), page.text


async def test_delete_clears_and_reactivation_restarts_the_count(
    client: httpx.AsyncClient,
) -> None:
    await activate(client, status=503, first=1)
    assert await statuses(client, 2) == [503, 201]
    cleared = await client.delete(FAULTS)
    assert cleared.json()["active"] is False
    assert await statuses(client, 1) == [201]
    await activate(client, status=503, first=1)
    assert await statuses(client, 2) == [503, 201]


async def test_faults_apply_only_to_their_provider(client: httpx.AsyncClient) -> None:
    await activate(client, status=503)
    other = await client.get("/_sandbox/providers/topiic/faults")
    assert other.json()["active"] is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": 404}, "status: expected 429 or a status from 500 to 599, got 404"),
        ({"status": 500, "retry_after": 3}, "retry_after: only used with status 429 or 503"),
        ({"fraction": 2, "status": 500}, "fraction: expected a number from 0 to 1, got 2"),
        ({"first": 1}, "status: give a status, a latency or both"),
        ({"status": 500, "colour": 1}, "colour: unknown key; valid keys: latency, status, "),
        ({"scenario": "nope"}, "no scenario 'nope' with an api section for gigs"),
        ({"scenario": "flaky-api", "status": 500}, "send either"),
    ],
)
async def test_bad_requests_are_refused_with_the_reason(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await client.post(FAULTS, json=body)
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


async def test_unknown_provider_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/_sandbox/providers/nope/faults")).status_code == 404


@pytest.mark.parametrize("provider", [p.name for p in all_providers()])
async def test_no_browser_route_of_any_provider_is_faulted(
    client: httpx.AsyncClient, provider: str
) -> None:
    """Every route a provider declares as a page answers as it would without the fault (a
    page route's own 4xx for the dummy ids here), never the fault's 503."""
    faulted = await client.post(f"/_sandbox/providers/{provider}/faults", json={"status": 503})
    assert faulted.status_code == 200
    spec = next(p for p in all_providers() if p.name == provider)
    for route in spec.page_routes():
        assert isinstance(route, Route)
        path = route.path_format.replace("{", "").replace("}", "")
        for method in sorted(route.methods or {"GET"}):
            answer = await client.request(method, f"/{provider}{path}")
            assert answer.status_code != 503, (method, path, answer.text[:200])
