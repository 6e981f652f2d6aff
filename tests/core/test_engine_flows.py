"""Engine capabilities providers build on: events at creation, steps inside a flow, inline
problems that keep the flow open, and per-provider records."""

from __future__ import annotations

import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.contract import Choice, EffectContext, Effects, OutcomeSpec
from mockprovider.core.engine import Sandbox
from mockprovider.core.scenarios import Scenario, ScenarioSet, WebhookSpec
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import DeliveryPolicy
from mockprovider.errors import Conflict
from mockprovider.storage.memory import MemoryStore
from mockprovider.web.provider import BaseProvider
from tests.support import T0


def event(name: str) -> WebhookMessage:
    return WebhookMessage(event_id=f"evt_{name}", event_type=name, url="http://r.test", body=b"{}")


class Fake(BaseProvider):
    name = "fake"
    title = "Fake"
    outcomes = (
        OutcomeSpec("success", "OK", "done"),
        OutcomeSpec("capture_failure", "Decline", "inline error, try again"),
    )
    delivery = DeliveryPolicy(schedule=(0.0,), timeout=1.0)
    page_template = "fake/page.html"

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        if choice.outcome == "capture_failure":
            return Effects(status=session.status, problem="Card declined", webhooks=[event("x")])
        return Effects(redirect_url="https://app.test/done")


@pytest.fixture
async def sandbox() -> Sandbox:
    store = MemoryStore()
    await store.open()
    return Sandbox(store, FrozenClock(T0), [Fake()], ScenarioSet([]))


def new_session(sid: str = "s1") -> Session:
    return Session(id=sid, provider="fake", created_at=T0, expires_at=T0 + 60, hosted_url="h")


async def test_events_given_at_creation_are_queued_with_the_session(sandbox: Sandbox) -> None:
    await sandbox.create_session(new_session(), [event("created")])
    queued = await sandbox.store.list_deliveries(session_id="s1")
    assert [d.event_type for d in queued] == ["created"]
    assert (await sandbox.get_session("s1")).status is SessionStatus.CREATED


async def test_a_step_merges_data_records_history_and_queues_its_events(sandbox: Sandbox) -> None:
    session = await sandbox.create_session(new_session())
    await sandbox.progress(session, "credentials", data={"item_id": 7}, messages=[event("item")])
    stored = await sandbox.get_session("s1")
    assert stored.data == {"item_id": 7}
    assert stored.history[-1] == {"event": "credentials", "at": T0, "webhooks": ["item"]}
    assert [d.event_type for d in await sandbox.store.list_deliveries()] == ["item"]


async def test_a_step_on_a_session_that_moved_on_is_a_conflict(sandbox: Sandbox) -> None:
    stale = await sandbox.create_session(new_session())
    await sandbox.complete("s1", "success")
    with pytest.raises(Conflict):
        await sandbox.progress(stale, "late step", messages=[event("late")])
    assert await sandbox.store.list_deliveries() == []


async def test_an_inline_problem_keeps_the_flow_open_then_it_can_finish(sandbox: Sandbox) -> None:
    await sandbox.create_session(new_session())
    first = await sandbox.complete("s1", "capture_failure")
    assert (first.problem, first.redirect_url) == ("Card declined", None)
    assert first.session.is_open
    assert first.session.outcome is None
    assert [d.event_type for d in await sandbox.store.list_deliveries()] == ["x"]
    done = await sandbox.complete("s1", "success")
    assert done.redirect_url == "https://app.test/done"
    assert done.session.outcome == "success"


async def test_records_are_per_provider_and_forgotten_by_reset(sandbox: Sandbox) -> None:
    records = sandbox.records("fake")
    assert await records.insert("user", "u1", {"uuid": "u1"})
    assert not await records.insert("user", "u1", {"uuid": "other"})
    await records.put("item", "1", {"status": 0})
    assert await records.get("user", "u1") == {"uuid": "u1"}
    assert await records.list("item") == [{"status": 0}]
    assert await sandbox.store.get_record("topiic", "user", "u1") is None
    await sandbox.reset()
    assert await records.get("user", "u1") is None


async def test_steps_carry_the_webhook_faults_of_the_sessions_scenario() -> None:
    twice = Scenario(
        name="twice",
        provider="fake",
        outcome="success",
        label="Twice",
        webhooks=WebhookSpec(duplicate=True, delay=30.0),
    )
    store = MemoryStore()
    sandbox = Sandbox(store, FrozenClock(T0), [Fake()], ScenarioSet([twice]))
    session = await sandbox.create_session(new_session())
    session.scenario = "twice"
    await sandbox.progress(session, "payment made", messages=[event("paid")])
    queued = await store.list_deliveries()
    assert [d.event_type for d in queued] == ["paid", "paid"]
    assert {d.next_attempt_at for d in queued} == {T0 + 30.0}


async def test_expire_if_due_expires_only_that_session_and_only_past_its_deadline() -> None:
    store, clock = MemoryStore(), FrozenClock(T0)
    sandbox = Sandbox(store, clock, [Fake()], ScenarioSet([]))
    first = await sandbox.create_session(new_session("s1"))
    await sandbox.create_session(new_session("s2"))
    assert (await sandbox.expire_if_due(first)).status is SessionStatus.CREATED
    clock.advance(60)
    assert (await sandbox.expire_if_due(first)).status is SessionStatus.EXPIRED
    assert (await sandbox.get_session("s2")).status is SessionStatus.CREATED
