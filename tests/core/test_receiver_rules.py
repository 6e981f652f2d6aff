"""Every provider's delivery rule against a misbehaving receiver: down (connection refused),
slow (no answer within the provider's timeout), 5xx, 3xx, 410 and a connection reset are all
failures, retried on the provider's own schedule on the sandbox clock (or, for a one-attempt
provider, final at once); what counts as success is the provider's rule."""

from __future__ import annotations

import httpx
import pytest

from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.core.engine import Sandbox
from mockprovider.core.scenarios import ScenarioSet
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus
from mockprovider.storage.memory import MemoryStore
from mockprovider.web.provider import WebProvider
from tests.support import RECEIVER, T0

PROVIDERS = all_providers()
REFUSED = httpx.ConnectError("connection refused")
RESET = httpx.RemoteProtocolError("peer closed connection without sending a response")
SLOW = httpx.ReadTimeout("no answer in time")
FAILURES: dict[str, int | Exception] = {
    "down": REFUSED,
    "slow": SLOW,
    "500": 500,
    "503": 503,
    "302": 302,
    "410": 410,
    "reset": RESET,
}


def delivery(provider: WebProvider) -> Delivery:
    return Delivery(
        id="dlv_1",
        provider=provider.name,
        session_id="s1",
        event_id="evt_1",
        event_type="thing.happened",
        url=RECEIVER,
        body=b'{"n":1}',
        headers={"Content-Type": "application/json"},
        created_at=T0,
        next_attempt_at=T0,
        schedule=list(provider.delivery.schedule),
    )


async def attempt_once(provider: WebProvider, answer: int | Exception) -> Delivery:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, headers={"location": "https://elsewhere.test/"})

    store, clock = MemoryStore(), FrozenClock(T0)
    sandbox = Sandbox(store, clock, PROVIDERS, ScenarioSet([]))
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    policies = {p.name: p.delivery for p in PROVIDERS}
    sender = Dispatcher(store, clock, policies, sandbox.settings, client=client)
    await store.enqueue([delivery(provider)])
    assert await sender.run_once() == 1
    found = await store.get_delivery("dlv_1")
    assert found is not None
    return found


@pytest.mark.parametrize("kind", list(FAILURES))
@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_a_misbehaving_receiver_is_retried_on_the_providers_schedule(
    provider: WebProvider, kind: str
) -> None:
    done = await attempt_once(provider, FAILURES[kind])
    schedule = provider.delivery.schedule
    assert len(done.attempts) == 1
    if len(schedule) > 1:  # retried after the provider's second delay, on the sandbox clock
        assert (done.status, done.next_attempt_at) == (DeliveryStatus.PENDING, T0 + schedule[1])
    else:  # a one-attempt provider (finAPI's callbacks) gives up at once
        assert (done.status, done.next_attempt_at) == (provider.delivery.exhausted_status, None)
    if isinstance(FAILURES[kind], Exception):
        assert done.attempts[0].error
    else:
        assert done.attempts[0].status_code == FAILURES[kind]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_200_is_delivered_by_every_provider(provider: WebProvider) -> None:
    done = await attempt_once(provider, 200)
    assert (done.status, done.next_attempt_at) == (DeliveryStatus.DELIVERED, None)
