"""A provider's own records (Bridge users, tokens and items …), kept in the store under the
provider's name so providers never touch storage directly and `reset` forgets them too."""

from __future__ import annotations

from typing import Any

from mockprovider.core.store import Store


class Records:
    """The records of one provider, by kind and key."""

    def __init__(self, store: Store, provider: str) -> None:
        self._store = store
        self._provider = provider

    async def insert(self, kind: str, key: str, doc: dict[str, Any]) -> bool:
        """Add a record; False if `key` is taken (nothing written)."""
        return await self._store.insert_record(self._provider, kind, key, doc)

    async def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        await self._store.put_record(self._provider, kind, key, doc)

    async def get(self, kind: str, key: str) -> dict[str, Any] | None:
        return await self._store.get_record(self._provider, kind, key)

    async def list(self, kind: str, *, limit: int = 1000) -> list[dict[str, Any]]:
        return await self._store.list_records(self._provider, kind, limit=limit)
