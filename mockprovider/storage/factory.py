"""Choosing a store from its URL: `memory`, `sqlite:PATH` (or a bare path ending .db),
`redis://HOST:PORT/DB[?prefix=P&retention=S]` (`rediss://` for TLS)."""

from __future__ import annotations

from pathlib import Path

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

        path = url.removeprefix("sqlite://").removeprefix("sqlite:")
        return SQLiteStore(Path(path))
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
