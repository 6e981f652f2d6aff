"""Choosing a store from its URL: `memory`,
`sqlite:PATH[?commit_window_ms=W&group_commit=0&cache=N]` (or a bare path ending .db),
`redis://HOST:PORT/DB[?prefix=P&retention=S]` (`rediss://` for TLS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockprovider.core.store import Store
from mockprovider.errors import InvalidInput


def is_memory(url: str) -> bool:
    """True for the in-process store, which worker processes cannot share."""
    return url in {"memory", "memory:", "memory://"}


def open_store(url: str) -> Store:
    """The store `url` names (not yet opened: call `await store.open()`)."""
    if is_memory(url):
        from mockprovider.storage.memory import MemoryStore

        return MemoryStore()
    if url.startswith("sqlite:") or url.endswith(".db"):
        from mockprovider.storage.sqlite import SQLiteStore

        path, _, query = url.removeprefix("sqlite://").removeprefix("sqlite:").partition("?")
        return SQLiteStore(Path(path), **_sqlite_options(url, query))
    if url.startswith(("redis://", "rediss://")):
        try:
            from mockprovider.storage.redis_store import RedisStore
        except ImportError as exc:  # the optional extra is not installed
            raise InvalidInput(
                f"store {url!r} needs redis-py: pip install 'mockprovider[redis]'"
            ) from exc
        return RedisStore(url)
    raise InvalidInput(
        f"unknown store {url!r}: use memory, sqlite:PATH (e.g. sqlite:.mockprovider/state.db)"
        " or redis://HOST:PORT/DB"
    )


def _sqlite_options(url: str, query: str) -> dict[str, Any]:
    """`commit_window_ms` (float, default 0), `group_commit` (1/0, default 1) and `cache`
    (documents, default 10000, 0 = off)."""
    options: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        try:
            if name == "commit_window_ms":
                options["commit_window"] = max(float(value), 0.0) / 1000.0
            elif name == "cache":
                options["cache_size"] = max(int(value), 0)
            elif name == "group_commit":
                options["group_commit"] = int(value) != 0
            else:
                raise InvalidInput(
                    f"unknown option {name!r} in {url!r}:"
                    " use commit_window_ms, group_commit or cache"
                )
        except ValueError as exc:
            raise InvalidInput(f"{name}={value!r} in {url!r}: expected a number") from exc
    return options


def tenant_store_url(url: str, tenant: str) -> str:
    """The store of named tenant `tenant`, beside the default tenant's `url`: a fresh memory
    store, `state.tenant-<tenant>.db` next to `state.db` (same options), or the same Redis
    with the key prefix `<prefix>@<tenant>:` (the default tenant's reset leaves those keys)."""
    if is_memory(url):
        return url
    if url.startswith(("redis://", "rediss://")):
        from mockprovider.storage.redis_codec import DEFAULT_PREFIX

        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        prefix = next((v for k, v in query if k == "prefix"), DEFAULT_PREFIX)
        kept = [(k, v) for k, v in query if k != "prefix"] + [("prefix", f"{prefix}@{tenant}:")]
        return urlunsplit(parts._replace(query=urlencode(kept)))
    scheme = next((s for s in ("sqlite://", "sqlite:") if url.startswith(s)), "")
    path, mark, options = url.removeprefix(scheme).partition("?")
    db = Path(path)
    named = db.with_name(f"{db.stem}.tenant-{tenant}{db.suffix or '.db'}")
    return f"{scheme}{named}{mark}{options}"
