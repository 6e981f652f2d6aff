"""`/_sandbox/tenants`: creating, listing and deleting tenants (admin only, `web.access`), and
the mount that serves every control route again below `/_sandbox/tenants/{tenant}`."""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from mockprovider.app.tenancy import TenantHub
from mockprovider.app.tenant_body import TenantRequest
from mockprovider.app.tenant_runtime import PATH_PREFIX
from mockprovider.core.limits import Limits
from mockprovider.core.tenants import DEFAULT, NAME, Tenant
from mockprovider.errors import NotFound
from mockprovider.web.context import context
from mockprovider.web.control import json_body
from mockprovider.web.tenant_paths import TenantScope


def _hub(request: Request) -> TenantHub:
    hub: TenantHub = request.app.state.tenants
    return hub


def tenant_view(request: Request, tenant: Tenant) -> dict[str, Any]:
    """A tenant as the control API shows it (never its token or the token's hash)."""
    base = context(request).base_url(request) + PATH_PREFIX + tenant.name
    providers = [p.name for p in _hub(request).parts.providers]
    return {
        "name": tenant.name,
        "shared_credentials": tenant.shared_credentials,
        "settings": tenant.settings,
        "limits": tenant.limits.as_dict(),
        "created_at": tenant.created_at,
        "control_url": f"{base}/_sandbox",
        "base_urls": {name: f"{base}/{name}" for name in providers},
    }


async def tenants(request: Request) -> Response:
    hub = _hub(request)
    if request.method == "POST":
        body = await json_body(request)
        wanted = TenantRequest.from_body(body, hub.parts.providers, Limits.named_default())
        tenant, token = await hub.create(wanted, await context(request).sandbox.now())
        return JSONResponse({**tenant_view(request, tenant), "token": token}, status_code=201)
    await hub.registry.load()
    found = [hub.registry.get(name) for name in hub.registry.names()]
    default = {"name": DEFAULT, "shared_credentials": False, "default": True}
    views = [tenant_view(request, t) for t in found if t is not None]
    return JSONResponse({"tenants": [default, *views]})


async def tenant(request: Request) -> Response:
    hub = _hub(request)
    name = request.path_params["tenant"]
    if NAME.fullmatch(name) is None:
        raise NotFound(f"no tenant {name[:40]!r}: tenant names are [a-z0-9][a-z0-9-]{{0,39}}")
    if request.method == "DELETE":
        await hub.delete(name)
        return JSONResponse({"deleted": name})
    found = await hub.registry.find(name)
    if found is None:
        raise NotFound(f"no tenant {name!r}")
    return JSONResponse(tenant_view(request, found))


def tenant_routes(sandbox_routes: list[BaseRoute]) -> list[BaseRoute]:
    """The management routes, then `sandbox_routes` again below each tenant."""
    return [
        Route("/tenants", tenants, methods=["GET", "POST"]),
        Route("/tenants/{tenant}", tenant, methods=["GET", "DELETE"]),
        Mount("/tenants/{tenant}", routes=sandbox_routes, middleware=[Middleware(TenantScope)]),
    ]
