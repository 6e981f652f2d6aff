"""Delivers the outbox: claims due deliveries with a lease, signs each attempt, POSTs it with
httpx, records the attempt and schedules the next one by the provider's policy.

Unless a client is injected (tests inject `httpx.MockTransport` ones), the `httpx.AsyncClient`
runs over `WebhookTransport`, a lean HTTP/1.1 keep-alive transport (httpcore cost several times
its CPU per delivery); httpx's client layer still applies the timeout and redirect rule.

Deliveries of one session go out one after another in their due order (so a provider's event
order holds, and a scenario's `reorder` fault is observable); different sessions go out in
parallel, bounded by `concurrency`. Retry delays run on the sandbox clock; the HTTP timeout and
leases run on real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockprovider.clock import Clock
from mockprovider.core.sandbox_time import SandboxTime
from mockprovider.core.store import Store
from mockprovider.core.webhooks.attempts import settle, signed_headers
from mockprovider.core.webhooks.messages import Attempt, Delivery
from mockprovider.core.webhooks.policy import DeliveryPolicy, Verdict

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("mockprovider.webhooks")

#: A lease outlives the slowest attempt by this much, so a crashed worker's claims come back soon.
LEASE_MARGIN = 5.0

SettingsLookup = Callable[[str], Awaitable[Mapping[str, Any]]]


@dataclass
class _Lane:
    """A session's sends, one claim after another."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class Dispatcher:
    """The outbox's only sender. `run_once` is one pass; `run_forever` is the lifespan loop."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        policies: Mapping[str, DeliveryPolicy],
        settings: SettingsLookup,
        *,
        client: httpx.AsyncClient | None = None,
        concurrency: int = 10,
        idle_poll: float = 0.5,
        housekeeping: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.time = SandboxTime(clock, store)
        self.policies = policies
        self.settings = settings
        self._client = client
        if client is not None:
            client.headers.clear()
        self.owner = f"dispatcher-{secrets.token_hex(4)}"
        self.concurrency = concurrency
        self.idle_poll = idle_poll
        self.housekeeping = housekeeping
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        #: One lane per session with sends in flight: a session's later claim waits for its
        #: earlier one, so its events keep their order across claims (e.g. two flow steps).
        self._lanes: dict[str, _Lane] = {}
        #: The sends `run_forever` has in flight, and whether `paused()` holds its claims.
        self._sending: set[asyncio.Task[None]] = set()
        self._paused = 0
        #: Held from a claim until its sends are in `_sending`: a pause waits for it, so a
        #: claim already on its way when the pause began cannot start sending after it.
        self._claiming = asyncio.Lock()

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client: the injected one, else one over `WebhookTransport`, built on the
        first delivery (importing httpx would otherwise be a sixth of the start-up time)."""
        if self._client is None:
            import httpx

            from mockprovider.core.webhooks.transport import WebhookTransport

            limit = self.concurrency * 2
            transport = WebhookTransport(max_connections=limit, max_keepalive=self.concurrency)
            self._client = httpx.AsyncClient(transport=transport)
            self._client.headers.clear()
        # Only the provider's headers go out (plus Host and Content-Length), not httpx's.
        return self._client

    def wake(self) -> None:
        """Ask the loop to look for due deliveries now (new ones queued, clock advanced)."""
        self._wake.set()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Claim nothing while the block runs, and first cancel the sends in flight and wait
        for them to end: after a reset inside it, no attempt of the forgotten outbox reaches a
        receiver or writes to the store (another process's dispatcher is not paused)."""
        self._paused += 1
        try:
            async with self._claiming:  # a claim in progress has put its sends in `_sending`
                in_flight = list(self._sending)
                for task in in_flight:
                    task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
            yield
        finally:
            self._paused -= 1
            self.wake()

    async def sandbox_now(self) -> float:
        return await self.time.now()

    async def run_once(self, limit: int | None = None) -> int:
        """Claim every due delivery (up to `limit`), attempt each once; returns how many."""
        groups = await self._claim(limit or self.concurrency * 4)
        await asyncio.gather(*(self._send_in_order(group) for group in groups))
        return sum(len(group) for group in groups)

    async def _claim(self, limit: int) -> list[list[Delivery]]:
        """Lease up to `limit` due deliveries, grouped by session (each group goes in order)."""
        slowest = max((p.timeout for p in self.policies.values()), default=25.0)
        real_now = self.clock.now()
        claimed = await self.store.claim_due(
            now=await self.sandbox_now(),
            lease_owner=self.owner,
            lease_now=real_now,
            lease_until=real_now + slowest + LEASE_MARGIN,
            limit=limit,
        )
        by_session: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in claimed:
            by_session[delivery.session_id or delivery.id].append(delivery)
        return list(by_session.values())

    async def _send_in_order(self, group: list[Delivery]) -> None:
        group.sort(key=lambda d: (d.next_attempt_at or 0.0, d.created_at))
        key = group[0].session_id or group[0].id
        lane = self._lanes.setdefault(key, _Lane())
        lane.users += 1
        try:
            async with lane.lock:
                for delivery in group:
                    async with self._slots:
                        await self.attempt(delivery)
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[key]

    async def attempt(self, delivery: Delivery) -> None:
        """Make one attempt and store its result; never raises for receiver trouble."""
        policy = self.policies[delivery.provider]
        now = await self.sandbox_now()
        settings = await self.settings(delivery.provider)
        record = Attempt(number=len(delivery.attempts) + 1, at=now, headers={})
        try:
            record.headers = headers = signed_headers(delivery, policy, settings, now)
        except Exception as exc:  # e.g. a bad setting: show it on the delivery, keep the pass going
            record.headers = dict(delivery.headers)
            record.error = f"could not sign: {type(exc).__name__}: {exc}"
            settle(delivery, record, Verdict.RETRY, policy, now)
            await self.store.record_attempt(delivery)
            return
        import httpx  # on the first delivery, not at start-up (see `client`)

        started = time.perf_counter()
        verdict = Verdict.RETRY
        try:
            response = await self.client.post(
                delivery.url,
                content=delivery.body,
                headers=headers,
                timeout=policy.timeout,
                follow_redirects=policy.follow_redirects,
            )
            record.status_code = response.status_code
            record.response_headers = dict(response.headers)
            verdict = policy.judge(response.status_code, response.headers)
        except httpx.TimeoutException:
            record.error = f"no response within {policy.timeout:g} s"
        except httpx.HTTPError as exc:
            record.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        record.duration_ms = round((time.perf_counter() - started) * 1000, 2)
        settle(delivery, record, verdict, policy, now)
        await self.store.record_attempt(delivery)

    async def run_forever(self) -> None:
        """Deliver until cancelled, as a pipeline: claim due work into free slots and claim
        again as each send finishes, so one slow receiver never holds the others back. Wakes on
        `wake()`, on a finished send, or every `idle_poll` seconds."""
        sending = self._sending
        swept = -self.idle_poll  # monotonic time of the last housekeeping pass

        def finished(task: asyncio.Task[None]) -> None:
            sending.discard(task)
            self._wake.set()

        try:
            while True:
                self._wake.clear()
                try:
                    # At most once per poll interval: every finished send wakes the loop, and
                    # the sweep is a store query (advancing the clock sweeps by itself).
                    if self.housekeeping is not None and time.monotonic() - swept >= self.idle_poll:
                        swept = time.monotonic()
                        await self.housekeeping()
                    async with self._claiming:
                        free = 0 if self._paused else self.concurrency * 2 - len(sending)
                        for group in await self._claim(free) if free > 0 else []:
                            task = asyncio.create_task(self._send_in_order(group))
                            sending.add(task)
                            task.add_done_callback(finished)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a store hiccup must not kill the loop; the outbox keeps it
                    log.exception("webhook dispatcher pass failed; retrying")
                # asyncio.timeout, not wait_for: on 3.11 wait_for drops a cancel that arrives
                # as the wake-up does, and the lifespan's shutdown then waits for ever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.idle_poll):
                        await self._wake.wait()
        finally:
            for task in sending:  # their leases lapse and the work is claimed again later
                task.cancel()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
