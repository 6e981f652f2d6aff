"""Every query the SQLite store runs reads an index in its own order: no statement scans a
table or sorts a temporary B-tree, so its cost does not grow with the sessions stored. (The
unfiltered listings walk their `created` index from the newest end and stop at `limit`.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mockprovider.storage import sqlite_sql as sql
from mockprovider.storage.sqlite import SQLiteStore
from tests.storage.test_store_contract import make_delivery, make_session

_SESSIONS = "SELECT doc FROM sessions WHERE {} ORDER BY created_at DESC, seq DESC LIMIT ?"
_DELIVERIES = "SELECT doc FROM deliveries WHERE {} ORDER BY created_at DESC, seq DESC LIMIT ?"
QUERIES = {
    "get_session": (f"{sql.SELECT_SESSION} WHERE id = ?", ("s1",)),
    "list_sessions": (_SESSIONS.format("1"), (100,)),
    "list_sessions(provider)": (_SESSIONS.format("provider = ?"), ("gigs", 100)),
    "due_expiries": (sql.DUE_EXPIRIES, (1e12, 100)),
    "claim_due": (sql.CLAIM_DUE, ("w", 1.0, 1e12, 0.0, 10)),
    "next_due_at": ("SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'", ()),
    "list_deliveries": (_DELIVERIES.format("1"), (200,)),
    "list_deliveries(provider)": (_DELIVERIES.format("provider = ?"), ("gigs", 200)),
    "list_deliveries(session)": (_DELIVERIES.format("session_id = ?"), ("s1", 200)),
    "forget_nonces": (sql.FORGET_NONCES, (1.0,)),
    "list_records": (
        "SELECT doc FROM records WHERE provider = ? AND kind = ? ORDER BY seq LIMIT ?",
        ("bridge", "user", 10),
    ),
}

ORDERED_WALKS = {
    "list_sessions": "SCAN sessions USING INDEX sessions_created",
    "list_deliveries": "SCAN deliveries USING INDEX deliveries_created",
}


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a few thousand rows and fresh statistics, so the planner sees real data."""
    import asyncio

    path = tmp_path_factory.mktemp("plans") / "s.db"

    async def fill() -> None:
        store = SQLiteStore(path)
        await store.open()
        for n in range(2000):
            session = make_session(f"s{n}", provider=("gigs", "topiic")[n % 2])
            await store.insert_session(session)
        await store.enqueue([make_delivery(f"d{n}", session_id=f"s{n}") for n in range(2000)])
        await store.close()

    asyncio.run(fill())
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")
    return path


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_reads_an_index_in_order(filled: Path, name: str) -> None:
    query, args = QUERIES[name]
    with sqlite3.connect(filled) as conn:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", args)]
    assert plan
    assert not [step for step in plan if "TEMP B-TREE" in step], plan
    walk = ORDERED_WALKS.get(name)
    assert [step for step in plan if step.startswith("SCAN")] == ([walk] if walk else []), plan
