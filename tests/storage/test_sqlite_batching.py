"""The SQLite store's group commit and read cache: concurrent writes share a transaction but
each caller gets its own answer, and a cached read never hides another connection's commit."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import mockprovider
from mockprovider.core.sessions import SessionStatus
from mockprovider.errors import Conflict, InvalidInput
from mockprovider.storage.factory import open_store
from mockprovider.storage.sqlite import SQLiteStore
from tests.storage.test_store_contract import make_delivery, make_session
from tests.support import wait_until


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "s.db")
    await opened.open()
    yield opened
    await opened.close()


def count_commits(store: SQLiteStore) -> list[int]:
    sizes: list[int] = []
    store.batches.on_commit = sizes.append
    return sizes


async def test_concurrent_finishes_share_one_commit_and_each_gets_its_answer(
    store: SQLiteStore,
) -> None:
    ids = [f"s{i:02d}" for i in range(20)]
    for sid in ids:
        await store.insert_session(make_session(sid))
    sizes = count_commits(store)

    async def finish(sid: str) -> bool:
        session = make_session(sid)
        session.status, session.outcome = SessionStatus.FINISHED, f"won-{sid}"
        hooks = [make_delivery(f"d-{sid}", session_id=sid)]
        return await store.finish_session(session, expected=SessionStatus.CREATED, deliveries=hooks)

    assert await asyncio.gather(*(finish(sid) for sid in ids)) == [True] * 20
    assert sizes == [20]  # one transaction for the twenty finishes
    for sid in ids:
        stored = await store.get_session(sid)
        assert stored is not None
        assert stored.outcome == f"won-{sid}"
        assert [d.id for d in await store.list_deliveries(session_id=sid)] == [f"d-{sid}"]


async def test_two_finishes_of_one_session_in_one_batch_let_exactly_one_win(
    store: SQLiteStore,
) -> None:
    await store.insert_session(make_session("s1"))
    sizes = count_commits(store)

    async def finish(outcome: str) -> bool:
        session = make_session("s1")
        session.status, session.outcome = SessionStatus.FINISHED, outcome
        hook = make_delivery(f"d-{outcome}")
        return await store.finish_session(
            session, expected=SessionStatus.CREATED, deliveries=[hook]
        )

    assert list(await asyncio.gather(finish("first"), finish("second"))) == [True, False]
    assert sizes == [2]
    stored = await store.get_session("s1")
    assert stored is not None
    assert stored.outcome == "first"
    assert [d.id for d in await store.list_deliveries(session_id="s1")] == ["d-first"]


async def test_a_failing_write_is_undone_alone_and_only_its_caller_sees_the_error(
    store: SQLiteStore,
) -> None:
    await store.enqueue([make_delivery("taken")])
    for sid in ("a", "b"):
        await store.insert_session(make_session(sid))
    sizes = count_commits(store)

    async def finish(sid: str, delivery_id: str) -> bool:
        session = make_session(sid)
        session.status = SessionStatus.FINISHED
        hooks = [make_delivery(delivery_id, session_id=sid)]
        return await store.finish_session(session, expected=SessionStatus.CREATED, deliveries=hooks)

    results = await asyncio.gather(
        finish("a", "taken"), finish("b", "fresh"), return_exceptions=True
    )
    assert isinstance(results[0], Conflict)
    assert results[1] is True
    assert sizes == [2]
    a, b = await store.get_session("a"), await store.get_session("b")
    assert a is not None
    assert a.status is SessionStatus.CREATED
    assert b is not None
    assert b.status is SessionStatus.FINISHED


async def test_a_wider_window_still_answers_every_write_after_its_commit(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 's.db'}?commit_window_ms=1")
    assert isinstance(store, SQLiteStore)
    assert store.batches.window == 0.001
    await store.open()
    try:
        sizes = count_commits(store)
        sessions = [make_session(f"s{i}") for i in range(5)]
        await asyncio.gather(*(store.insert_session(s) for s in sessions))
        assert sizes == [5]
        assert [await store.get_session(s.id) for s in sessions] == sessions
    finally:
        await store.close()


async def test_reads_are_served_from_memory_until_another_connection_commits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    mine, other = SQLiteStore(path), SQLiteStore(path)
    await mine.open()
    await other.open()
    try:
        await mine.insert_session(make_session("s1"))
        await mine.put_settings("topiic", {"latency_ms": 5})
        cache = mine._cache
        assert cache is not None
        for _ in range(2):  # the first read may refill (other.open() committed its schema)
            before = cache.hits
            assert (await mine.get_session("s1")) == make_session("s1")
            assert await mine.get_settings("topiic") == {"latency_ms": 5}
        assert cache.hits == before + 2  # the second time both came from memory

        done = make_session("s1")
        done.status, done.outcome = SessionStatus.FINISHED, "paid"
        assert await other.save_session(done, expected=SessionStatus.CREATED)
        await other.put_settings("topiic", {"latency_ms": 9})
        await other.add_clock_offset(30.0)
        assert await mine.get_session("s1") == done  # no stale read
        assert await mine.get_settings("topiic") == {"latency_ms": 9}
        assert await mine.get_clock_offset() == 30.0
        assert not await mine.save_session(make_session("s1"), expected=SessionStatus.CREATED)
    finally:
        await mine.close()
        await other.close()


_WRITER = """
import asyncio, sys
from mockprovider.core.sessions import SessionStatus
from mockprovider.storage.sqlite import SQLiteStore
from tests.storage.test_store_contract import make_session

