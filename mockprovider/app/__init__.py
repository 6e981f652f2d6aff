"""`create_app(config, …)` → the Starlette app: one Mount per provider, `/_sandbox`, and a
lifespan that opens the store, mints the token secret and runs the webhook dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from mockprovider.app.registry import all_providers, provider_infos
from mockprovider.app.tenancy import TenantHub
from mockprovider.app.tenant_body import TenantRequest
from mockprovider.app.tenant_routes import tenant_routes
from mockprovider.app.tenant_runtime import SharedParts
from mockprovider.clock import Clock, SystemClock
from mockprovider.config import Config
from mockprovider.core.engine import Sandbox
from mockprovider.core.limits import Limits
from mockprovider.core.scenario_files import load_scenarios
from mockprovider.core.scenarios import ScenarioSet
from mockprovider.core.store import Store
from mockprovider.core.tokens import TokenSigner
from mockprovider.core.webhooks.dispatcher import Dispatcher
from mockprovider.resources import scenarios_dir, templates_dir
from mockprovider.storage.factory import open_store
from mockprovider.web.access import AccessControl, AccessPolicy, TenantTokenVerifier
from mockprovider.web.api_fault_routes import ApiFaultsMiddleware
from mockprovider.web.context import AppContext
from mockprovider.web.control import control_routes
from mockprovider.web.dashboard import dashboard_routes
from mockprovider.web.errors import HANDLERS
from mockprovider.web.favicon import favicon_routes
from mockprovider.web.hosted import hosted_routes
from mockprovider.web.hosted_front import HostedFront
from mockprovider.web.inbox import inbox_routes
from mockprovider.web.mount import provider_mount
from mockprovider.web.provider import WebProvider
from mockprovider.web.tenant_paths import TenantRouter

if TYPE_CHECKING:
    import httpx
    import jinja2


def make_templates(folders: Sequence[Path]) -> jinja2.Environment:
    import jinja2  # imported by the first page rendered, not at start-up: it loads slowly

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in folders]),
        autoescape=True,
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
    )


def load_all_scenarios(config: Config, providers: Sequence[WebProvider]) -> ScenarioSet:
    """Built-in scenarios plus the config's directories; `ConfigError` lists every problem."""
    return load_scenarios([scenarios_dir()], config.scenario_dirs, provider_infos(tuple(providers)))


def _routes(providers: Sequence[WebProvider]) -> list[BaseRoute]:
    sandbox_routes = control_routes() + inbox_routes() + dashboard_routes()
    routes: list[BaseRoute] = [
        Mount("/_sandbox", routes=sandbox_routes + tenant_routes(sandbox_routes), name="sandbox")
    ]
    routes += favicon_routes()
    for provider in providers:
        pages = provider.page_routes() + hosted_routes(provider)
        faults = Middleware(ApiFaultsMiddleware, provider=provider, pages=pages)
        routes.append(provider_mount(provider, pages, [faults]))
    return routes


def create_app(
    config: Config,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    client: httpx.AsyncClient | None = None,
    dispatch: bool = True,
    scenarios: ScenarioSet | None = None,
    providers: Sequence[WebProvider] | None = None,
    template_dirs: Sequence[Path] = (),
    tenant_tokens: TenantTokenVerifier | None = None,
) -> Starlette:
    """Build the app for `providers` (default: every provider of the registry).

    `dispatch=False` leaves webhook sending to explicit `run_once()` calls; `template_dirs`
    are searched before the built-in templates (a provider's own pages, or overrides). With
    `config.admin_token`, `/_sandbox` needs that token, or a tenant's own token on its routes
    as `tenant_tokens` tells (default: the tenant registry's; `web.access`). Named tenants
    (`app.tenancy`) live beside the default one, each in a store of its own."""
    providers = tuple(providers) if providers is not None else all_providers()
    store = store or open_store(config.store)
    clock = clock or SystemClock()
    scenario_set = scenarios or load_all_scenarios(config, providers)
    default_limits = Limits.from_dict(config.limits, Limits())
    sandbox = Sandbox(
        store, clock, providers, scenario_set, configured=config.providers, limits=default_limits
    )
    dispatcher = Dispatcher(
        store,
        clock,
        {p.name: p.delivery for p in providers},
        sandbox.settings,
        client=client,
        housekeeping=sandbox.expire_due,
    )
    sandbox.on_enqueue(dispatcher.wake)
    # looked up now: a missing built-in folder still stops the start
    templates_folders = [*template_dirs, templates_dir()]

    @functools.cache
    def templates() -> jinja2.Environment:  # built when the first page is rendered
        return make_templates(templates_folders)

    parts = SharedParts(
        config.store, clock, providers, scenario_set, templates, config.public_url, client, dispatch
    )
    hub = TenantHub(parts)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        await store.open()
        secret = config.secret_key or await store.get_or_create_secret(secrets.token_urlsafe(32))
        if access is not None:
            access.use_secret(secret)
        app.state.ctx = AppContext(
            sandbox, TokenSigner(secret), templates, dispatcher, config.public_url
        )
        await hub.open(app.state.ctx, secret)
        await put_config_tenants(hub, config, await sandbox.now())
        task = asyncio.create_task(dispatcher.run_forever()) if dispatch else None
        try:
            yield {}
        finally:
            await hub.aclose()
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await dispatcher.aclose()
            await store.close()

    verifier = tenant_tokens or hub.registry.tenant_token_matches
    access = AccessPolicy(config.admin_token, verifier) if config.admin_token else None
    guard = [Middleware(AccessControl, policy=access)] if access is not None else []
    front = Middleware(HostedFront, providers=providers)  # the hosted page's short path
    by_name = {provider.name: provider for provider in providers}
    router = Middleware(TenantRouter, tenants=hub, providers=by_name)
    app = Starlette(
        routes=_routes(providers),
        middleware=[router, front, *guard],
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    app.state.dispatcher = dispatcher
    app.state.tenants = hub
    app.state.providers = by_name
    return app


async def put_config_tenants(hub: TenantHub, config: Config, now: float) -> None:
    """Create (or bring up to date) the config file's tenants."""
    for name, entry in config.tenants.items():
        wanted = TenantRequest.from_body(
            {"name": name, **entry}, hub.parts.providers, Limits.named_default()
        )
        await hub.put_config_tenant(wanted, now)
