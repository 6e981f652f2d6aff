"""`TenantRegistry`: the tenants of one sandbox, kept in a store of their own, with the index
from provider credentials to the tenant that owns them.

Several processes (workers, Redis replicas) share the registry's store: each keeps a copy it
reloads on a miss (`find`) and on `load()` (the app calls it every couple of seconds, so a
delete through one replica is noticed by the others)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.core.store import Store
from mockprovider.core.tenants import DEFAULT, RECORD, Claims, Tenant, token_matches
from mockprovider.errors import Conflict, NotFound

#: More tenants than a shared sandbox holds; the registry reads them all on `load()`.
MAX_TENANTS = 100_000


class TenantRegistry:
    """Named tenants (`default` is implicit and never stored) and the credential index."""

    def __init__(self, store: Store, claims: Claims) -> None:
        self.store = store
        self._claims = claims
        self._tenants: dict[str, Tenant] = {}
        #: (provider, credential) -> the tenant owning it (tenants with shared credentials
        #: are not in it: a shared credential resolves to its owner, else `default`).
        self._index: dict[tuple[str, str], str] = {}
        #: False while no tenant claims credentials of its own (no lookup is needed); a plain
        #: attribute, read on every provider request.
        self.any_owned_credentials = False

    async def load(self) -> None:
        """Read every tenant again and rebuild the index."""
        docs = await self.store.list_records(*RECORD, limit=MAX_TENANTS)
        tenants = {doc["name"]: Tenant.from_dict(doc) for doc in docs}
        index: dict[tuple[str, str], str] = {}
        for tenant in tenants.values():
            if not tenant.shared_credentials:
                for claim in self._claims(tenant.settings):
                    index[claim] = tenant.name
        self._tenants, self._index = tenants, index
        self.any_owned_credentials = bool(index)

    def names(self) -> list[str]:
        return sorted(self._tenants)

    def get(self, name: str) -> Tenant | None:
        """The tenant as last loaded (no store access)."""
        return self._tenants.get(name)

    async def find(self, name: str) -> Tenant | None:
        """The tenant, reloading the registry once if this process has not seen it yet."""
        if name not in self._tenants:
            await self.load()
        return self._tenants.get(name)

    def owner(self, provider: str, credential: str) -> str | None:
        """The tenant whose settings claim `credential` for `provider`, if any."""
        return self._index.get((provider, credential))

    def clash(
        self,
        tenant: Tenant,
        settings: Mapping[str, Mapping[str, Any]],
        default_settings: Mapping[str, Mapping[str, Any]],
    ) -> Conflict | None:
        """Why `tenant` may not claim its credentials (another tenant, or `default`, has one),
        or None, for `tenant` with `settings` (its own, or as a change would make them); a
        tenant with `shared_credentials` never clashes."""
        if tenant.shared_credentials:
            return None
        taken = dict.fromkeys(self._claims(default_settings), DEFAULT)
        taken.update(self._index)
        for provider, credential in self._claims(settings):
            held = taken.get((provider, credential))
            if held is not None and held != tenant.name:
                return Conflict(
                    f"the {provider} credential {credential!r} is already tenant {held!r}'s:"
                    " give this tenant its own, or create it with"
                    ' "shared_credentials": true (then it is reached by its path prefix only)'
                )
        return None

    async def create(self, tenant: Tenant) -> None:
        """Store a new tenant; `Conflict` if the name is taken (or is `default`)."""
        if tenant.name == DEFAULT or not await self.store.insert_record(
            *RECORD, tenant.name, tenant.to_dict()
        ):
            raise Conflict(f"tenant {tenant.name!r} exists already")
        await self.load()

    async def save(self, tenant: Tenant) -> None:
        """Replace a stored tenant (its settings or token changed)."""
        await self.store.put_record(*RECORD, tenant.name, tenant.to_dict())
        await self.load()

    async def delete(self, name: str) -> Tenant:
        found = await self.find(name)
        if found is None:
            raise NotFound(f"no tenant {name!r}")
        await self.store.delete_record(*RECORD, name)
        await self.load()
        return found

    async def tenant_token_matches(self, tenant: str, token: str) -> bool:
        """Whether `token` is `tenant`'s own (the access guard's verifier; never `default`)."""
        if tenant == DEFAULT:
            return False
        found = await self.find(tenant)
        return found is not None and token_matches(token, found.token_hash)