async def main() -> None:
    store = SQLiteStore(sys.argv[1])
    await store.open()
    done = make_session("s1")
    done.status, done.outcome = SessionStatus.FINISHED, "from-another-process"
    assert await store.save_session(done, expected=SessionStatus.CREATED)
    await store.close()

asyncio.run(main())
"""


async def test_another_process_s_commit_is_seen_by_the_next_read(store: SQLiteStore) -> None:
    await store.insert_session(make_session("s1"))
    assert (await store.get_session("s1")) == make_session("s1")  # cached
    root = str(Path(mockprovider.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", _WRITER, str(store.path)], env=env, cwd=root, timeout=60
    )
    assert done.returncode == 0
    seen = await store.get_session("s1")
    assert seen is not None
    assert seen.outcome == "from-another-process"


async def test_a_returned_session_is_a_copy_and_reset_empties_the_cache(
    store: SQLiteStore,
) -> None:
    await store.insert_session(make_session("s1"))
    first = await store.get_session("s1")
    assert first is not None
    first.history.append({"event": "not saved"})
    assert await store.get_session("s1") == make_session("s1")
    await store.reset()
    assert await store.get_session("s1") is None


def test_sqlite_url_options_are_read_and_bad_ones_refused(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 's.db'}?cache=0&commit_window_ms=0.5")
    assert isinstance(store, SQLiteStore)
    assert (store.cache_size, store.batches.window, store.path) == (0, 0.0005, tmp_path / "s.db")
    with pytest.raises(InvalidInput, match="commit_window_ms='soon'"):
        open_store(f"sqlite:{tmp_path / 's.db'}?commit_window_ms=soon")
    alone = open_store(f"sqlite:{tmp_path / 's.db'}?group_commit=0")
    assert isinstance(alone, SQLiteStore)
    assert not alone.batches.enabled
    with pytest.raises(InvalidInput, match="unknown option 'fast'"):
        open_store(f"sqlite:{tmp_path / 's.db'}?fast=1")


async def test_without_group_commit_each_write_commits_alone(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db", group_commit=False)
    await store.open()
    try:
        sizes = count_commits(store)
        await asyncio.gather(*(store.insert_session(make_session(f"s{i}")) for i in range(3)))
        assert sizes == [1, 1, 1]
    finally:
        await store.close()


async def test_a_write_waits_for_another_process_s_lock_without_blocking_reads(
    store: SQLiteStore,
) -> None:
    await store.insert_session(make_session("s1"))
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another worker holds the write lock
        done = make_session("s1")
        done.status = SessionStatus.FINISHED
        finish = asyncio.create_task(
            store.finish_session(done, expected=SessionStatus.CREATED, deliveries=[])
        )
        await wait_until(lambda: store.batches.waiting, interval=0.001)
        assert await store.get_session("s1") == make_session("s1")  # the loop still serves
        assert not finish.done()
        other.execute("COMMIT")
        assert await asyncio.wait_for(finish, 10.0)
    finally:
        other.close()
    stored = await store.get_session("s1")
    assert stored is not None
    assert stored.status is SessionStatus.FINISHED


async def test_a_lock_held_past_lock_timeout_fails_the_batch_clearly(store: SQLiteStore) -> None:
    store.batches.busy_ms = 50  # what SQLite's own busy handler then waits
    await store.insert_session(make_session("s0"))
    store.batches.lock_timeout = 0.0
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await store.insert_session(make_session("s1"))
        other.execute("ROLLBACK")
    finally:
        other.close()
    await store.insert_session(make_session("s1"))  # the store works again
