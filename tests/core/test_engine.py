from __future__ import annotations

import asyncio
import math
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.core.engine import Sandbox
from mockprovider.core.scenarios import ScenarioSet
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.errors import Conflict, InvalidInput, NotFound
from mockprovider.providers.topiic import TopiicProvider
from mockprovider.storage.memory import MemoryStore
from tests.support import RECEIVER, T0, TOPIIC_CHOICES, Receiver, topiic_link


async def new_session(client: httpx.AsyncClient, **overrides: Any) -> str:
    """Create a Topiic session through its deep link; returns the session id."""
    entry = await client.get(topiic_link(**overrides))
    assert entry.status_code == 303, entry.text
    return urlsplit(entry.headers["location"]).path.rsplit("/", 1)[1]


async def status_of(sandbox: Sandbox, session_id: str) -> SessionStatus:
    return (await sandbox.get_session(session_id)).status


# -- complete ----------------------------------------------------------------------------------


async def test_complete_unknown_session_is_not_found(sandbox: Sandbox) -> None:
    with pytest.raises(NotFound, match="no session 'nope'"):
        await sandbox.complete("nope", "success")


async def test_complete_success_finishes_redirects_and_queues_one_webhook(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)

    done = await sandbox.complete(sid, "success", via="api")

    assert done.redirect_url == "https://app.example/subscribed?customer=42&status=ok"
    assert done.page is None
    assert done.session.status is SessionStatus.FINISHED
    stored = await sandbox.get_session(sid)
    assert (stored.status, stored.outcome, stored.redirect_url) == (
        SessionStatus.FINISHED,
        "success",
        done.redirect_url,
    )
    deliveries = await sandbox.store.list_deliveries(session_id=sid)
    assert [(d.event_type, d.url) for d in deliveries] == [("checkout.completed", RECEIVER)]
    assert [h["event"] for h in stored.history] == ["created", "finished", "webhook queued"]
    assert stored.history[1]["via"] == "api"
    assert stored.history[2]["delivery"] == deliveries[0].id


