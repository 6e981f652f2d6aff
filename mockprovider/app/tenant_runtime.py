"""One named tenant's running parts: its store, engine, webhook dispatcher and web context."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockprovider.clock import Clock
from mockprovider.core.engine import Sandbox
from mockprovider.core.scenarios import ScenarioSet
from mockprovider.core.store import Store
from mockprovider.core.tenants import Tenant
from mockprovider.core.tokens import TokenSigner
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.storage.factory import open_store, tenant_store_url
from mockprovider.web.context import AppContext
from mockprovider.web.provider import WebProvider

if TYPE_CHECKING:
    import httpx
    import jinja2

#: Where a named tenant's URLs live: `/_t/<name>/<provider>/…`, `/_t/<name>/_sandbox/…`.
PATH_PREFIX = "/_t/"


@dataclass(frozen=True)
class SharedParts:
    """What every tenant's runtime is built from (the app's, shared by all tenants)."""

    store_url: str
    clock: Clock
    providers: Sequence[WebProvider]
    scenarios: ScenarioSet
    templates: Callable[[], jinja2.Environment]
    public_url: str | None
    client: httpx.AsyncClient | None
    dispatch: bool


@dataclass
class TenantRuntime:
    tenant: Tenant
    store: Store
    ctx: AppContext
    task: asyncio.Task[None] | None = None

    @property
    def sandbox(self) -> Sandbox:
        return self.ctx.sandbox

    @classmethod
    async def start(cls, tenant: Tenant, parts: SharedParts, secret: str) -> TenantRuntime:
        """Open the tenant's store and run its dispatcher (if the app dispatches)."""
        store = open_store(tenant_store_url(parts.store_url, tenant.name))
        await store.open()
        sandbox = Sandbox(
            store,
            parts.clock,
            parts.providers,
            parts.scenarios,
            configured=tenant.settings,
            limits=tenant.limits,
        )
        dispatcher = Dispatcher(
            store,
            parts.clock,
            {p.name: p.delivery for p in parts.providers},
            sandbox.settings,
            client=parts.client,
            housekeeping=sandbox.expire_due,
        )
        sandbox.on_enqueue(dispatcher.wake)
        ctx = AppContext(
            sandbox,
            TokenSigner(f"{secret}/tenant/{tenant.name}"),
            parts.templates,
            dispatcher,
            parts.public_url,
            tenant=tenant.name,
            prefix=PATH_PREFIX + tenant.name,
        )
        task = asyncio.create_task(dispatcher.run_forever()) if parts.dispatch else None
        return cls(tenant, store, ctx, task)

    async def stop(self, *, own_client: bool, forget: bool = False) -> None:
        """Stop the dispatcher and close the store; `forget` destroys it instead (the tenant
        was deleted: its rows, keys or file go)."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if own_client:
            await self.ctx.dispatcher.aclose()
        await (self.store.destroy() if forget else self.store.close())
