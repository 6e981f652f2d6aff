"""`SharedSandbox`: a sandbox someone else runs (`mockprovider serve`, maybe for a whole team),
in which each test gets a tenant of its own, so parallel runs (`pytest -n 4`, several CI
jobs) never see or reset each other's sessions, webhooks, settings or clock."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from mockprovider.testing.client import ControlError, SandboxClient
from mockprovider.testing.receiver import WebhookReceiver

T = TypeVar("T")

#: Characters a tenant name may not hold (it must match `^[a-z0-9][a-z0-9-]{0,39}$`).
_NOT_IN_NAME = re.compile(r"[^a-z0-9-]+")


def tenant_name(worker: str) -> str:
    """`pytest-<worker>-<8 random hex digits>`, e.g. `pytest-gw3-9f2c41d0`: unique per test,
    and it says which run and worker made it if one is ever left behind."""
    label = _NOT_IN_NAME.sub("-", worker.lower()).strip("-")[:20] or "main"
    return f"pytest-{label}-{secrets.token_hex(4)}"


class SharedSandbox:
    """The sandbox at `url`, driven with `token` (its admin token; None if it has none).
    `connect()` checks it answers and asks once which providers it serves."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.admin = SandboxClient(self.url, token=token)
        self._token = token
        self._tenant_tokens: dict[str, str] = {}
        self.providers: list[str] = []
        self.webhook_providers: list[str] = []

    def connect(self) -> SharedSandbox:
        """Check the sandbox answers; learn its providers. `ControlError` says what is wrong."""
        try:
            health = self.admin.http.get(f"{self.url}/_sandbox/health")
        except httpx.HTTPError as exc:
            raise ControlError(
                f"no mockprovider sandbox answers at {self.url} ({exc or type(exc).__name__}): "
                "start one with `mockprovider serve`, or fix --mockprovider-url / "
                "MOCKPROVIDER_PYTEST_URL"
            ) from None
        if health.status_code != 200:
            raise ControlError(
                f"{self.url} is not a mockprovider sandbox: GET /_sandbox/health answered "
                f"{health.status_code}",
                status=health.status_code,
            )
        self.providers = self._admin_call(self.admin.providers)
        self.webhook_providers = self._admin_call(self.admin.webhook_providers)
        return self

    def create_tenant(self, worker: str) -> str:
        """A fresh tenant with the built-in sandbox credentials (`shared_credentials`: reached
        by its `/_t/NAME/` prefix only); its name. Its own token is kept for `client()`."""
        name = tenant_name(worker)
        made = self._admin_call(lambda: self.admin.create_tenant(name, shared_credentials=True))
        if made.get("token"):
            self._tenant_tokens[name] = str(made["token"])
        return name

    def delete_tenant(self, name: str) -> None:
        """Delete tenant `name`; one already gone is fine."""
        self._tenant_tokens.pop(name, None)
        try:
            self._admin_call(lambda: self.admin.delete_tenant(name))
        except ControlError as exc:
            if exc.status != 404:
                raise

    def client(
        self,
        tenant: str,
        receiver: WebhookReceiver | None = None,
        *,
        preset: Mapping[str, Mapping[str, Any]] | None = None,
        scenario: str | None = None,
    ) -> SandboxClient:
        """A `SandboxClient` on `tenant` that sends the tenant's own token (it opens only that
        tenant's routes, so a test cannot reset another's), else the admin token."""
        return SandboxClient(
            self.url,
            receiver,
            preset=preset,
            scenario=scenario,
            providers=self.providers,
            webhook_providers=self.webhook_providers,
            token=self._tenant_tokens.get(tenant) or self._token,
            tenant=tenant,
        )

    def _admin_call(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except ControlError as exc:
            if exc.status != 401:
                raise
            given = "refused the admin token given" if self._token else "wants its admin token"
            raise ControlError(
                f"the sandbox at {self.url} {given} (--mockprovider-admin-token or "
                f"MOCKPROVIDER_ADMIN_TOKEN): {exc}",
                status=401,
            ) from None

    def close(self) -> None:
        self.admin.close()
