"""Issue 16's load test: 8 tenants x 50 concurrent full Gigs flows on one server for 60 s.

One `mockprovider serve --store sqlite:…` (pinned like `bench/run.py`'s server); the driver
and one webhook receiver for every tenant in this process on the load CPU. Each tenant is
created through the control API with credentials of its own (the Gigs project and API key
`tenant_defaults` gives it) and its own webhook secret and URL (`/gigs-hooks/<tenant>`); its
flows call the API *without* a path prefix, so the sandbox finds the tenant by the project in
the path, as an integrator that changed only its base URL would. (`--prefixed` sends every
call through `/_t/<tenant>/…` instead.)

Counted: flows done per tenant, `cross_tenant` (an event at one tenant's receiver for a flow
of another, or signed with another tenant's secret), `lost_webhook` (a flow whose three events
did not all arrive within 30 s), every other error; afterwards each tenant's webhook list
(control API) must hold exactly 3 delivered events per flow it started, and no other tenant's.

    .venv/bin/python bench/tenants_load.py [--tenants 8] [--concurrency 50] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import gigsflow
import hooks
import standardwebhooks
from gigsflow import EVENTS, Client, FlowError, check_events, new_user
from options import RESULTS
from procs import Pinning, compile_bytecode
from rawhttp import Connection
from receiver import OK
from report import Row, table, write_json
from servers import ServerSpec

BROKEN = (OSError, asyncio.IncompleteReadError, ConnectionError)


@dataclass
class Tally:
    started: Counter[str] = field(default_factory=Counter)
    done: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


class TenantHooks(hooks.HookReceiver):
    """Every tenant's receiver: `/gigs-hooks/<tenant>`, verified with that tenant's secret and
    matched to a flow of that tenant only."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, standardwebhooks.Webhook] = {}
        self.owner: dict[str, str] = {}  # user id -> tenant

    def answer(self, request_line: bytes, headers: dict[bytes, bytes], body: bytes) -> bytes | None:
        parts = request_line.split()
        path = parts[1].decode() if len(parts) > 1 else ""
        tenant = path.removeprefix(hooks.PATH.decode() + "/")
        if tenant == path or tenant not in self.secrets:
            self.errors["unexpected_webhook"] += 1
            return OK
        self.events += 1
        given = {n: headers.get(n.encode(), b"").decode("latin-1") for n in hooks.SVIX}
        try:
            event = self.secrets[tenant].verify(body, given)
        except (standardwebhooks.WebhookVerificationError, ValueError):
            self.errors[
                "cross_tenant" if self._signed_by_other(tenant, body, given) else "bad_signature"
            ] += 1
            return OK
        if given["webhook-id"] in self.ids:
            self.errors["duplicate_webhook"] += 1
            return OK
        self.ids.add(given["webhook-id"])
        user = str((event.get("data") or {}).get("user", ""))
        if self.owner.get(user) not in (None, tenant):
            self.errors["cross_tenant"] += 1
            return OK
        self.arrived(event, time.monotonic())
        return OK

    def _signed_by_other(self, tenant: str, body: bytes, given: dict[str, str]) -> bool:
        for name, hook in self.secrets.items():
            if name == tenant:
                continue
            try:
                hook.verify(body, given)
            except (standardwebhooks.WebhookVerificationError, ValueError):
                continue
            return True
        return False


async def control(port: int, method: str, path: str, body: Any = None) -> Any:
    conn = Connection(port, timeout=30.0)
    try:
        raw = json.dumps(body).encode() if body is not None else b""
        status, _, answer = await conn.request(method, path, raw, gigsflow.JSON)
    finally:
        conn.close()
    if status >= 300:
        raise RuntimeError(f"{method} {path} answered {status}: {answer[:300]!r}")
    return json.loads(answer)


