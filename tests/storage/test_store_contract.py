"""One contract for every `Store`: the memory, SQLite and Redis stores must behave alike."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import mockprovider
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.store import Store
from mockprovider.core.webhooks.messages import Attempt, Delivery, DeliveryStatus
from mockprovider.errors import Conflict, InvalidInput
from mockprovider.storage.factory import open_store
from mockprovider.storage.memory import MemoryStore
from mockprovider.storage.redis_codec import DEFAULT_PREFIX, DEFAULT_RETENTION, parse_url
from mockprovider.storage.redis_store import RedisStore
from mockprovider.storage.sqlite import SQLiteStore
from tests.e2e.servers import free_port

FAR = 1e12  # a sandbox time after everything


def make_session(
    sid: str = "s1",
    *,
    provider: str = "topiic",
    created_at: float = 100.0,
    expires_at: float = 1000.0,
    status: SessionStatus = SessionStatus.CREATED,
) -> Session:
    return Session(
        id=sid,
        provider=provider,
        created_at=created_at,
        expires_at=expires_at,
        hosted_url=f"http://sandbox.test/pay/{sid}",
        callback_url="http://shop.test/hook",
        status=status,
        form_nonce=f"nonce-{sid}",
        data={"ref": sid.upper(), "amount": {"value": 1250, "currency": "EUR"}},
        history=[{"event": "created", "at": created_at}],
    )


def make_delivery(
    did: str = "d1",
    *,
    provider: str = "topiic",
    session_id: str | None = "s1",
    created_at: float = 100.0,
    next_attempt_at: float | None = 100.0,
    status: DeliveryStatus = DeliveryStatus.PENDING,
) -> Delivery:
    return Delivery(
        id=did,
        provider=provider,
        session_id=session_id,
        event_id=f"evt-{did}",
        event_type="payment.succeeded",
        url="http://shop.test/hook",
        body=b'{"id": "evt", "status": "paid"}',
        headers={"Content-Type": "application/json"},
        created_at=created_at,
        next_attempt_at=next_attempt_at,
        schedule=[0.0, 5.0, 30.0],
        status=status,
        signing={"wrong_secret": False},
    )


def an_attempt(number: int = 1, status_code: int | None = 500) -> Attempt:
    return Attempt(
        number=number,
        at=150.0,
        headers={"X-Signature": "abc"},
        status_code=status_code,
        duration_ms=12.5,
        response_headers={"Server": "shop"},
    )


async def claim(
    store: Store, *, now: float = FAR, lease_now: float = 0.0, limit: int = 100
) -> list[str]:
    due = await store.claim_due(
        now=now, lease_owner="w1", lease_now=lease_now, lease_until=lease_now + 30.0, limit=limit
    )
    return [d.id for d in due]


def fresh_prefix() -> str:
    """A key prefix no other test uses, so each Redis test starts from an empty sandbox."""
    return f"test-{uuid.uuid4().hex}:"


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "memory":
        opened = MemoryStore()
    elif request.param == "sqlite":
        opened = SQLiteStore(tmp_path / "s.db")
    else:
        url = request.getfixturevalue("redis_url")
        opened = RedisStore(f"{url}?prefix={fresh_prefix()}")
    await opened.open()
    yield opened
    await opened.close()


# -- sessions -------------------------------------------------------------------------------------


async def test_session_round_trip_keeps_every_field(store: Store) -> None:
    session = make_session()
    session.outcome, session.scenario, session.redirect_url = "paid", "happy", "http://shop.test/ok"
    await store.insert_session(session)
    assert await store.get_session("s1") == session
    assert await store.get_session("nope") is None


async def test_mutating_returned_session_changes_nothing_until_saved(store: Store) -> None:
    await store.insert_session(make_session())
    got = await store.get_session("s1")
    assert got is not None
    got.data["ref"] = "changed"
    got.history.append({"event": "opened", "at": 1.0})
    assert await store.get_session("s1") == make_session()


async def test_insert_duplicate_session_raises_conflict(store: Store) -> None:
    await store.insert_session(make_session())
    with pytest.raises(Conflict):
        await store.insert_session(make_session(provider="other"))
    stored = await store.get_session("s1")
    assert stored is not None
    assert stored.provider == "topiic"


async def test_save_session_is_compare_and_set_on_status(store: Store) -> None:
    await store.insert_session(make_session())
    opened = make_session()
    opened.move(SessionStatus.OPENED, 110.0)
    assert await store.save_session(opened, expected=SessionStatus.CREATED)
    assert await store.get_session("s1") == opened

    late = make_session()
    late.move(SessionStatus.ABANDONED, 120.0)
    assert not await store.save_session(late, expected=SessionStatus.CREATED)
    assert await store.get_session("s1") == opened
    assert not await store.save_session(make_session("ghost"), expected=SessionStatus.CREATED)
    assert await store.get_session("ghost") is None


async def test_finish_session_writes_session_and_deliveries_together(store: Store) -> None:
    await store.insert_session(make_session())
    done = make_session()
    done.move(SessionStatus.FINISHED, 130.0, outcome="paid")
    deliveries = [make_delivery("d1"), make_delivery("d2")]
    assert await store.finish_session(done, expected=SessionStatus.CREATED, deliveries=deliveries)
    assert await store.get_session("s1") == done
    assert await store.get_delivery("d1") == deliveries[0]
    assert await store.get_delivery("d2") == deliveries[1]


async def test_finish_session_writes_nothing_when_cas_fails(store: Store) -> None:
    await store.insert_session(make_session())
    done = make_session()
    done.move(SessionStatus.FINISHED, 130.0)
    ok = await store.finish_session(
        done, expected=SessionStatus.OPENED, deliveries=[make_delivery("d1")]
    )
    assert not ok
    assert await store.get_session("s1") == make_session()
    assert await store.get_delivery("d1") is None
    assert await store.list_deliveries() == []


async def test_finish_session_rolls_back_session_when_a_delivery_conflicts(store: Store) -> None:
    await store.insert_session(make_session())
    await store.enqueue([make_delivery("d1")])
    done = make_session()
    done.move(SessionStatus.FINISHED, 130.0)
    with pytest.raises(Conflict):
        await store.finish_session(
            done,
            expected=SessionStatus.CREATED,
            deliveries=[make_delivery("d0"), make_delivery("d1")],
        )
    assert await store.get_session("s1") == make_session()
    assert await store.get_delivery("d0") is None


async def test_list_sessions_newest_first_filtered_and_limited(store: Store) -> None:
    await store.insert_session(make_session("a", created_at=1.0))
    await store.insert_session(make_session("b", created_at=3.0, provider="gigs"))
    await store.insert_session(make_session("c", created_at=2.0))
    await store.insert_session(make_session("d", created_at=2.0))  # same time: later insert first
    assert [s.id for s in await store.list_sessions()] == ["b", "d", "c", "a"]
    assert [s.id for s in await store.list_sessions(provider="topiic")] == ["d", "c", "a"]
    assert [s.id for s in await store.list_sessions(provider="gigs")] == ["b"]
    assert [s.id for s in await store.list_sessions(limit=2)] == ["b", "d"]
    assert await store.list_sessions(provider="unknown") == []


async def test_due_expiries_picks_expirable_sessions_past_expiry(store: Store) -> None:
    for sid, status in [
        ("created", SessionStatus.CREATED),
        ("opened", SessionStatus.OPENED),
        ("abandoned", SessionStatus.ABANDONED),
        ("finished", SessionStatus.FINISHED),
        ("expired", SessionStatus.EXPIRED),
    ]:
        await store.insert_session(make_session(sid, expires_at=500.0, status=status))
    await store.insert_session(make_session("later", expires_at=900.0))
    due = await store.due_expiries(500.0)
    assert sorted(s.id for s in due) == ["abandoned", "created", "opened"]
    assert await store.due_expiries(499.9) == []
    assert len(await store.due_expiries(FAR, limit=2)) == 2
    assert len(await store.due_expiries(FAR)) == 4


# -- nonces ---------------------------------------------------------------------------------------


async def test_claim_nonce_once_per_scope(store: Store) -> None:
    assert await store.claim_nonce("form", "n1", 500.0)
    assert not await store.claim_nonce("form", "n1", 500.0)
    assert not await store.claim_nonce("form", "n1", 600.0)
    assert await store.claim_nonce("return", "n1", 500.0)
    assert await store.claim_nonce("form", "n2", 500.0)


# -- webhook outbox -------------------------------------------------------------------------------


async def test_delivery_round_trip_keeps_every_field(store: Store) -> None:
    delivery = make_delivery()
    delivery.attempts.append(an_attempt())
    delivery.run_attempts = 1
    await store.enqueue([delivery])
    assert await store.get_delivery("d1") == delivery
    assert await store.get_delivery("nope") is None


async def test_enqueue_duplicate_delivery_raises_conflict(store: Store) -> None:
    await store.enqueue([make_delivery("d1")])
    with pytest.raises(Conflict):
        await store.enqueue([make_delivery("d1")])


async def test_claim_due_respects_sandbox_time(store: Store) -> None:
    await store.enqueue([make_delivery("now", next_attempt_at=100.0)])
    await store.enqueue([make_delivery("later", next_attempt_at=200.0)])
    await store.enqueue([make_delivery("never", next_attempt_at=None)])
    await store.enqueue([make_delivery("done", status=DeliveryStatus.DELIVERED)])
    assert await claim(store, now=99.0) == []
    assert await claim(store, now=100.0) == ["now"]
    assert await claim(store, now=FAR) == ["later"]


async def test_claim_due_leases_until_lease_lapses(store: Store) -> None:
    await store.enqueue([make_delivery("d1")])
    first = await store.claim_due(
        now=FAR, lease_owner="w1", lease_now=1000.0, lease_until=1030.0, limit=10
    )
    assert [(d.id, d.lease_owner, d.lease_until) for d in first] == [("d1", "w1", 1030.0)]
    assert await claim(store, lease_now=1000.0) == []
    assert await claim(store, lease_now=1030.0) == []
    second = await store.claim_due(
        now=FAR, lease_owner="w2", lease_now=1030.5, lease_until=1060.0, limit=10
    )
    assert [(d.id, d.lease_owner) for d in second] == [("d1", "w2")]
    stored = await store.get_delivery("d1")
    assert stored is not None
    assert (stored.lease_owner, stored.lease_until) == ("w2", 1060.0)


async def test_claim_due_oldest_first_and_limited(store: Store) -> None:
    await store.enqueue([make_delivery("c", next_attempt_at=30.0)])
    await store.enqueue([make_delivery("a", next_attempt_at=10.0)])
    await store.enqueue([make_delivery("b1", next_attempt_at=20.0)])
    await store.enqueue([make_delivery("b2", next_attempt_at=20.0)])
    assert await claim(store, limit=2) == ["a", "b1"]
    assert await claim(store, limit=2) == ["b2", "c"]
    assert await claim(store, limit=2) == []


async def test_record_attempt_persists_and_releases_lease(store: Store) -> None:
    await store.enqueue([make_delivery("d1")])
    (claimed,) = await store.claim_due(
        now=FAR, lease_owner="w1", lease_now=0.0, lease_until=30.0, limit=1
    )
    claimed.attempts.append(an_attempt(1, 503))
    claimed.run_attempts = 1
    claimed.next_attempt_at = 105.0
    await store.record_attempt(claimed)

    stored = await store.get_delivery("d1")
    assert stored is not None
    assert stored.attempts == [an_attempt(1, 503)]
    assert (stored.status, stored.run_attempts, stored.next_attempt_at) == (
        DeliveryStatus.PENDING,
        1,
        105.0,
    )
    assert (stored.lease_owner, stored.lease_until) == (None, None)
    assert await claim(store, now=104.0, lease_now=1.0) == []
    assert await claim(store, now=105.0, lease_now=1.0) == ["d1"]  # lease released early

    stored.status, stored.next_attempt_at = DeliveryStatus.DELIVERED, None
    stored.attempts.append(an_attempt(2, 200))
    await store.record_attempt(stored)
    final = await store.get_delivery("d1")
    assert final is not None
    assert (final.status, final.next_attempt_at, len(final.attempts)) == (
        DeliveryStatus.DELIVERED,
        None,
        2,
    )
    assert await claim(store, lease_now=1000.0) == []


async def test_list_deliveries_filters_newest_first(store: Store) -> None:
    await store.enqueue([make_delivery("a", created_at=1.0, session_id="s1")])
    await store.enqueue([make_delivery("b", created_at=2.0, session_id="s2")])
    await store.enqueue([make_delivery("c", created_at=3.0, session_id="s1", provider="gigs")])
    await store.enqueue([make_delivery("d", created_at=3.0, session_id=None)])
    assert [d.id for d in await store.list_deliveries()] == ["d", "c", "b", "a"]
    assert [d.id for d in await store.list_deliveries(provider="topiic")] == ["d", "b", "a"]
    assert [d.id for d in await store.list_deliveries(session_id="s1")] == ["c", "a"]
    found = await store.list_deliveries(provider="topiic", session_id="s1")
    assert [d.id for d in found] == ["a"]
    assert [d.id for d in await store.list_deliveries(limit=1)] == ["d"]


async def test_requeue_resets_retry_state_and_keeps_attempts(store: Store) -> None:
    failed = make_delivery("d1", status=DeliveryStatus.FAILED, next_attempt_at=None)
    failed.run_attempts = 3
    failed.attempts = [an_attempt(1), an_attempt(2), an_attempt(3)]
    await store.enqueue([failed])
    requeued = await store.requeue("d1", 700.0)
    assert requeued is not None
    assert (requeued.status, requeued.run_attempts, requeued.next_attempt_at) == (
        DeliveryStatus.PENDING,
        0,
        700.0,
    )
    assert requeued.attempts == failed.attempts
    assert await store.get_delivery("d1") == requeued
    assert await claim(store, now=699.0) == []
    assert await claim(store, now=700.0) == ["d1"]
    assert await store.requeue("nope", 700.0) is None


async def test_next_due_at_is_earliest_pending(store: Store) -> None:
    assert await store.next_due_at() is None
    await store.enqueue(
        [make_delivery("done", status=DeliveryStatus.DELIVERED, next_attempt_at=5.0)]
    )
    await store.enqueue([make_delivery("idle", next_attempt_at=None)])
    assert await store.next_due_at() is None
    await store.enqueue([make_delivery("b", next_attempt_at=50.0)])
    await store.enqueue([make_delivery("a", next_attempt_at=40.0)])
    assert await store.next_due_at() == 40.0


# -- shared state ---------------------------------------------------------------------------------


async def test_settings_are_per_provider_and_replaced(store: Store) -> None:
    assert await store.get_settings("topiic") == {}
    await store.put_settings("topiic", {"latency_ms": 200, "faults": {"drop": True}})
    await store.put_settings("gigs", {"currency": "EUR"})
    assert await store.get_settings("topiic") == {"latency_ms": 200, "faults": {"drop": True}}
    await store.put_settings("topiic", {"latency_ms": 0})
    assert await store.get_settings("topiic") == {"latency_ms": 0}
    assert await store.get_settings("gigs") == {"currency": "EUR"}


async def test_clock_offset_adds_up(store: Store) -> None:
    assert await store.get_clock_offset() == 0.0
    assert await store.add_clock_offset(60.0) == 60.0
    assert await store.add_clock_offset(3600.5) == 3660.5
    assert await store.add_clock_offset(-0.5) == 3660.0
    assert await store.get_clock_offset() == 3660.0


async def test_secret_is_created_once(store: Store) -> None:
    assert await store.get_or_create_secret("first") == "first"
    assert await store.get_or_create_secret("second") == "first"


async def _fill(store: Store) -> None:
    await store.insert_session(make_session())
    await store.enqueue([make_delivery()])
    await store.claim_nonce("form", "n1", 500.0)
    await store.add_clock_offset(60.0)
    await store.put_settings("topiic", {"latency_ms": 5})
    await store.get_or_create_secret("secret")
    await store.put_record("bridge", "user", "u1", {"uuid": "u1"})


async def test_reset_forgets_state_but_keeps_settings(store: Store) -> None:
    await _fill(store)
    await store.reset()
    assert await store.get_record("bridge", "user", "u1") is None
    assert await store.get_session("s1") is None
    assert await store.list_sessions() == []
    assert await store.get_delivery("d1") is None
    assert await store.next_due_at() is None
    assert await store.claim_nonce("form", "n1", 500.0)
    assert await store.get_clock_offset() == 0.0
    assert await store.get_settings("topiic") == {"latency_ms": 5}
    assert await store.get_or_create_secret("other") == "secret"


async def test_reset_with_settings_forgets_settings_too(store: Store) -> None:
    await _fill(store)
    await store.reset(settings=True)
    assert await store.get_settings("topiic") == {}
    assert await store.get_session("s1") is None


async def test_destroy_forgets_everything_and_removes_its_file(store: Store) -> None:
    await _fill(store)
    await store.destroy()
    path = getattr(store, "path", None)
    if path is not None:  # SQLite: the database and its WAL are gone
        assert not [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    await store.open()  # the same place, opened again: nothing is left
    assert await store.get_session("s1") is None
    assert await store.get_record("bridge", "user", "u1") is None
    assert await store.get_settings("topiic") == {}
    assert await store.get_or_create_secret("other") == "other"


# -- provider records ----------------------------------------------------------------------------


async def test_insert_record_adds_once_per_provider_kind_and_key(store: Store) -> None:
    assert await store.insert_record("bridge", "user", "ext-1", {"uuid": "a"})
    assert not await store.insert_record("bridge", "user", "ext-1", {"uuid": "b"})
    assert await store.insert_record("bridge", "token", "ext-1", {"uuid": "c"})
    assert await store.insert_record("gigs", "user", "ext-1", {"uuid": "d"})
    assert await store.get_record("bridge", "user", "ext-1") == {"uuid": "a"}


async def test_put_record_replaces_and_get_returns_a_copy(store: Store) -> None:
    await store.put_record("bridge", "item", "1", {"status": -2, "accounts": [1]})
    await store.put_record("bridge", "item", "1", {"status": 0, "accounts": [1, 2]})
    found = await store.get_record("bridge", "item", "1")
    assert found == {"status": 0, "accounts": [1, 2]}
    assert found is not None
    found["accounts"].append(3)
    assert await store.get_record("bridge", "item", "1") == {"status": 0, "accounts": [1, 2]}
    assert await store.get_record("bridge", "item", "2") is None


async def test_list_records_in_insertion_order_per_kind_with_a_limit(store: Store) -> None:
    for n in (3, 1, 2):
        await store.put_record("bridge", "item", str(n), {"n": n})
    await store.put_record("bridge", "user", "u", {"n": 0})
    await store.put_record("bridge", "item", "3", {"n": 33})  # replacing keeps its place
    assert await store.list_records("bridge", "item") == [{"n": 33}, {"n": 1}, {"n": 2}]
    assert await store.list_records("bridge", "item", limit=2) == [{"n": 33}, {"n": 1}]
    assert await store.list_records("gigs", "item") == []


# -- SQLite only ----------------------------------------------------------------------------------


async def test_sqlite_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "s.db"
    first = SQLiteStore(path)
    await first.open()
    await _fill(first)
    await first.close()

    second = SQLiteStore(path)
    await second.open()
    try:
        assert await second.get_session("s1") == make_session()
        assert await second.get_delivery("d1") == make_delivery()
        assert not await second.claim_nonce("form", "n1", 500.0)
        assert await second.get_clock_offset() == 60.0
        assert await second.get_settings("topiic") == {"latency_ms": 5}
        assert await second.get_or_create_secret("other") == "secret"
    finally:
        await second.close()


async def test_sqlite_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path)
    await store.open()
    await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_CLAIMER = """
