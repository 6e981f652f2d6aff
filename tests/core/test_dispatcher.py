from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.engine import Sandbox
from mockprovider.core.scenarios import Scenario, ScenarioSet, WebhookSpec
from mockprovider.core.sessions import Session
from mockprovider.core.store import Store
from mockprovider.core.webhooks.dispatcher import LEASE_MARGIN, Dispatcher
from mockprovider.core.webhooks.messages import Delivery, DeliveryStatus
from mockprovider.core.webhooks.policy import DeliveryPolicy, SigningInput, Verdict, any_2xx
from mockprovider.providers.topiic import TopiicProvider
from mockprovider.storage.memory import MemoryStore
from mockprovider.storage.sqlite import SQLiteStore
from tests.support import RECEIVER, T0, Receiver, wait_until

PROVIDER = "fake"
POLICY = DeliveryPolicy(schedule=(0.0, 30.0, 120.0), timeout=5.0)
#: What `run_once` leases a claim for: the slowest timeout plus the margin.
LEASE = POLICY.timeout + LEASE_MARGIN


async def no_settings(provider: str) -> Mapping[str, Any]:
    return {}


def make_delivery(
    n: int = 1, *, session: str = "s1", due: float = T0, schedule: list[float] | None = None
) -> Delivery:
    return Delivery(
        id=f"dlv_{n}",
        provider=PROVIDER,
        session_id=session,
        event_id=f"evt_{n}",
        event_type="thing.happened",
        url=RECEIVER,
        body=f'{{"n":{n}}}'.encode(),
        headers={"Content-Type": "application/json", "X-Session": session, "X-N": str(n)},
        created_at=T0,
        next_attempt_at=due,
        schedule=list(POLICY.schedule) if schedule is None else schedule,
    )


def make_dispatcher(
    store: Store,
    clock: FrozenClock,
    client: httpx.AsyncClient,
    policy: DeliveryPolicy = POLICY,
    **options: Any,
) -> Dispatcher:
    return Dispatcher(store, clock, {PROVIDER: policy}, no_settings, client=client, **options)


@pytest.fixture
async def store() -> MemoryStore:
    return MemoryStore()


async def stored(store: Store, delivery_id: str = "dlv_1") -> Delivery:
    found = await store.get_delivery(delivery_id)
    assert found is not None
    return found


# -- one attempt -------------------------------------------------------------------------------


async def test_2xx_marks_the_delivery_delivered_and_records_the_attempt(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    await store.enqueue([make_delivery()])
    receiver.default = 204

    assert await make_dispatcher(store, clock, receiver.client()).run_once() == 1

    (request,) = receiver.requests
    assert (request.method, str(request.url), request.content) == ("POST", RECEIVER, b'{"n":1}')
    assert request.headers["X-N"] == "1"
    done = await stored(store)
    assert (done.status, done.next_attempt_at, done.lease_owner, done.lease_until) == (
        DeliveryStatus.DELIVERED,
        None,
        None,
        None,
    )
    (attempt,) = done.attempts
    assert (attempt.number, attempt.at, attempt.status_code, attempt.error) == (1, T0, 204, None)
    assert attempt.headers["X-N"] == "1"


async def test_non_2xx_retries_on_the_schedule_until_delivered(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    await store.enqueue([make_delivery()])
    receiver.responses = [500, 404]
    dispatcher = make_dispatcher(store, clock, receiver.client())

    assert await dispatcher.run_once() == 1
    assert (await stored(store)).next_attempt_at == T0 + 30
    assert (await stored(store)).status is DeliveryStatus.PENDING
    clock.advance(29.999)
    assert await dispatcher.run_once() == 0
    clock.advance(0.001)
    assert await dispatcher.run_once() == 1
    assert (await stored(store)).next_attempt_at == T0 + 30 + 120
    clock.advance(120)
    assert await dispatcher.run_once() == 1

    done = await stored(store)
    assert done.status is DeliveryStatus.DELIVERED
    assert [(a.number, a.at, a.status_code) for a in done.attempts] == [
        (1, T0, 500),
        (2, T0 + 30, 404),
        (3, T0 + 150, 200),
    ]


async def test_retry_delays_run_on_the_sandbox_clock(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    await store.enqueue([make_delivery()])
    receiver.responses = [500]
    dispatcher = make_dispatcher(store, clock, receiver.client())
    await dispatcher.run_once()

    await store.add_clock_offset(30)

    assert await dispatcher.run_once() == 1
    assert (await stored(store)).attempts[-1].at == T0 + 30


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_answer_is_a_failed_attempt_and_is_not_followed(
    store: MemoryStore, clock: FrozenClock, status: int
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(status, headers={"Location": "http://receiver.test/elsewhere"})

    await store.enqueue([make_delivery()])
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))

    await make_dispatcher(store, clock, client).run_once()

    assert seen == [RECEIVER]
    after = await stored(store)
    assert (after.status, after.attempts[0].status_code) == (DeliveryStatus.PENDING, status)
    assert after.next_attempt_at == T0 + 30


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (httpx.ConnectError("connection refused"), "ConnectError: connection refused"),
        (httpx.ReadTimeout("timed out"), "no response within 5 s"),
        (httpx.RemoteProtocolError(""), "RemoteProtocolError"),
    ],
)
async def test_transport_errors_are_recorded_and_retried(
    store: MemoryStore,
    clock: FrozenClock,
    receiver: Receiver,
    error: Exception,
    message: str,
) -> None:
    await store.enqueue([make_delivery()])
    receiver.responses = [error]

    await make_dispatcher(store, clock, receiver.client()).run_once()

    after = await stored(store)
    assert (after.attempts[0].status_code, after.attempts[0].error) == (None, message)
    assert not after.attempts[0].ok
    assert (after.status, after.next_attempt_at) == (DeliveryStatus.PENDING, T0 + 30)