async def make_tenant(port: int, name: str, hook_base: str, prefixed: bool) -> dict[str, Any]:
    """The tenant and its Gigs settings (its own project and key, unless `prefixed`)."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    gigs = {"webhook_url": f"{hook_base}/{name}", "webhook_secret": secret}
    body = {"name": name, "settings": {"gigs": gigs}, "shared_credentials": prefixed}
    await control(port, "POST", "/_sandbox/tenants", body)
    return dict(await control(port, "GET", f"/_t/{name}/_sandbox/providers/gigs/settings"))


async def one_flow(client: Client, tenant: str, hooks_: TenantHooks, tally: Tally, n: int) -> None:
    user = new_user()
    hooks_.owner[user] = tenant
    pending = hooks_.expect(user, EVENTS)
    tally.started[tenant] += 1
    failed = True
    try:
        session_id, entry = await client.create(user, n)
        page = await client.entry(entry)
        action, form = await client.page(page)
        await client.outcome(action, form, session_id, n)
        await asyncio.wait_for(pending.done.wait(), 30.0)
        check_events(pending.data, session_id)
        tally.done[tenant] += 1
        failed = False
    except FlowError as exc:
        tally.errors[exc.kind] += 1
    except TimeoutError:
        tally.errors["lost_webhook"] += 1
    except BROKEN as exc:
        tally.errors[f"broken:{type(exc).__name__}"] += 1
    finally:
        hooks_.forget(user, failed)
        if failed:
            client.close()


async def worker(
    port: int,
    tenant: str,
    gigs: dict[str, Any],
    prefix: str,
    stop_at: float,
    hooks_: TenantHooks,
    tally: Tally,
    numbers: Any,
) -> None:
    client = Client(port, port, gigs)
    client.path = f"{prefix}{client.path}"
    try:
        while time.monotonic() < stop_at:
            await one_flow(client, tenant, hooks_, tally, next(numbers))
    finally:
        client.close()


async def audit(port: int, names: list[str], tally: Tally) -> Counter[str]:
    """Each tenant's own webhook list: 3 delivered events per flow it finished, nothing else.
    A delivery's attempt is recorded just after the receiver answered: wait (10 s at most)
    until none is left pending."""
    deadline = time.monotonic() + 10.0
    while True:
        problems: Counter[str] = Counter()
        for name in names:
            path = f"/_t/{name}/_sandbox/webhooks?limit=10000"
            listed = (await control(port, "GET", path))["webhooks"]
            problems["undelivered"] += sum(d["status"] != "delivered" for d in listed)
            problems["cross_tenant_listed"] += sum(
                not d["url"].endswith(f"/{name}") for d in listed
            )
            problems["missing_listed"] += max(0, 3 * tally.done[name] - len(listed))
        if not problems["undelivered"] or time.monotonic() > deadline:
            return problems
        await asyncio.sleep(0.2)


async def drive(args: argparse.Namespace, port: int) -> dict[str, Any]:
    hooks_ = TenantHooks()
    server, url = await hooks.serve(hooks_)
    names = [f"load-{n}" for n in range(args.tenants)]
    try:
        tenants = {name: await make_tenant(port, name, url, args.prefixed) for name in names}
        for name, gigs in tenants.items():
            hooks_.secrets[name] = standardwebhooks.Webhook(str(gigs["webhook_secret"]))
        projects = {str(g["project"]) for g in tenants.values()}
        tally, numbers = Tally(), iter(range(1, 10**9))
        stop_at = time.monotonic() + args.duration
        started = time.monotonic()
        await asyncio.gather(
            *(
                worker(
                    port,
                    name,
                    tenants[name],
                    f"/_t/{name}" if args.prefixed else "",
                    stop_at,
                    hooks_,
                    tally,
                    numbers,
                )
                for name in names
                for _ in range(args.concurrency)
            )
        )
        elapsed = time.monotonic() - started
        tally.errors.update(hooks_.errors)
        audited = await audit(port, names, tally)
    finally:
        await hooks_.close()
        server.close()
        await server.wait_closed()
    return {
        "tenants": args.tenants,
        "concurrency_per_tenant": args.concurrency,
        "duration_s": args.duration,
        "elapsed_s": round(elapsed, 1),
        "distinct_projects": len(projects),
        "prefixed": args.prefixed,
        "started": dict(tally.started),
        "done": dict(tally.done),
        "errors": dict(tally.errors),
        "audit": dict(audited),
        "webhook_requests": hooks_.events,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=50, help="flows in flight per tenant")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--prefixed", action="store_true", help="every call under /_t/<t>/")
    args = parser.parse_args(argv)
    pinning = Pinning.detect()
    pinning.pin_self()
    compile_bytecode()
    import tempfile
    from pathlib import Path

    workdir = Path(tempfile.mkdtemp(prefix="mockprovider-tenants-"))
    proc = ServerSpec.mockprovider("sqlite").start(pinning, workdir, "tenants")
    try:
        found = asyncio.run(drive(args, proc.port))
    finally:
        proc.stop()
    done = sum(found["done"].values())
    flows_s = done / found["elapsed_s"]
    bad = found["errors"].get("cross_tenant", 0) + found["audit"].get("cross_tenant_listed", 0)
    lost = found["errors"].get("lost_webhook", 0) + found["audit"].get("missing_listed", 0)
    rows = [
        Row("flows done, all tenants", done, None, "flows"),
        Row("flows/s, all tenants", round(flows_s, 1), None, "flows/s"),
        Row("cross-tenant events", bad, None, "", max_target=0),
        Row("lost webhooks", lost, None, "", max_target=0),
    ]
    print(table(rows))
    print(json.dumps({k: found[k] for k in ("done", "errors", "audit")}, indent=1))
    print(f"JSON: {write_json(RESULTS, rows, {'tenants_load': found})}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