import asyncio, json, sys
from mockprovider.core.webhooks.messages import DeliveryStatus
from mockprovider.storage.sqlite import SQLiteStore

async def main() -> None:
    store = SQLiteStore(sys.argv[1])
    await store.open()
    print("ready", flush=True)
    sys.stdin.readline()  # wait for "go" so both processes claim at the same time
    ids = []
    while batch := await store.claim_due(
        now=1e12, lease_owner=sys.argv[2], lease_now=0.0, lease_until=1e18, limit=5
    ):
        for delivery in batch:  # like a worker: send, then record the result
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
            await store.record_attempt(delivery)
            ids.append(delivery.id)
    await store.close()
    print(json.dumps(ids), flush=True)

asyncio.run(main())
"""


def _run_claimers(path: Path, count: int) -> list[list[str]]:
    root = str(Path(mockprovider.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CLAIMER, str(path), f"worker-{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(count)
    ]
    try:
        for proc in procs:  # every process has opened the file before any starts claiming
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:  # release them all before waiting on any
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == 0
            results.append(list(json.loads(out)))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


async def test_sqlite_two_processes_never_claim_the_same_delivery(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    store = SQLiteStore(path)
    await store.open()
    ids = [f"d{i:03d}" for i in range(200)]
    await store.enqueue([make_delivery(i, next_attempt_at=float(n)) for n, i in enumerate(ids)])
    await store.close()

    first, second = _run_claimers(path, 2)
    assert set(first) | set(second) == set(ids)
    assert set(first) & set(second) == set()
    assert len(first) + len(second) == len(ids)
    await store.open()
    try:
        final = await store.list_deliveries(limit=1000)
        assert {d.status for d in final} == {DeliveryStatus.DELIVERED}
        assert {d.lease_owner for d in final} == {None}
    finally:
        await store.close()


# -- Redis only -----------------------------------------------------------------------------------


async def test_redis_url_options_are_parsed_and_refused_when_wrong() -> None:
    assert parse_url("redis://h:1/2") == ("redis://h:1/2", DEFAULT_PREFIX, DEFAULT_RETENTION)
    assert parse_url("redis://h:1/2?prefix=qa:&retention=60&socket_timeout=5") == (
        "redis://h:1/2?socket_timeout=5",
        "qa:",
        60,
    )
    with pytest.raises(InvalidInput, match="prefix"):
        parse_url("redis://h:1/2?prefix=")
    with pytest.raises(InvalidInput, match="retention"):
        parse_url("redis://h:1/2?retention=soon")
    assert isinstance(open_store("redis://h:1/2?prefix=x:"), RedisStore)


async def test_redis_unreachable_is_reported() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(InvalidInput, match="cannot reach Redis"):
        await store.open()


async def test_redis_reset_leaves_other_prefixes_alone(redis_url: str) -> None:
    mine, theirs = (RedisStore(f"{redis_url}?prefix={fresh_prefix()}") for _ in range(2))
    await mine.open()
    await theirs.open()
    try:
        await _fill(mine)
        await _fill(theirs)
        await mine.reset(settings=True)
        assert await mine.get_session("s1") is None
        assert await theirs.get_session("s1") == make_session()
        assert await theirs.get_delivery("d1") == make_delivery()
        assert await theirs.get_settings("topiic") == {"latency_ms": 5}
    finally:
        await mine.close()
        await theirs.close()


async def test_redis_session_keys_expire_after_retention(redis_url: str) -> None:
    store = RedisStore(f"{redis_url}?prefix={fresh_prefix()}&retention=100")
    await store.open()
    try:
        expires_at = time.time() + 50
        await store.insert_session(make_session(expires_at=expires_at))
        ttl = await store._r.ttl(store._k("s", "s1"))
        assert 140 <= ttl <= 151
        assert await store._r.ttl(store._k("n", "4", "form", "n1")) == -2
        await store._r.delete(store._k("s", "s1"))  # as if the TTL had run out
        assert await store.list_sessions() == []
        assert await store.due_expiries(FAR) == []
        assert await store._r.zcard(store._k("sessions")) == 0  # stale entries dropped
    finally:
        await store.close()


async def test_redis_concurrent_claimers_never_share_a_delivery(redis_url: str) -> None:
    url = f"{redis_url}?prefix={fresh_prefix()}"
    stores = [RedisStore(url) for _ in range(4)]
    for each in stores:
        await each.open()
    try:
        ids = [f"d{i:03d}" for i in range(200)]
        await stores[0].enqueue(
            [make_delivery(i, next_attempt_at=float(n)) for n, i in enumerate(ids)]
        )

        async def drain(store: Store, owner: str) -> list[str]:
            got: list[str] = []
            while batch := await store.claim_due(
                now=FAR, lease_owner=owner, lease_now=0.0, lease_until=1e18, limit=5
            ):
                for delivery in batch:
                    delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
                    await store.record_attempt(delivery)
                    got.append(delivery.id)
            return got

        results = await asyncio.gather(*(drain(s, f"w{n}") for n, s in enumerate(stores)))
        claimed = [i for got in results for i in got]
        assert sorted(claimed) == ids  # each exactly once
        final = await stores[1].list_deliveries(limit=1000)
        assert {d.status for d in final} == {DeliveryStatus.DELIVERED}
        assert await stores[2].next_due_at() is None
    finally:
        for each in stores:
            await each.close()
