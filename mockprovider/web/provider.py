"""What the web layer needs of a provider beyond the core contract: its routes, its hosted page
and its error shape.

Routes come in two kinds. API routes answer machines: their errors, an unknown path under the
provider's mount and a wrong method are all in the provider's own JSON error shape
(`api_error`). Page routes are what a browser opens (entry links, funnels, bank pages): they keep
HTML error pages and are never failed by a scenario's API faults.

`BaseProvider` gives the common defaults so a provider module only writes what is its own.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from starlette.requests import Request
from starlette.routing import BaseRoute

from mockprovider.core.contract import (
    Choice,
    EffectContext,
    Effects,
    OutcomeSpec,
    ProviderSpec,
    Setting,
)
from mockprovider.core.sessions import Session
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import DeliveryPolicy
from mockprovider.errors import ProviderError


class WebProvider(ProviderSpec, Protocol):
    """A provider as the web layer sees it."""

    @property
    def page_template(self) -> str:
        """Template of the hosted page, relative to `templates/`."""

    #: Operations of the provider's published API the sandbox does not imitate, as
    #: (method, path template) pairs; they answer 501 in the provider's error shape.
    unimplemented: tuple[tuple[str, str], ...]

    def api_routes(self) -> list[BaseRoute]:
        """The provider's API routes, mounted under `/<name>`."""

    def page_routes(self) -> list[BaseRoute]:
        """The browser's routes (entry links, funnels, bank pages), mounted under `/<name>`."""

    def page_context(self, session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Extra template variables for the hosted page."""

    def refine_choice(self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]) -> str:
        """The outcome/scenario a submitted page form really asks for (e.g. test card numbers)."""

    def page_problem(
        self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]
    ) -> str | None:
        """An inline error to show instead of completing (e.g. an invalid card number)."""

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        """An API error in the provider's own shape for `status`: 404 (unknown path), 405 (wrong
        method), 501 (an operation not imitated), and 429 / 5xx for a scenario's `api` faults,
        so integrators' error handling sees the real thing."""

    async def tenant_credential(self, request: Request) -> str | None:
        """The account identity an unprefixed request to this provider carries (project, client
        id, key id …), read cheaply and NOT verified: it only picks the tenant whose settings
        then verify the request. A body it reads must be read with `await request.body()`."""

    def settings_credentials(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """The identities `settings` claim, as `tenant_credential` would read them."""

    def tenant_defaults(self, tenant: str) -> dict[str, Any]:
        """Settings giving a new tenant credentials of its own, in the provider's formats."""


class TenancyHooks(Protocol):
    """What a provider's `tenancy` module gives `BaseProvider` (see `WebProvider`)."""

    def tenant_credential(self, request: Request) -> str | Awaitable[str | None] | None: ...

    def settings_credentials(self, settings: Mapping[str, Any]) -> tuple[str, ...]: ...

    def tenant_defaults(self, tenant: str) -> dict[str, Any]: ...


class BaseProvider:
    """Defaults for the optional parts of a provider."""

    #: The provider's tenant hooks (its `tenancy` module); None: no credentials of its own.
    tenancy: TenancyHooks | None = None

    name: str
    title: str
    outcomes: tuple[OutcomeSpec, ...]
    match_fields: tuple[str, ...] = ()
    settings: tuple[Setting, ...] = ()
    delivery: DeliveryPolicy
    page_template: str

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        raise NotImplementedError

    def on_expire(self, session: Session, ctx: EffectContext) -> list[WebhookMessage]:
        return []

    def match_values(self, session: Session) -> Mapping[str, str]:
        return {}

    def status_label(self, session: Session) -> str:
        return session.status.value

    unimplemented: tuple[tuple[str, str], ...] = ()

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        body = {"error": {"status": status, "message": message}}
        return ProviderError(status, json.dumps(body).encode())

    def api_routes(self) -> list[BaseRoute]:
        return []

    def page_routes(self) -> list[BaseRoute]:
        return []

    def page_context(self, session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def refine_choice(self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]) -> str:
        return name

    def page_problem(
        self, form: Mapping[str, str], name: str, settings: Mapping[str, Any]
    ) -> str | None:
        return None

    async def tenant_credential(self, request: Request) -> str | None:
        if self.tenancy is None:
            return None
        found = self.tenancy.tenant_credential(request)
        return await found if inspect.isawaitable(found) else found

    def settings_credentials(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        return self.tenancy.settings_credentials(settings) if self.tenancy else ()

    def tenant_defaults(self, tenant: str) -> dict[str, Any]:
        return self.tenancy.tenant_defaults(tenant) if self.tenancy else {}


def with_params(
    defaults: list[tuple[str, str]], overrides: Mapping[str, str]
) -> list[tuple[str, str]]:
    """A provider's redirect params with a scenario's overrides: same keys replaced in place,
    new keys appended."""
    replaced = [(k, overrides.get(k, v)) for k, v in defaults]
    known = {k for k, _ in defaults}
    return replaced + [(k, v) for k, v in overrides.items() if k not in known]
