"""The sandbox engine: the one place every path (hosted page, control API, CLI, dispatcher)
goes through to create, open, complete and expire sessions.

It knows no provider: providers are `ProviderSpec`s handed in, looked up by name.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockprovider.clock import Clock
from mockprovider.core import provider_settings
from mockprovider.core.contract import Choice, EffectContext, Page, ProviderSpec
from mockprovider.core.delivery_planner import plan_deliveries
from mockprovider.core.limits import Limits
from mockprovider.core.outcomes import Outcome
from mockprovider.core.records import Records
from mockprovider.core.sandbox_time import SandboxTime
from mockprovider.core.scenarios import ScenarioSet
from mockprovider.core.sessions import EXPIRABLE_STATUSES, Session, SessionStatus
from mockprovider.core.store import Store
from mockprovider.core.webhooks.messages import Delivery, WebhookMessage
from mockprovider.errors import Conflict, InvalidInput, NotFound

#: How far the sandbox clock may run ahead of real time (100 years, in seconds).
MAX_CLOCK_OFFSET = 100 * 365 * 86400.0


@dataclass(frozen=True)
class Completion:
    """The result of picking an outcome, for the web layer to turn into a response."""

    session: Session
    redirect_url: str | None
    page: Page | None
    redirect_delay: float = 0.0
    #: An inline error; the session is still open and the page is shown again with it.
    problem: str | None = None
    #: The redirect a scenario's `redirect.drop` fault held back (the web layer shows it).
    dropped_redirect: str | None = None


class Sandbox:
    """Sessions, outcomes, settings and time for every registered provider."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        providers: Sequence[ProviderSpec],
        scenarios: ScenarioSet,
        *,
        configured: Mapping[str, Mapping[str, Any]] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.time = SandboxTime(clock, store)
        self.providers: dict[str, ProviderSpec] = {p.name: p for p in providers}
        self.scenarios = scenarios
        self._configured = {k: dict(v) for k, v in (configured or {}).items()}
        self._merged: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._wake: Callable[[], None] = lambda: None
        self.limits = limits or Limits()

    def on_enqueue(self, wake: Callable[[], None]) -> None:
        """Register the dispatcher's wake-up, called whenever deliveries are queued."""
        self._wake = wake

    # -- time -----------------------------------------------------------------------------
    async def now(self) -> float:
        """Sandbox time: the clock plus the shared offset."""
        return await self.time.now()

    async def clock_offset(self) -> float:
        """How far sandbox time runs ahead of the clock."""
        return await self.time.offset()

    async def advance_clock(self, seconds: float) -> float:
        if not math.isfinite(seconds) or seconds < 0:  # NaN would poison the shared offset
            raise InvalidInput(
                "seconds must be a finite number, zero or more: sandbox time never goes back"
            )
        offset = await self.store.get_clock_offset()
        if offset + seconds > MAX_CLOCK_OFFSET:  # found by schemathesis: 1e308 twice is inf
            raise Conflict(
                f"sandbox time can move at most {MAX_CLOCK_OFFSET:.0f} s (100 years) ahead;"
                f" it is {offset:g} s ahead now (POST /_sandbox/reset sets it back)"
            )
        await self.store.add_clock_offset(seconds)
        await self.expire_due()
        self._wake()
        return await self.now()

    # -- providers and settings ---------------------------------------------------------------
    def provider(self, name: str) -> ProviderSpec:
        try:
            return self.providers[name]
        except KeyError:
            raise NotFound(
                f"unknown provider {name!r}; known: {', '.join(sorted(self.providers))}"
            ) from None

    async def settings(self, name: str) -> dict[str, Any]:
        """Effective settings: defaults < config file < run-time overrides.

        The merge is cached per provider and reused while the stored overrides are unchanged
        (compared, not assumed: another worker may have changed them). Nested values are shared
        with the cache: callers read them, never mutate them."""
        spec = self.provider(name)
        overrides = await self.store.get_settings(name)
        cached = self._merged.get(name)
        if cached is None or cached[0] != overrides:
            configured = self._configured.get(name, {})
            cached = (overrides, provider_settings.merge(spec.settings, configured, overrides))
            self._merged[name] = cached
        return dict(cached[1])

    def configure(self, configured: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace the configured layer (a tenant's own settings changed)."""
        self._configured = {k: dict(v) for k, v in configured.items()}
        self._merged.clear()

    async def update_settings(self, name: str, values: Mapping[str, Any]) -> dict[str, Any]:
        spec = self.provider(name)
        provider_settings.validate_update(name, spec.settings, values)
        overrides = provider_settings.overlay(await self.store.get_settings(name), values)
        await self.store.put_settings(name, overrides)
        return await self.settings(name)

    # -- sessions ---------------------------------------------------------------------------
    async def create_session(
        self, session: Session, messages: Sequence[WebhookMessage] = ()
    ) -> Session:
        """Store a new session and queue `messages` (events a provider sends on creation, e.g.
        Gigs' `connectSession.created`); an auto-matching scenario is remembered on it."""
        spec = self.provider(session.provider)
        session.form_nonce = session.form_nonce or secrets.token_urlsafe(12)
        auto = self.scenarios.auto_match(spec.name, spec.match_values(session))
        if auto is not None:
            session.scenario = auto.name
        session.note("created", session.created_at, scenario=session.scenario)
        await self.limits.check(self.store, sessions=1, deliveries=len(messages))
        await self.store.insert_session(session)
        if messages:
            await self.progress(session, "created events", messages=messages)
        return session

    async def progress(
        self,
        session: Session,
        event: str,
        *,
        data: dict[str, Any] | None = None,
        messages: Sequence[WebhookMessage] = (),
    ) -> Session:
        """A step inside an open flow (e.g. Bridge credentials submitted): record it, merge
        `data`, and queue `messages` in the same write. `Conflict` if the session moved on.

        The webhook faults of the session's scenario (an automatic match, or the one it ended
        with) apply to these messages too: a scenario's faults hold for all of its webhooks."""
        spec = self.provider(session.provider)
        now = await self.now()
        scenario = self.scenarios.get(spec.name, session.scenario) if session.scenario else None
        deliveries = plan_deliveries(spec, session, messages, scenario, now)
        await self.limits.check(self.store, deliveries=len(deliveries))
        session.data.update(data or {})
        session.note(event, now, **{"webhooks": [d.event_type for d in deliveries]})
        if not await self.store.finish_session(
            session, expected=session.status, deliveries=deliveries
        ):
            raise Conflict(f"session {session.id} changed while {event!r} was recorded")
        if deliveries:
            self._wake()
        return session

    async def list_deliveries(
        self, *, provider: str | None = None, session_id: str | None = None, limit: int = 200
    ) -> list[Delivery]:
        """Webhook deliveries, newest first, with every attempt."""
        return await self.store.list_deliveries(
            provider=provider, session_id=session_id, limit=limit
        )

    async def get_delivery(self, delivery_id: str) -> Delivery | None:
        return await self.store.get_delivery(delivery_id)

    async def claim_once(self, scope: str, key: str, expires_at: float) -> bool:
        """True the first time (scope, key) is claimed, on every replica of the store."""
        return await self.store.claim_nonce(scope, key, expires_at)

    def records(self, provider: str) -> Records:
        """`provider`'s own records (users, tokens, items …)."""
        return Records(self.store, self.provider(provider).name)

    async def get_session(self, session_id: str) -> Session:
        session = await self.store.get_session(session_id)
        if session is None:
            raise NotFound(f"no session {session_id!r}")
        return session

    async def list_sessions(self, provider: str | None = None, limit: int = 100) -> list[Session]:
        if provider is not None:
            self.provider(provider)
        return await self.store.list_sessions(provider=provider, limit=limit)

    async def mark_opened(self, session: Session) -> Session:
        """First visit of the hosted page; later visits change nothing."""
        if session.status is SessionStatus.CREATED:
            session.move(SessionStatus.OPENED, await self.now())
            if not await self.store.save_session(session, expected=SessionStatus.CREATED):
                return await self.get_session(session.id)
        return session

    def resolve(self, provider: str, name: str) -> Choice:
        """The outcome or scenario called `name`; `InvalidInput` listing the valid names."""
        spec = self.provider(provider)
        if name in {o.name for o in spec.outcomes}:
            return Choice(outcome=name)
        scenario = self.scenarios.get(provider, name)
        if scenario is not None:
            return Choice(outcome=scenario.outcome, scenario=scenario)
        raise InvalidInput(
            f"unknown outcome or scenario {name!r} for {provider}", valid=self.choices(provider)
        )

    def choices(self, provider: str) -> list[str]:
        spec = self.provider(provider)
        return [o.name for o in spec.outcomes] + [
            s.name for s in self.scenarios.for_provider(provider)
        ]

    async def complete(
        self, session_id: str, name: str, *, via: str = "api", session: Session | None = None
    ) -> Completion:
        """Apply an outcome (or scenario) to an open session: durable webhooks, then redirect.

        `session` may be passed when the caller just loaded it; the store's compare-and-set
        still refuses a session another request finished in between."""
        if session is None or session.id != session_id:
            session = await self.get_session(session_id)
        now = await self.now()
        if via == "page" and session.expired_on_the_page:
            return await self._apply(session, Choice(outcome=Outcome.EXPIRY.value), now, via)
        if not session.is_open:
            raise Conflict(f"session {session_id} is already {session.status.value}")
        choice = self.resolve(session.provider, name)
        if now >= session.expires_at and choice.outcome != Outcome.CLOSED_TAB:
            # Submitting after the deadline ends the flow as an expiry (spec'd per provider).
            choice = Choice(outcome=Outcome.EXPIRY.value)
        return await self._apply(session, choice, now, via)

    async def _apply(self, session: Session, choice: Choice, now: float, via: str) -> Completion:
        spec = self.provider(session.provider)
        ctx = EffectContext(now=now, settings=await self.settings(spec.name))
        effects = spec.effects(session, choice, ctx)
        scenario = choice.scenario
        deliveries = plan_deliveries(spec, session, effects.webhooks, scenario, now)
        await self.limits.check(self.store, deliveries=len(deliveries))
        redirect = effects.redirect_url
        dropped = None
        if scenario is not None and scenario.redirect.drop and redirect is not None:
            redirect, dropped = None, redirect
        expected = session.status
        session.data.update(effects.data)
        if effects.problem is None:  # an inline problem leaves the flow going: no outcome yet
            session.outcome = choice.outcome
            session.scenario = scenario.name if scenario else session.scenario
            session.redirect_url = redirect
        if effects.status is session.status:  # an inline problem, or a late submit after expiry
            session.note(choice.name, now, via=via, redirect_url=redirect, problem=effects.problem)
        else:
            session.move(effects.status, now, outcome=choice.name, via=via, redirect_url=redirect)
        for delivery in deliveries:
            session.note(
                "webhook queued", now, delivery=delivery.id, event_type=delivery.event_type
            )
        if not await self.store.finish_session(session, expected=expected, deliveries=deliveries):
            raise Conflict(f"session {session.id} was finished by another request")
        if deliveries:
            self._wake()
        delay = scenario.redirect.delay if scenario else 0.0
        return Completion(session, redirect, effects.page, delay, effects.problem, dropped)

    async def expire_due(self, limit: int = 100) -> int:
        """Expire sessions past `expires_at`; returns how many."""
        now = await self.now()
        expired = [
            await self._expire(s, now) for s in await self.store.due_expiries(now, limit=limit)
        ]
        return sum(expired)

    async def expire_if_due(self, session: Session) -> Session:
        """`session` as it is now: expired first if its deadline passed since the last sweep
        (a provider reading one session need not sweep them all)."""
        now = await self.now()
        if session.status in EXPIRABLE_STATUSES and now >= session.expires_at:
            await self._expire(session, now)
            return await self.get_session(session.id)
        return session

    async def _expire(self, session: Session, now: float) -> bool:
        """Move one session to expired with its provider's expiry messages; False if another
        request moved it first."""
        spec = self.provider(session.provider)
        ctx = EffectContext(now=now, settings=await self.settings(spec.name))
        deliveries = plan_deliveries(spec, session, spec.on_expire(session, ctx), None, now)
        expected = session.status
        session.move(SessionStatus.EXPIRED, now, was=expected.value)
        if not await self.store.finish_session(session, expected=expected, deliveries=deliveries):
            return False
        if deliveries:
            self._wake()
        return True

    # -- webhooks ---------------------------------------------------------------------------
    async def replay(self, delivery_id: str) -> None:
        """Queue the delivery again with the same event id and body."""
        await self.limits.check(self.store, deliveries=1)
        if await self.store.requeue(delivery_id, await self.now()) is None:
            raise NotFound(f"no webhook delivery {delivery_id!r}")
        self._wake()

    async def reset(self, *, settings: bool = False) -> None:
        await self.store.reset(settings=settings)