async def test_complete_twice_is_a_conflict_and_sends_no_second_webhook(
    sandbox: Sandbox, client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    sid = await new_session(client)
    await sandbox.complete(sid, "success")

    with pytest.raises(Conflict, match="already finished"):
        await sandbox.complete(sid, "user_abort")

    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert len(receiver.requests) == 1
    assert (await sandbox.get_session(sid)).outcome == "success"


class YieldingStore(MemoryStore):
    """Gives other tasks a turn after each read, so two requests both see the open session."""

    async def get_session(self, session_id: str) -> Session | None:
        found = await super().get_session(session_id)
        await asyncio.sleep(0)  # wait-ok: a yield, not a wait; lets the other request read too
        return found


async def test_concurrent_completions_finish_the_session_once() -> None:
    store = YieldingStore()
    engine = Sandbox(
        store,
        FrozenClock(T0),
        [TopiicProvider()],
        ScenarioSet(),
        configured={"topiic": {"webhook_url": RECEIVER}},
    )
    session = Session(
        id="s1",
        provider="topiic",
        created_at=T0,
        expires_at=T0 + 60,
        hosted_url="http://sandbox.test/topiic/s/s1",
        callback_url="https://app.example/done",
        data={"akid": "k", "mid": "m", "plan": "p", "ref": "r", "evts": ["checkout.completed"]},
    )
    await engine.create_session(session)

    results = await asyncio.gather(
        engine.complete("s1", "success"), engine.complete("s1", "success"), return_exceptions=True
    )

    assert sorted(type(r).__name__ for r in results) == ["Completion", "Conflict"]
    conflict = next(r for r in results if isinstance(r, Conflict))
    assert conflict.message == "session s1 was finished by another request"
    assert len(await store.list_deliveries(session_id="s1")) == 1


async def test_unknown_outcome_is_invalid_and_lists_outcomes_then_scenarios(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)

    with pytest.raises(InvalidInput, match="unknown outcome or scenario 'sucess' for topiic") as e:
        await sandbox.complete(sid, "sucess")

    assert e.value.valid == TOPIIC_CHOICES
    assert sandbox.choices("topiic") == TOPIIC_CHOICES
    assert await status_of(sandbox, sid) is SessionStatus.CREATED


async def test_complete_with_a_scenario_records_it_and_applies_its_faults(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)

    done = await sandbox.complete(sid, "redirect-lost")

    assert done.redirect_url is None
    assert done.dropped_redirect is not None
    assert done.dropped_redirect.endswith("?customer=42&status=ok")
    stored = await sandbox.get_session(sid)
    assert (stored.outcome, stored.scenario, stored.redirect_url) == (
        "success",
        "redirect-lost",
        None,
    )
    assert len(await sandbox.store.list_deliveries(session_id=sid)) == 1


async def test_auto_matching_scenario_is_remembered_at_creation(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client, ref="cust+declined")
    other = await new_session(client, ref="cust_plain")

    assert (await sandbox.get_session(sid)).scenario == "declined"
    assert (await sandbox.get_session(other)).scenario is None


@pytest.mark.parametrize("late_by", [0.0, 0.5, 3600.0])
@pytest.mark.parametrize("picked", ["success", "user_abort", "webhook-twice"])
async def test_complete_at_or_after_expires_at_turns_into_expiry(
    sandbox: Sandbox,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    late_by: float,
    picked: str,
) -> None:
    sid = await new_session(client, exp=int(T0) + 60)
    clock.advance(60 + late_by)

    done = await sandbox.complete(sid, picked)

    assert done.session.outcome == "expiry"
    assert done.session.status is SessionStatus.EXPIRED
    assert done.redirect_url == "https://app.example/subscribed?customer=42&status=cancelled"
    deliveries = await sandbox.store.list_deliveries(session_id=sid)
    assert [d.event_type for d in deliveries] == ["checkout.failed"]
    assert b"Checkout session expired." in deliveries[0].body


async def test_complete_just_before_expires_at_keeps_the_choice(
    sandbox: Sandbox, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sid = await new_session(client, exp=int(T0) + 60)
    clock.advance(59.999)

    done = await sandbox.complete(sid, "success")

    assert done.session.outcome == "success"


async def test_closed_tab_after_expires_at_stays_a_closed_tab(
    sandbox: Sandbox, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sid = await new_session(client, exp=int(T0) + 60)
    clock.advance(120)

    done = await sandbox.complete(sid, "closed_tab")

    assert (done.session.outcome, done.session.status) == ("closed_tab", SessionStatus.ABANDONED)


# -- expiry and time ---------------------------------------------------------------------------


async def test_expire_due_expires_unfinished_sessions_past_their_deadline_only(
    sandbox: Sandbox, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    exp = int(T0) + 60
    created = await new_session(client, exp=exp)
    opened = await new_session(client, exp=exp)
    await sandbox.mark_opened(await sandbox.get_session(opened))
    abandoned = await new_session(client, exp=exp)
    await sandbox.complete(abandoned, "closed_tab")
    finished = await new_session(client, exp=exp)
    await sandbox.complete(finished, "success")
    not_yet = await new_session(client, exp=exp + 1)

    clock.advance(59)
    assert await sandbox.expire_due() == 0
    clock.advance(1)
    assert await sandbox.expire_due() == 3

    assert {sid: await status_of(sandbox, sid) for sid in (created, opened, abandoned)} == {
        created: SessionStatus.EXPIRED,
        opened: SessionStatus.EXPIRED,
        abandoned: SessionStatus.EXPIRED,
    }
    assert await status_of(sandbox, finished) is SessionStatus.FINISHED
    assert await status_of(sandbox, not_yet) is SessionStatus.CREATED
    assert (await sandbox.get_session(created)).history[-1] == {
        "event": "expired",
        "at": T0 + 60,
        "was": "created",
    }
    assert await sandbox.expire_due() == 0


async def test_advance_clock_moves_sandbox_time_and_expires_due_sessions(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client, exp=int(T0) + 60)

    assert await sandbox.advance_clock(30) == T0 + 30
    assert await status_of(sandbox, sid) is SessionStatus.CREATED
    assert await sandbox.advance_clock(30) == T0 + 60
    assert await status_of(sandbox, sid) is SessionStatus.EXPIRED
    assert await sandbox.now() == T0 + 60
    assert await sandbox.advance_clock(0) == T0 + 60


@pytest.mark.parametrize("seconds", [-1.0, -0.001, math.nan, math.inf, -math.inf])
async def test_advance_clock_refuses_going_back_or_non_finite_and_changes_nothing(
    sandbox: Sandbox, seconds: float
) -> None:
    await sandbox.advance_clock(10)

    with pytest.raises(InvalidInput, match="seconds must be"):
        await sandbox.advance_clock(seconds)

    assert await sandbox.now() == T0 + 10


async def test_mark_opened_moves_created_to_opened_once(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)
    first = await sandbox.mark_opened(await sandbox.get_session(sid))
    again = await sandbox.mark_opened(await sandbox.get_session(sid))

    assert first.status is again.status is SessionStatus.OPENED
    stored = await sandbox.get_session(sid)
    assert [h["event"] for h in stored.history] == ["created", "opened"]


async def test_unknown_provider_delivery_and_session_lookups_are_not_found(
    sandbox: Sandbox,
) -> None:
    known = ", ".join(sorted(sandbox.providers))
    with pytest.raises(NotFound, match=f"unknown provider 'nope'; known: {known}$"):
        await sandbox.list_sessions("nope")
    with pytest.raises(NotFound, match="unknown provider"):
        await sandbox.settings("nope")
    with pytest.raises(NotFound, match="no webhook delivery 'dlv_x'"):
        await sandbox.replay("dlv_x")
    with pytest.raises(NotFound, match="no session 'x'"):
        await sandbox.get_session("x")


# -- settings ----------------------------------------------------------------------------------


def engine_with(configured: dict[str, dict[str, Any]]) -> Sandbox:
    return Sandbox(
        MemoryStore(), FrozenClock(T0), [TopiicProvider()], ScenarioSet(), configured=configured
    )


async def test_settings_merge_defaults_then_config_then_runtime_overrides() -> None:
    engine = engine_with({"topiic": {"webhook_url": "http://config/", "expire_now": "silent"}})
    defaults = {s.name: s.default for s in TopiicProvider.settings}

    before = await engine.settings("topiic")
    after = await engine.update_settings("topiic", {"webhook_url": "http://put/"})

    assert before == defaults | {"webhook_url": "http://config/", "expire_now": "silent"}
    assert after == defaults | {"webhook_url": "http://put/", "expire_now": "silent"}
    assert await engine.settings("topiic") == after
    assert await engine.store.get_settings("topiic") == {"webhook_url": "http://put/"}


async def test_settings_updates_accumulate() -> None:
    engine = engine_with({})
    await engine.update_settings("topiic", {"test_cards": False})
    merged = await engine.update_settings("topiic", {"expire_now": "silent"})

    assert (merged["test_cards"], merged["expire_now"]) == (False, "silent")


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (
            {"webhook_ur": "http://x/"},
            "webhook_ur: unknown setting 'webhook_ur' for topiic (did you mean 'webhook_url'?)",
        ),
        ({"zzz": 1}, "zzz: unknown setting 'zzz' for topiic"),
        ({"test_cards": "yes"}, "test_cards: expected a boolean, got a string"),
        ({"webhook_url": 5}, "webhook_url: expected a string, got a number"),
        ({"plans": {"id": "p"}}, "plans: expected a list, got a mapping"),
        ({"test_cards": 1}, "test_cards: expected a boolean, got a number"),
        (
            {"webhook_url": "http://ok/", "events": "checkout.completed"},
            "events: expected a list, got a string",
        ),
    ],
)
async def test_invalid_settings_update_is_refused_whole_and_changes_nothing(
    update: dict[str, Any], message: str
) -> None:
    engine = engine_with({"topiic": {"webhook_url": "http://config/"}})
    before = await engine.settings("topiic")

    with pytest.raises(InvalidInput) as caught:
        await engine.update_settings("topiic", update)

    assert caught.value.message == message
    assert caught.value.valid == [s.name for s in TopiicProvider.settings]
    assert await engine.settings("topiic") == before
    assert await engine.store.get_settings("topiic") == {}


async def test_settings_update_names_every_bad_key() -> None:
    engine = engine_with({})
    with pytest.raises(InvalidInput) as caught:
        await engine.update_settings("topiic", {"nope": 1, "test_cards": "no"})

    assert caught.value.message == (
        "nope: unknown setting 'nope' for topiic; test_cards: expected a boolean, got a string"
    )