async def test_stop_verdict_fails_the_delivery_for_good(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    def judge(status_code: int, headers: Mapping[str, str]) -> Verdict:
        return Verdict.STOP if headers.get("x-stop") == "yes" else any_2xx(status_code, headers)

    def handler(request: httpx.Request) -> httpx.Response:
        receiver.requests.append(request)
        return httpx.Response(410, headers={"X-Stop": "yes"})

    await store.enqueue([make_delivery()])
    policy = DeliveryPolicy(schedule=(0.0, 1.0), timeout=5.0, judge=judge)
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    dispatcher = make_dispatcher(store, clock, client, policy)

    assert await dispatcher.run_once() == 1
    clock.advance(3600)
    assert await dispatcher.run_once() == 0

    after = await stored(store)
    assert (after.status, after.next_attempt_at, len(after.attempts)) == (
        DeliveryStatus.FAILED,
        None,
        1,
    )
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("exhausted", [DeliveryStatus.ABANDONED, DeliveryStatus.FAILED])
async def test_used_up_schedule_ends_in_the_policys_exhausted_status(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver, exhausted: DeliveryStatus
) -> None:
    policy = DeliveryPolicy(schedule=(0.0, 1.0), timeout=5.0, exhausted_status=exhausted)
    await store.enqueue([make_delivery(schedule=[0.0, 1.0])])
    receiver.default = 500
    dispatcher = make_dispatcher(store, clock, receiver.client(), policy)

    await dispatcher.run_once()
    assert (await stored(store)).status is DeliveryStatus.PENDING
    clock.advance(1)
    await dispatcher.run_once()
    clock.advance(3600)
    assert await dispatcher.run_once() == 0

    after = await stored(store)
    assert (after.status, after.next_attempt_at, len(after.attempts)) == (exhausted, None, 2)


async def test_the_deliverys_own_schedule_drives_its_retries(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    """A scenario's `retry_schedule` is stored on the delivery and replaces the policy's."""
    await store.enqueue([make_delivery(schedule=[0.0, 5.0])])
    receiver.default = 500
    dispatcher = make_dispatcher(store, clock, receiver.client())

    await dispatcher.run_once()
    assert (await stored(store)).next_attempt_at == T0 + 5
    clock.advance(5)
    await dispatcher.run_once()

    assert (await stored(store)).status is DeliveryStatus.ABANDONED


async def test_every_attempt_is_signed_at_its_own_time_with_the_deliverys_options(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    calls: list[tuple[bytes, str, int, Mapping[str, Any], Mapping[str, Any]]] = []

    def sign(attempt: SigningInput) -> dict[str, str]:
        calls.append(
            (
                attempt.body,
                attempt.event_id,
                attempt.timestamp,
                dict(attempt.settings),
                dict(attempt.options),
            )
        )
        return {"X-Sig": f"t={attempt.timestamp}"}

    async def settings(provider: str) -> Mapping[str, Any]:
        return {"secret": f"{provider}-secret"}

    delivery = make_delivery()
    delivery.signing = {"wrong_secret": True}
    await store.enqueue([delivery])
    receiver.responses = [500]
    policy = DeliveryPolicy(schedule=(0.0, 30.0), timeout=5.0, sign=sign)
    dispatcher = Dispatcher(store, clock, {PROVIDER: policy}, settings, client=receiver.client())

    await dispatcher.run_once()
    clock.advance(30.7)
    await dispatcher.run_once()

    options = {"wrong_secret": True}
    assert calls == [
        (b'{"n":1}', "evt_1", int(T0), {"secret": "fake-secret"}, options),
        (b'{"n":1}', "evt_1", int(T0 + 30.7), {"secret": "fake-secret"}, options),
    ]
    assert [r.headers["X-Sig"] for r in receiver.requests] == [f"t={int(T0)}", f"t={int(T0) + 30}"]
    assert [a.headers["X-Sig"] for a in (await stored(store)).attempts] == [
        f"t={int(T0)}",
        f"t={int(T0) + 30}",
    ]


# -- ordering and leases -----------------------------------------------------------------------


class Gate:
    """An async receiver whose first request for `held` session waits until `open()`."""

    def __init__(self, held: str | None = None) -> None:
        self.held = held
        self.requests: list[httpx.Request] = []
        self._open = asyncio.Event()

    def open(self) -> None:
        self._open.set()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.held is None or request.headers["X-Session"] == self.held:
            await self._open.wait()
        return httpx.Response(200)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    def sent(self, session: str) -> list[str]:
        return [r.headers["X-N"] for r in self.requests if r.headers["X-Session"] == session]


async def test_one_sessions_deliveries_go_out_one_at_a_time_in_due_order(
    store: MemoryStore, clock: FrozenClock
) -> None:
    # Enqueued out of due order; s2 is another session that must not wait for s1.
    await store.enqueue(
        [
            make_delivery(3, due=T0 - 1),
            make_delivery(1, due=T0 - 3),
            make_delivery(2, due=T0 - 2),
            make_delivery(9, session="s2", due=T0 - 2.5),
        ]
    )
    gate = Gate(held="s1")
    dispatcher = make_dispatcher(store, clock, gate.client())

    task = asyncio.create_task(dispatcher.run_once())
    await wait_until(lambda: gate.sent("s1") and gate.sent("s2"))
    assert gate.sent("s1") == ["1"]  # the next one waits for the first to finish
    gate.open()

    assert await task == 4
    assert gate.sent("s1") == ["1", "2", "3"]
    assert gate.sent("s2") == ["9"]


async def test_claimed_delivery_is_not_sent_by_another_dispatcher_until_the_lease_lapses(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    await store.enqueue([make_delivery()])
    gate = Gate()
    first = make_dispatcher(store, clock, gate.client())
    second = make_dispatcher(store, clock, receiver.client())

    stuck = asyncio.create_task(first.run_once())
    await wait_until(lambda: gate.requests)
    assert (await stored(store)).lease_owner == first.owner

    assert await second.run_once() == 0
    await store.add_clock_offset(86_400)  # sandbox time does not break a lease
    assert await second.run_once() == 0
    clock.advance(LEASE)  # real time reaches lease_until: still held
    assert await second.run_once() == 0
    clock.advance(0.001)
    assert await second.run_once() == 1

    assert len(receiver.requests) == 1
    assert (await stored(store)).status is DeliveryStatus.DELIVERED
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck


# -- restart -------------------------------------------------------------------------------------

Reopen = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["memory", "sqlite"])
async def durable(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Reopen]:
    """A store and a way to 'restart' it: the same object for memory, a reopened file else."""
    opened: list[Store] = []

    async def reopen() -> Store:
        if request.param == "memory":
            if not opened:
                opened.append(MemoryStore())
            return opened[0]
        for old in opened:
            await old.close()
        fresh = SQLiteStore(tmp_path / "state.db")
        await fresh.open()
        opened.append(fresh)
        return fresh

    yield reopen
    await opened[-1].close()


async def test_new_dispatcher_resumes_a_pending_retry(
    durable: Reopen, clock: FrozenClock, receiver: Receiver
) -> None:
    store = await durable()
    await store.enqueue([make_delivery()])
    receiver.responses = [503]
    before = make_dispatcher(store, clock, receiver.client())
    await before.run_once()
    await before.aclose()

    store = await durable()
    after = make_dispatcher(store, clock, receiver.client())
    clock.advance(30)

    assert await after.run_once() == 1
    done = await stored(store)
    assert done.status is DeliveryStatus.DELIVERED
    assert [a.status_code for a in done.attempts] == [503, 200]


async def test_delivery_claimed_by_a_crashed_dispatcher_is_sent_after_its_lease(
    durable: Reopen, clock: FrozenClock, receiver: Receiver
) -> None:
    store = await durable()
    await store.enqueue([make_delivery()])
    gate = Gate()
    crashed = asyncio.create_task(make_dispatcher(store, clock, gate.client()).run_once())
    await wait_until(lambda: gate.requests)
    crashed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashed

    store = await durable()
    restarted = make_dispatcher(store, clock, receiver.client())
    assert await restarted.run_once() == 0
    clock.advance(LEASE + 1)

    assert await restarted.run_once() == 1
    assert (await stored(store)).status is DeliveryStatus.DELIVERED
    assert [r.content for r in receiver.requests] == [b'{"n":1}']


# -- the loop ----------------------------------------------------------------------------------


class CountingStore(MemoryStore):
    """Counts `claim_due` calls; raises on the first `failures` of them."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.claims = 0
        self.failures = failures

    async def claim_due(self, **kwargs: Any) -> list[Delivery]:
        self.claims += 1
        if self.claims <= self.failures:
            raise RuntimeError("database is locked")
        return await super().claim_due(**kwargs)


def topiic_engine(
    store: Store, clock: FrozenClock, scenarios: ScenarioSet | None = None
) -> Sandbox:
    return Sandbox(
        store,
        clock,
        [TopiicProvider()],
        scenarios or ScenarioSet(),
        configured={"topiic": {"webhook_url": RECEIVER}},
    )


async def open_session(engine: Sandbox, sid: str = "s1") -> str:
    await engine.create_session(
        Session(
            id=sid,
            provider="topiic",
            created_at=T0,
            expires_at=T0 + 1800,
            hosted_url=f"http://sandbox.test/topiic/s/{sid}",
            callback_url="https://app.example/done",
            data={"akid": "k", "mid": "m", "plan": "p", "ref": "r", "evts": ["checkout.completed"]},
        )
    )
    return sid


def loop_for(engine: Sandbox, receiver: Receiver) -> Dispatcher:
    """A dispatcher that, left alone, would look for work only once a minute."""
    dispatcher = Dispatcher(
        engine.store,
        engine.clock,
        {"topiic": TopiicProvider.delivery},
        engine.settings,
        client=receiver.client(),
        idle_poll=60.0,
        housekeeping=engine.expire_due,
    )
    engine.on_enqueue(dispatcher.wake)
    return dispatcher


async def stop(task: asyncio.Task[None]) -> None:
    assert not task.done(), "the loop ended by itself"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_run_forever_sends_a_new_webhook_on_wake_without_waiting_for_the_poll(
    clock: FrozenClock, receiver: Receiver
) -> None:
    store = CountingStore()
    engine = topiic_engine(store, clock)
    task = asyncio.create_task(loop_for(engine, receiver).run_forever())
    await wait_until(lambda: store.claims >= 1)  # first pass done: the loop now idles

    await engine.complete(await open_session(engine), "success")

    await wait_until(lambda: receiver.requests, timeout=5.0)
    assert b'"type":"checkout.completed"' in receiver.requests[0].content
    await stop(task)


async def test_run_forever_sends_a_delayed_webhook_as_soon_as_the_clock_is_advanced(
    clock: FrozenClock, receiver: Receiver
) -> None:
    late = Scenario(
        name="late", provider="topiic", outcome="success", label="L", webhooks=WebhookSpec(delay=40)
    )
    store = CountingStore()
    engine = topiic_engine(store, clock, ScenarioSet([late]))
    task = asyncio.create_task(loop_for(engine, receiver).run_forever())
    await engine.complete(await open_session(engine), "late")
    claims = store.claims
    await wait_until(lambda: store.claims > claims)  # woken, found nothing due yet
    assert receiver.requests == []

    await engine.advance_clock(40)

    await wait_until(lambda: receiver.requests, timeout=5.0)
    await stop(task)


async def test_store_error_in_a_pass_is_logged_and_the_loop_keeps_delivering(
    clock: FrozenClock, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    store = CountingStore(failures=1)
    engine = topiic_engine(store, clock)
    task = asyncio.create_task(loop_for(engine, receiver).run_forever())

    with caplog.at_level(logging.ERROR, logger="mockprovider.webhooks"):
        await wait_until(lambda: store.claims >= 1)
        await engine.complete(await open_session(engine), "success")
        await wait_until(lambda: receiver.requests, timeout=5.0)

    assert "webhook dispatcher pass failed" in caplog.text
    assert "database is locked" in caplog.text
    await stop(task)


async def test_a_delivery_that_cannot_be_signed_is_recorded_and_the_pass_goes_on(
    store: MemoryStore, clock: FrozenClock, receiver: Receiver
) -> None:
    def sign(attempt: SigningInput) -> dict[str, str]:
        if attempt.options.get("broken"):
            raise KeyError("signing_secret")
        return {}

    broken = make_delivery(1, session="s1")
    broken.signing = {"broken": True}
    await store.enqueue([broken, make_delivery(2, session="s2")])
    policy = DeliveryPolicy(schedule=(0.0, 30.0), timeout=5.0, sign=sign)

    assert await make_dispatcher(store, clock, receiver.client(), policy).run_once() == 2

    assert [r.headers["X-N"] for r in receiver.requests] == ["2"]
    failed = await stored(store, "dlv_1")
    assert (failed.status, failed.next_attempt_at, failed.lease_owner) == (
        DeliveryStatus.PENDING,
        T0 + 30,
        None,
    )
    (attempt,) = failed.attempts
    assert (attempt.status_code, attempt.error) == (
        None,
        "could not sign: KeyError: 'signing_secret'",
    )
    assert (await stored(store, "dlv_2")).status is DeliveryStatus.DELIVERED


async def test_run_forever_does_not_let_a_hanging_receiver_hold_back_other_sessions(
    store: MemoryStore, clock: FrozenClock
) -> None:
    release = asyncio.Event()
    started: list[str] = []
    arrived: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        session = request.headers["X-Session"]
        started.append(session)
        if session == "slow":
            await release.wait()  # a receiver that has not answered yet
        arrived.append(session)
        return httpx.Response(200)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    await store.enqueue([make_delivery(1, session="slow")])
    sender = make_dispatcher(store, clock, client, idle_poll=60.0)
    task = asyncio.create_task(sender.run_forever())
    await wait_until(lambda: started == ["slow"])
    await store.enqueue([make_delivery(2, session="fast")])
    sender.wake()

    await wait_until(lambda: arrived == ["fast"], timeout=5.0)
    assert (await stored(store, "dlv_1")).status is DeliveryStatus.PENDING
    release.set()
    await wait_until(lambda: arrived == ["fast", "slow"], timeout=5.0)
    await stop(task)


async def test_run_forever_keeps_a_sessions_order_across_claims(
    store: MemoryStore, clock: FrozenClock
) -> None:
    """A session's next event, queued (a later flow step) while its previous one is still in
    flight, waits for it, although the pipeline claims it in a pass of its own."""
    gate = Gate(held="s1")
    await store.enqueue([make_delivery(1)])
    sender = make_dispatcher(store, clock, gate.client(), idle_poll=60.0)
    task = asyncio.create_task(sender.run_forever())
    await wait_until(lambda: gate.sent("s1") == ["1"])
    await store.enqueue([make_delivery(2), make_delivery(7, session="s2")])
    sender.wake()
    await wait_until(lambda: gate.sent("s2") == ["7"], timeout=5.0)  # claimed in a later pass

    assert gate.sent("s1") == ["1"]  # … and s1's second waits for its first
    gate.open()
    await wait_until(lambda: gate.sent("s1") == ["1", "2"], timeout=5.0)
    await wait_until(lambda: not sender._lanes)
    await stop(task)


async def test_run_forever_stops_when_cancelled_as_it_is_woken(store: MemoryStore) -> None:
    """The lifespan's shutdown cancels the loop; a wake-up landing in the same moment (a send
    just finished) must not swallow that cancel, or the server never stops."""
    sender = make_dispatcher(store, FrozenClock(T0), Receiver().client(), idle_poll=30.0)
    task = asyncio.create_task(sender.run_forever())
    for _ in range(5):
        await asyncio.sleep(0)  # into its wait for a wake-up
    sender.wake()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=2.0)


async def test_paused_cancels_the_sends_in_flight_and_claims_nothing_until_it_ends(
    store: MemoryStore, clock: FrozenClock
) -> None:
    """What a reset relies on: once inside `paused()`, no send of the old outbox is still
    running (the receiver's request was cancelled) and none starts until the block ends."""
    started: list[str] = []
    cancelled: list[str] = []
    arrived: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        n = request.headers["X-N"]
        started.append(n)
        try:
            if n == "1":
                await asyncio.Event().wait()  # a receiver that never answers
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        arrived.append(n)
        return httpx.Response(200)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    await store.enqueue([make_delivery(1)])
    sender = make_dispatcher(store, clock, client, idle_poll=60.0)
    task = asyncio.create_task(sender.run_forever())
    await wait_until(lambda: started == ["1"])

    async with sender.paused():
        assert cancelled == ["1"]
        await store.reset()
        await store.enqueue([make_delivery(2, session="s2")])
        sender.wake()
        for _ in range(20):
            await asyncio.sleep(0)  # the loop runs passes, but claims nothing
        assert started == ["1"]
    await wait_until(lambda: arrived == ["2"], timeout=5.0)
    assert await store.get_delivery("dlv_1") is None  # the cancelled send wrote nothing back
    await stop(task)


class SlowClaimStore(MemoryStore):
    """`claim_due` takes the deliveries, then waits for `release` before returning them (a
    store round trip in progress)."""

    def __init__(self) -> None:
        super().__init__()
        self.claiming = asyncio.Event()
        self.release = asyncio.Event()

    async def claim_due(self, **kwargs: Any) -> list[Delivery]:
        claimed = await super().claim_due(**kwargs)
        if claimed:
            self.claiming.set()
            await self.release.wait()
        return claimed


async def test_paused_waits_for_a_claim_on_its_way_and_cancels_its_sends(
    clock: FrozenClock,
) -> None:
    """A pause that begins while the loop awaits a claim: the pause waits for the claim, so
    each claimed delivery was either sent before the pause is in, or is cancelled; none arrives
    after (found by the plugin's tests in a clean clone: the last test's webhook reached the
    next test's receiver, cleared after the reset, once the reset had answered)."""
    store = SlowClaimStore()
    arrived: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        arrived.append(request.headers["X-N"])
        return httpx.Response(200)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    await store.enqueue([make_delivery(1)])
    sender = make_dispatcher(store, clock, client, idle_poll=60.0)
    task = asyncio.create_task(sender.run_forever())
    await asyncio.wait_for(store.claiming.wait(), timeout=5.0)

    pause = sender.paused()
    entering = asyncio.create_task(pause.__aenter__())
    seen_when_in: list[str] = []  # what a receiver cleared after the reset would forget
    entering.add_done_callback(lambda _: seen_when_in.extend(arrived))
    await wait_until(lambda: sender._paused == 1)  # the pause has begun
    store.release.set()  # the claim returns while the pause is waiting for it
    await asyncio.wait_for(entering, timeout=5.0)
    await store.reset()
    await asyncio.gather(*sender._sending, return_exceptions=True)  # every send spawned ended
    assert arrived == seen_when_in  # nothing of the claimed outbox arrives once it is in
    await pause.__aexit__(None, None, None)
    await stop(task)
