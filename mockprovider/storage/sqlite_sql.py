"""The SQL text of the SQLite store: schema and the statements that need more than a line."""

from __future__ import annotations

from mockprovider.core.sessions import EXPIRABLE_STATUSES

#: The statuses `due_expiries` reads, as SQL literals: the partial index and the query must
#: name them alike for SQLite to use the index.
EXPIRABLE = ", ".join(f"'{s.value}'" for s in sorted(EXPIRABLE_STATUSES))

#: Bumped whenever the schema changes; a state file of another version is refused.
SCHEMA_VERSION = 3

# `seq` is the rowid: insertion order (ties of `created_at`), appended without an extra index.
# Every listing has an index in its own order (filter columns, then created_at, seq), so it
# reads `limit` rows however many are stored (EXPLAIN QUERY PLAN: no SCAN, no TEMP B-TREE;
# `tests/storage/test_sqlite_plans.py`). A session's provider and created_at never change, so
# the compare-and-set does not write them (nor touch the indexes on them).
SCHEMA = f"""
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS sessions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL,
    expires_at REAL NOT NULL, doc TEXT NOT NULL);
DROP INDEX IF EXISTS sessions_status_expires;
CREATE INDEX IF NOT EXISTS sessions_expiring ON sessions (expires_at, seq)
    WHERE status IN ({EXPIRABLE});
CREATE INDEX IF NOT EXISTS sessions_created ON sessions (created_at, seq);
CREATE INDEX IF NOT EXISTS sessions_provider_created ON sessions (provider, created_at, seq);
CREATE TABLE IF NOT EXISTS deliveries (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL, session_id TEXT, status TEXT NOT NULL, next_attempt_at REAL,
    lease_until REAL, lease_owner TEXT, created_at REAL NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_status_next ON deliveries (status, next_attempt_at);
DROP INDEX IF EXISTS deliveries_session;
CREATE INDEX IF NOT EXISTS deliveries_session_created ON deliveries (session_id, created_at, seq);
CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created_at, seq);
CREATE INDEX IF NOT EXISTS deliveries_provider_created ON deliveries (provider, created_at, seq);
CREATE TABLE IF NOT EXISTS nonces (scope TEXT NOT NULL, nonce TEXT NOT NULL,
    expires_at REAL NOT NULL, PRIMARY KEY (scope, nonce));
CREATE INDEX IF NOT EXISTS nonces_expires ON nonces (expires_at);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, provider TEXT NOT NULL,
    kind TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (provider, kind, key));
CREATE INDEX IF NOT EXISTS records_kind_seq ON records (provider, kind, seq);
PRAGMA user_version = {SCHEMA_VERSION};
COMMIT;
"""

INSERT_SESSION = """
INSERT INTO sessions (id, provider, status, created_at, expires_at, doc)
VALUES (?, ?, ?, ?, ?, ?)
"""
CAS_SESSION = """
UPDATE sessions SET status = ?, expires_at = ?, doc = ?
WHERE id = ? AND status = ?
"""
INSERT_DELIVERY = """
INSERT INTO deliveries (id, provider, session_id, status, next_attempt_at, lease_until,
                        lease_owner, created_at, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
CLAIM_DUE = """
UPDATE deliveries SET lease_owner = ?, lease_until = ?
WHERE id IN (
    SELECT id FROM deliveries
    WHERE status = 'pending' AND next_attempt_at <= ?
      AND (lease_until IS NULL OR lease_until < ?)
    ORDER BY next_attempt_at, seq LIMIT ?
)
RETURNING doc, lease_owner, lease_until, next_attempt_at, seq
"""
UPDATE_DELIVERY = """
UPDATE deliveries SET status = ?, next_attempt_at = ?, doc = ?, lease_owner = NULL,
    lease_until = NULL WHERE id = ?
"""
SELECT_SESSION = "SELECT doc FROM sessions"
SELECT_DELIVERY = "SELECT doc, lease_owner, lease_until FROM deliveries"
FORGET_NONCES = "DELETE FROM nonces WHERE expires_at < ?"
CLAIM_NONCE = "INSERT OR IGNORE INTO nonces (scope, nonce, expires_at) VALUES (?, ?, ?)"
PUT_KV = """
INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
ADD_KV = "INSERT OR IGNORE INTO kv (key, value) VALUES (?, ?)"
DUE_EXPIRIES = f"""
SELECT doc FROM sessions WHERE status IN ({EXPIRABLE}) AND expires_at <= ?
ORDER BY expires_at, seq LIMIT ?
"""  # noqa: S608 - EXPIRABLE holds our own enum's values
