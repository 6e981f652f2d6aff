"""Every webhook and redirect fault a scenario file can ask for, end to end in-process: the
scenario is a user file, the session is created through the provider's own entry (Topiic link,
Gigs API), and the receiver sees what the fault promises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import standardwebhooks
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.providers.topiic.settings import SANDBOX_SECRET
from tests.providers import gigs_helpers, topiic_helpers
from tests.support import RECEIVER, T0, Receiver, write_fault_scenarios


@pytest.fixture
async def app(clock: FrozenClock, receiver: Receiver, tmp_path: Path) -> AsyncIterator[Starlette]:
    write_fault_scenarios(tmp_path, ("topiic", "gigs"))
    hooks = {p.name: {"webhook_url": RECEIVER} for p in all_providers()}
    config = Config(store="memory", providers=hooks, scenario_dirs=[tmp_path])
    application = create_app_for(config, clock, receiver)
    async with application.router.lifespan_context(application):
        yield application


def create_app_for(config: Config, clock: FrozenClock, receiver: Receiver) -> Starlette:
    return create_app(config, clock=clock, client=receiver.client(), dispatch=False)


async def topiic(client: httpx.AsyncClient, scenario: str, path: str = "api") -> str | None:
    done = await topiic_helpers.finish(client, path, scenario)
    return done.location


async def test_redirect_delay_waits_before_the_303(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(
        "mockprovider.web.hosted.asyncio", SimpleNamespace(sleep=fake_sleep)
    )  # only the redirect delay sleeps there
    location = await topiic(client, "slow-redirect", path="button")
    assert location == topiic_helpers.RET + "&status=ok"
    assert waited == [1.5]


async def test_redirect_drop_shows_the_url_instead_of_redirecting(
    client: httpx.AsyncClient,
) -> None:
    opened = await topiic_helpers.start(client)
    response = await topiic_helpers.submit(client, opened.page_url, "no-redirect")
    assert response.status_code == 200
    assert "location" not in response.headers
    assert "app.example/subscribed" in response.text


async def test_dropped_webhooks_are_never_sent(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await topiic(client, "no-webhook")
    assert await dispatcher.run_once() == 0
    assert receiver.requests == []


async def test_delayed_webhooks_wait_on_the_sandbox_clock(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await topiic(client, "late")
    assert await dispatcher.run_once() == 0
    await topiic_helpers.advance(client, 119)
    assert await dispatcher.run_once() == 0
    await topiic_helpers.advance(client, 1)
    assert await dispatcher.run_once() == 1
    assert len(receiver.requests) == 1


async def test_duplicated_webhooks_share_one_event_id(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await topiic(client, "twice")
    assert await dispatcher.run_once() == 2
    first, second = receiver.requests
    assert first.headers["Topiic-Event-Id"] == second.headers["Topiic-Event-Id"]


async def test_wrong_secret_fails_verification(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await topiic(client, "bad-secret")
    await dispatcher.run_once()
    [request] = receiver.requests
    header = request.headers["Topiic-Signature"]
    assert not topiic_helpers.signature_verifies(SANDBOX_SECRET, header, request.content)


@pytest.mark.parametrize(("scenario", "age"), [("stale", 3600), ("stale-10m", 600)])
async def test_expired_timestamp_signs_topiic_with_an_old_t_that_still_verifies(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    scenario: str,
    age: int,
) -> None:
    """The HMAC is right, only `t` is old: a receiver's tolerance check is what must fail."""
    await topiic(client, scenario)
    await dispatcher.run_once()
    [request] = receiver.requests
    header = request.headers["Topiic-Signature"]
    assert topiic_helpers.signature_params(header)["t"] == str(int(T0) - age)
    assert topiic_helpers.signature_verifies(SANDBOX_SECRET, header, request.content)


async def test_expired_timestamp_makes_gigs_standard_webhooks_verification_fail(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    """Only the outcome's events carry the fault (the created event was sent before)."""
    await gigs_helpers.finish(client, "api", "stale")
    await dispatcher.run_once()
    faulted = [
        r
        for r in receiver.requests
        if gigs_helpers.body_of(r)["type"] != "com.gigs.connectSession.created"
    ]
    assert faulted
    for request in faulted:
        assert request.headers["webhook-timestamp"] == str(int(T0) - 3600)
        with pytest.raises(standardwebhooks.WebhookVerificationError, match="too old"):
            gigs_helpers.svix_verify(request.headers, request.content, clock.now())


async def test_without_the_fault_gigs_verification_passes(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, clock: FrozenClock
) -> None:
    await gigs_helpers.finish(client, "api", "success")
    await dispatcher.run_once()
    assert receiver.requests
    for request in receiver.requests:
        gigs_helpers.svix_verify(request.headers, request.content, clock.now())


async def test_reordered_webhooks_arrive_in_reverse_order(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    await gigs_helpers.finish(client, "api", "success")
    await dispatcher.run_once()
    await gigs_helpers.finish(client, "api", "reversed")
    await dispatcher.run_once()
    types = [gigs_helpers.body_of(r)["type"].rsplit(".", 1)[1] for r in receiver.requests]
    normal, faulted = types[:3], types[3:]
    assert normal == ["created", "created", "activated"]
    assert faulted == ["created", "activated", "created"]
