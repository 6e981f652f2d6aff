"""`SandboxClient`: a synchronous client of the `/_sandbox` control API for test code."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockprovider.testing.explain import near_misses
from mockprovider.testing.receiver import Received, WebhookReceiver
from mockprovider.testing.webhook import Webhook

#: How often `wait_for_webhook` looks again.
POLL_INTERVAL = 0.02


class ControlError(AssertionError):
    """The control API refused a call: the method, path, status and the API's own message.
    `status` is the HTTP status."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SandboxClient:
    """Drives a running sandbox at `url`. With a `receiver`, `reset()` points every provider's
    `webhook_url` at it; `preset` settings (per provider) are applied after that on every
    reset, and `scenario` is the choice `complete()` makes when given none. `http` is an
    `httpx.Client` on the sandbox (it does not follow redirects), handy for provider APIs.
    `token` (the admin token, or a tenant's own) goes with every control-API call only, never
    with `http`'s provider-API requests.

    With a `tenant`, everything acts on that tenant of a shared sandbox: control calls go to
    `/_sandbox/tenants/TENANT/…`, `base_url(provider)` is `URL/_t/TENANT/<provider>` and `http`
    has `URL/_t/TENANT` as its base URL. `create_tenant`, `tenants` and `delete_tenant` (the
    admin token's routes) work from any client."""

    def __init__(
        self,
        url: str,
        receiver: WebhookReceiver | None = None,
        *,
        preset: Mapping[str, Mapping[str, Any]] | None = None,
        scenario: str | None = None,
        http: httpx.Client | None = None,
        providers: Sequence[str] | None = None,
        webhook_providers: Sequence[str] | None = None,
        token: str | None = None,
        tenant: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.tenant = tenant
        self._auth = {"authorization": f"Bearer {token}"} if token else {}
        self.receiver = receiver
        self.preset = {name: dict(values) for name, values in (preset or {}).items()}
        self.scenario = scenario
        self.http = http or httpx.Client(base_url=self.api_url, timeout=10.0)
        self._providers = list(providers) if providers else None
        self._hookable = list(webhook_providers) if webhook_providers is not None else None

    @property
    def api_url(self) -> str:
        """Where the provider APIs and hosted pages are: `URL`, or `URL/_t/TENANT`."""
        return f"{self.url}/_t/{self.tenant}" if self.tenant else self.url

    @property
    def control_path(self) -> str:
        """The control API's path: `/_sandbox`, or `/_sandbox/tenants/TENANT`."""
        return f"/_sandbox/tenants/{self.tenant}" if self.tenant else "/_sandbox"

    # -- plumbing ---------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """`method /_sandbox{path}` (in a tenant: `/_sandbox/tenants/TENANT{path}`) with a
        JSON body; the JSON answer, or `ControlError`."""
        __tracebackhide__ = True  # pytest shows the test's line, not this one
        return self._request(method, f"{self.control_path}{path}", body)

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        __tracebackhide__ = True
        response = self.http.request(method, f"{self.url}{path}", json=body, headers=self._auth)
        if response.is_success:
            return response.json()
        try:
            error = response.json()["error"]
            message = str(error["message"])
            if error.get("valid"):
                message += f" (valid: {', '.join(map(str, error['valid']))})"
        except (ValueError, KeyError, TypeError):
            message = response.text[:300]
        status = response.status_code
        raise ControlError(f"{method} {path} → {status}: {message}", status=status)

    def providers(self) -> list[str]:
        """The names of the providers this sandbox serves (asked once)."""
        if self._providers is None:
            self._providers = [p["name"] for p in self.call("GET", "/providers")["providers"]]
        return list(self._providers)

    def webhook_providers(self) -> list[str]:
        """The providers with a `webhook_url` setting (the receiver is pre-set for these; the
        others, e.g. finAPI, take a callback URL in each API request)."""
        if self._hookable is None:
            self._hookable = [p for p in self.providers() if "webhook_url" in self.settings(p)]
        return list(self._hookable)

    def base_url(self, provider: str) -> str:
        """Where your client should send `provider`'s traffic, e.g. `http://127.0.0.1:P/topiic`
        (in a tenant `http://127.0.0.1:P/_t/TENANT/topiic`)."""
        if provider not in self.providers():
            raise ValueError(f"no provider {provider!r}; this sandbox has {self.providers()}")
        return f"{self.api_url}/{provider}"

    # -- tenants (the admin token's routes, whichever tenant this client is in) -------------
    def create_tenant(
        self,
        name: str,
        *,
        token: str | None = None,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        shared_credentials: bool = False,
        limits: Mapping[str, int | None] | None = None,
    ) -> dict[str, Any]:
        """Create tenant `name`; the answer: `name`, `token` (generated when not given, shown
        only here), each provider's credential `settings`, `limits`, `created_at`. With
        `shared_credentials` and no settings it keeps the built-in sandbox credentials and is
        reached only through its `/_t/NAME/` prefix (what parallel test runs need). `limits`:
        `{"sessions": N, "deliveries": M}`, None lifting one."""
        body: dict[str, Any] = {"name": name, "shared_credentials": shared_credentials}
        if token is not None:
            body["token"] = token
        if settings is not None:
            body["settings"] = {p: dict(v) for p, v in settings.items()}
        if limits is not None:
            body["limits"] = dict(limits)
        made: dict[str, Any] = self._request("POST", "/_sandbox/tenants", body)
        return made

    def tenants(self) -> list[dict[str, Any]]:
        """Every tenant (without tokens)."""
        found: list[dict[str, Any]] = self._request("GET", "/_sandbox/tenants")["tenants"]
        return found

    def delete_tenant(self, name: str) -> None:
        """Delete tenant `name` with its sessions, deliveries, settings and token."""
        self._request("DELETE", f"/_sandbox/tenants/{name}")

    # -- the control API --------------------------------------------------------------------
    def reset(self) -> None:
        """Forget sessions, deliveries, nonces, the clock offset and settings; then point each
        provider's `webhook_url` at the receiver, apply the preset settings, clear the receiver."""
        self.call("POST", "/reset", {"settings": True})
        hookable = self.webhook_providers() if self.receiver else []
        for provider in self.providers():
            values: dict[str, Any] = {}
            if self.receiver is not None and provider in hookable:
                values["webhook_url"] = self.receiver.url_for(provider)
            values.update(self.preset.get(provider, {}))
            if values:
                self.call("PUT", f"/providers/{provider}/settings", values)
        unknown = sorted(set(self.preset) - set(self.providers()))
        if unknown:
            raise ValueError(f"settings for unknown provider(s) {unknown}: {self.providers()}")
        if self.receiver is not None:
            self.receiver.clear()

    def settings(self, provider: str, **values: Any) -> dict[str, Any]:
        """Merge `values` into `provider`'s settings (none: just read them); the result."""
        if values:
            merged: dict[str, Any] = self.call("PUT", f"/providers/{provider}/settings", values)
        else:
            merged = self.call("GET", f"/providers/{provider}/settings")
        return merged

    def complete(
        self, session_id: str, outcome: str | None = None, *, scenario: str | None = None
    ) -> dict[str, Any]:
        """Pick an outcome (or scenario) headlessly, like the hosted page's button; default:
        the marker's `scenario`, else `success`. Returns `{"redirect_url", "session"}`."""
        if outcome is not None and scenario is not None:
            raise ValueError("give an outcome or a scenario, not both")
        choice = (
            {"outcome": outcome}
            if outcome is not None
            else {"scenario": scenario or self.scenario or "success"}
        )
        answer: dict[str, Any] = self.call("POST", f"/sessions/{session_id}/outcome", choice)
        return answer

    def sessions(self, provider: str | None = None) -> list[dict[str, Any]]:
        """Sessions, newest first."""
        query = f"?provider={provider}" if provider else ""
        found: list[dict[str, Any]] = self.call("GET", f"/sessions{query}")["sessions"]
        return found

    def session(self, session_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/sessions/{session_id}")
        return found

    def webhooks(
        self, provider: str | None = None, session_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Deliveries (newest first) with status, headers, body and every attempt."""
        params = {"provider": provider, "session_id": session_id, "limit": "10000"}
        query = "&".join(f"{k}={v}" for k, v in params.items() if v)
        found: list[dict[str, Any]] = self.call("GET", f"/webhooks?{query}")["webhooks"]
        return found

    def replay(self, delivery_id: str) -> None:
        """Send a delivery again (same event id)."""
        self.call("POST", f"/webhooks/{delivery_id}/replay")

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward; expiries and due retries happen. The new time."""
        now: float = self.call("POST", "/clock/advance", {"seconds": seconds})["now"]
        return now

    def wait_for_webhook(
        self,
        event_type: str,
        timeout: float = 5.0,
        *,
        provider: str | None = None,
        session_id: str | None = None,
    ) -> Webhook:
        """Wait until a `event_type` delivery has been delivered (2xx) and return it, oldest
        first; on timeout fail with every delivery, receiver request and session seen."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            seen = self.webhooks(provider, session_id)
            for delivery in reversed(seen):
                if delivery["event_type"] == event_type and delivery["status"] == "delivered":
                    return Webhook(delivery, self._request_of(delivery))
            if time.monotonic() > deadline:
                raise AssertionError(
                    near_misses(
                        event_type,
                        timeout,
                        self.webhooks(),
                        self.receiver.received() if self.receiver else None,
                        self.sessions(),
                        provider=provider,
                        session_id=session_id,
                    )
                )
            time.sleep(POLL_INTERVAL)  # wait-ok: polling a condition with a deadline

    def _request_of(self, delivery: Mapping[str, Any]) -> Received | None:
        if self.receiver is None:
            return None
        url = str(delivery["url"])
        if not url.startswith(self.receiver.url + "/"):
            return None
        body, path = str(delivery["body"]).encode(), urlsplit(url).path
        return next(
            (
                r
                for r in self.receiver.received()
                if r.body == body and r.path.split("?")[0] == path
            ),
            None,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SandboxClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
