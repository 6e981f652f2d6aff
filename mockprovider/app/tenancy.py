"""`TenantHub`: the default tenant (today's app, unchanged) and the named tenants, opened on
first use from the registry and closed when deleted (here or, within `REFRESH` seconds, on
another replica)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from mockprovider.app.tenant_body import TenantRequest
from mockprovider.app.tenant_runtime import SharedParts, TenantRuntime
from mockprovider.core import provider_settings
from mockprovider.core.store import Store
from mockprovider.core.tenant_registry import TenantRegistry
from mockprovider.core.tenants import DEFAULT, Tenant, hash_token, token_matches
from mockprovider.errors import Conflict, NotFound
from mockprovider.storage.factory import open_store, tenant_store_url
from mockprovider.web.context import AppContext

#: Seconds between registry reloads (how soon a tenant deleted elsewhere is let go).
REFRESH = 2.0


class TenantHub:
    """Every tenant's `AppContext` by name, and the credential → tenant lookup."""

    def __init__(self, parts: SharedParts, registry_store: Store | None = None) -> None:
        self.parts = parts
        store = registry_store or open_store(tenant_store_url(parts.store_url, "_registry"))
        self.registry = TenantRegistry(store, self.claims)
        self.default: AppContext | None = None
        self._secret = ""
        self._running: dict[str, TenantRuntime] = {}
        self._lock = asyncio.Lock()
        self._refresher: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def open(self, default: AppContext, secret: str) -> None:
        self.default, self._secret = default, secret
        await self.registry.store.open()
        await self.registry.load()
        self._refresher = asyncio.create_task(self._refresh_forever())

    async def aclose(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        for name in list(self._running):
            await self._running.pop(name).stop(own_client=self.parts.client is None)
        await self.registry.store.close()

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            with contextlib.suppress(Exception):  # a store hiccup: try again next round
                await self.refresh()

    async def refresh(self) -> None:
        """Reload the registry; let go of tenants deleted elsewhere, re-read changed ones."""
        await self.registry.load()
        for name in list(self._running):
            found = self.registry.get(name)
            if found is None:
                await self._running.pop(name).stop(own_client=self.parts.client is None)
            elif found.settings != self._running[name].tenant.settings:
                self._running[name].tenant = found
                self._running[name].sandbox.configure(found.settings)

    # -- lookup -----------------------------------------------------------------------------------
    def claims(self, settings: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str]]:
        """The (provider, credential) pairs `settings` (by provider, each over its defaults)
        claim; a provider `settings` leaves out claims nothing."""
        found = []
        for provider in self.parts.providers:
            if provider.name not in settings:
                continue
            merged = provider_settings.merge(provider.settings, settings[provider.name])
            found += [(provider.name, c) for c in provider.settings_credentials(merged)]
        return found

    def owner_of(self, provider: str, credential: str) -> str | None:
        return self.registry.owner(provider, credential)

    @property
    def any_owned_credentials(self) -> bool:
        return self.registry.any_owned_credentials

    def running_context(self, name: str) -> AppContext | None:
        """The context of `default` or of a tenant already open here (no store access)."""
        if name == DEFAULT:
            return self.default
        running = self._running.get(name)
        return running.ctx if running is not None else None

    async def context(self, name: str) -> AppContext | None:
        """The tenant's context (opening it on first use), or None for an unknown tenant."""
        if name == DEFAULT:
            return self.default
        running = self._running.get(name)
        if running is not None:
            return running.ctx
        tenant = await self.registry.find(name)
        if tenant is None:
            return None
        async with self._lock:
            if name not in self._running:
                self._running[name] = await TenantRuntime.start(tenant, self.parts, self._secret)
            return self._running[name].ctx

    async def default_settings(self) -> dict[str, dict[str, Any]]:
        assert self.default is not None
        sandbox = self.default.sandbox
        return {p.name: await sandbox.settings(p.name) for p in self.parts.providers}

    # -- management ---------------------------------------------------------------------------
    async def create(self, request: TenantRequest, now: float) -> tuple[Tenant, str]:
        """Store a new tenant; returns it and its token (generated unless given)."""
        token = request.token_or_new()
        settings = request.settings_over(
            {} if request.shared_credentials else self.defaults_for(request.name)
        )
        tenant = Tenant(
            request.name,
            hash_token(token),
            settings,
            request.shared_credentials,
            request.limits,
            now,
        )
        clash = self.registry.clash(tenant, settings, await self.default_settings())
        if clash is not None:
            raise clash
        await self.registry.create(tenant)
        return tenant, token

    def defaults_for(self, name: str) -> dict[str, dict[str, Any]]:
        """Each provider's own credentials for a new tenant (`tenant_defaults`)."""
        found = {p.name: p.tenant_defaults(name) for p in self.parts.providers}
        return {k: v for k, v in found.items() if v}

    async def put_config_tenant(self, request: TenantRequest, now: float) -> None:
        """A tenant of the config file: created if missing, its token and settings updated
        if they changed (every replica may run this at start-up)."""
        found = await self.registry.find(request.name)
        if found is None:
            with contextlib.suppress(Conflict):  # another replica created it a moment ago
                await self.create(request, now)
                return
            found = await self.registry.find(request.name)
        assert found is not None
        before = found.to_dict()
        settings = request.settings_over(
            {} if request.shared_credentials else self._kept_defaults(found)
        )
        if request.token is not None and not token_matches(request.token, found.token_hash):
            found.token_hash = hash_token(request.token)
        found.settings, found.limits = settings, request.limits
        found.shared_credentials = request.shared_credentials
        clash = self.registry.clash(found, settings, await self.default_settings())
        if clash is not None:
            raise clash
        if found.to_dict() != before:
            await self.registry.save(found)

    def _kept_defaults(self, tenant: Tenant) -> dict[str, dict[str, Any]]:
        """The generated credentials of `tenant` as stored (each replica generates others),
        new defaults only for what it lacks."""
        return {
            provider: {
                key: tenant.settings.get(provider, {}).get(key, v) for key, v in made.items()
            }
            for provider, made in self.defaults_for(tenant.name).items()
        }

    async def delete(self, name: str) -> None:
        if name == DEFAULT:
            raise Conflict("the default tenant cannot be deleted (reset it instead)")
        tenant = await self.registry.delete(name)
        running = self._running.pop(name, None)
        if running is None:
            running = await TenantRuntime.start(tenant, self.parts, self._secret)
        await running.stop(own_client=self.parts.client is None, forget=True)

    async def update_settings(
        self, ctx: AppContext, provider: str, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A settings change of one tenant; 409 if it would take another tenant's credential.
        A named tenant's changed credentials are saved with it (the index, other replicas)."""
        sandbox = ctx.sandbox
        tenant = self.registry.get(ctx.tenant) if ctx.tenant != DEFAULT else Tenant(DEFAULT)
        if tenant is None:
            raise NotFound(f"no tenant {ctx.tenant!r}")
        sandbox.provider(provider)  # NotFound for an unknown provider
        current = await sandbox.settings(provider)  # only this provider's claims can change
        after = {provider: provider_settings.overlay(current, values)}
        changed = self.claims(after) != self.claims({provider: current})
        if changed:
            taken = {} if tenant.name == DEFAULT else await self.default_settings()
            clash = self.registry.clash(tenant, after, taken)
            if clash is not None:
                raise clash
        answer = await sandbox.update_settings(provider, values)
        if changed and tenant.name != DEFAULT:
            own = dict(tenant.settings)
            own[provider] = provider_settings.overlay(own.get(provider, {}), values)
            tenant.settings = own
            await self.registry.save(tenant)
            sandbox.configure(own)
        return answer
