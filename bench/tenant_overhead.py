"""What tenants cost the hosted page and the outcome POST (issue 16: at most 5 %), in one run.

Servers, each on SQLite and `serve`'s default HTTP server, pinned like `bench/run.py`'s:

* `before`: the tree of `--before REV` (default: the last commit before tenants), exported
  with `git archive` into the run's temporary folder and run from there;
* `after`: this tree, the default tenant, while a tenant owning credentials of its own exists
  (so every unprefixed provider request asks who owns its credential);
* `after, /_t/bench`: this tree, the same load through a named tenant's path prefix.

Each round runs every server once, in an order rotated from round to round (so neither drift
nor going first favours one); each round is a warm-up and `--runs` timed runs per figure.
Medians over all timed runs.

    .venv/bin/python bench/tenant_overhead.py [--before REV] [--rounds 3] [--control] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import subprocess
import sys
import tarfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import flows
from options import RESULTS, options
from phases import FixedGet, FormPool, measure
from procs import Proc, python_exe
from rawhttp import Connection
from report import Row, table, write_json
from run import Bench
from servers import HERE, ServerSpec

#: Issue 16: the tenant lookup may cost the hosted page and the outcome POST at most 5 %.
MAX_LOSS = 0.05
#: The last commit before tenants (issue 16's second half) landed.
BEFORE = "5627852"
#: `python -m mockprovider` from the given tree first on sys.path.
RUNNER = (
    "import runpy, sys; sys.path.insert(0, {tree!r}); "
    "runpy.run_module('mockprovider', run_name='__main__', alter_sys=True)"
)


def export(rev: str, into: Path) -> Path:
    """`git archive rev` unpacked into `into`; the tree's root."""
    tree = into / f"tree-{rev}"
    data = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", rev, "mockprovider", "scenarios", "templates"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(tree, filter="data")
    return tree


def spec(name: str, tree: Path) -> ServerSpec:
    argv = ("-c", RUNNER.format(tree=str(tree)), "serve", "--store", "sqlite:{tmp}/bench.db")
    return ServerSpec(name, (python_exe(), *argv, "--port", "{port}", "--log-level", "warning"))


async def control(port: int, method: str, path: str, body: bytes = b"") -> None:
    conn = Connection(port)
    try:
        headers = {"Content-Type": "application/json"}
        status, _, answer = await conn.request(method, path, body, headers)
    finally:
        conn.close()
    if status >= 300:
        raise RuntimeError(f"{method} {path} answered {status}: {answer[:300]!r}")


def prepare(proc: Proc, name: str, hold_url: str) -> str:
    """Tenants for the `after` servers; the path prefix this server's load goes through."""
    if name.startswith("before"):
        asyncio.run(flows.put_webhook_url(proc.port, hold_url))
        return ""
    asyncio.run(control(proc.port, "POST", "/_sandbox/tenants", b'{"name": "owner"}'))
    asyncio.run(
        control(
            proc.port,
            "POST",
            "/_sandbox/tenants",
            b'{"name": "bench",'
            b' "shared_credentials": true, "limits": {"sessions": null,'
            b' "deliveries": null}}',
        )
    )
    prefix = "/_t/bench" if name.endswith("/_t/bench") else ""
    asyncio.run(flows.put_webhook_url(proc.port, hold_url, prefix))
    return prefix


def one_server(bench: Bench, server: ServerSpec, hold_url: str, tag: str) -> dict[str, Any]:
    proc = server.start(bench.pinning, bench.workdir, tag)
    try:
        prefix = prepare(proc, server.name, hold_url)
        forms = asyncio.run(flows.create_forms(proc.port, 1, prefix=prefix))
        label = f"{server.name}: page"
        gets = measure(label, proc, FixedGet(forms[0].page_path), bench.generator, bench.plan)
        pool = FormPool(proc.port, bench.workdir, max(gets.rps, 500.0), prefix=prefix)
        plan = replace(bench.plan, warmup=min(bench.plan.warmup, 1.0))
        posts = measure(f"{server.name}: POST", proc, pool, bench.generator, plan)
        return {
            "page": [r["rps"] for r in gets.runs],
            "post": [r["rps"] for r in posts.runs],
            "page_cpu_us": [r["cpu_us_per_request"] for r in gets.runs],
            "post_cpu_us": [r["cpu_us_per_request"] for r in posts.runs],
        }
    finally:
        proc.stop()


def main(argv: list[str]) -> int:
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--before", default=BEFORE)
    extra.add_argument("--rounds", type=int, default=3)
    extra.add_argument("--control", action="store_true", help="also a second `before` server")
    known, rest = extra.parse_known_args(argv)
    bench = Bench(options(rest))
    try:
        tree = export(known.before, bench.workdir)
        servers = [
            spec("before", tree),
            spec("after", HERE.parent),
            spec("after, /_t/bench", HERE.parent),
        ]
        if known.control:  # the same tree twice: how far apart two servers of one code land
            servers.insert(1, spec("before (again)", tree))
        hold_url = f"http://127.0.0.1:{bench.start_receiver()}/hold"
        found: dict[str, dict[str, list[float]]] = {s.name: {} for s in servers}
        for n in range(known.rounds):
            turn = servers[n % len(servers) :] + servers[: n % len(servers)]  # rotate the order
            for index, server in enumerate(turn):
                got = one_server(bench, server, hold_url, f"server{index}-{n}")
                for key, values in got.items():
                    found[server.name].setdefault(key, []).extend(values)
        rows = []
        base = {k: statistics.median(v) for k, v in found["before"].items()}
        for name, figures in found.items():
            for key in ("page", "post"):
                value = statistics.median(figures[key])
                target = None if name == "before" else 1 - MAX_LOSS
                rows.append(Row(f"{key} req/s [{name}]", value, base[key], "req/s", target))
        print(table(rows))
        for name, figures in found.items():
            cpu = [statistics.median(figures[f"{k}_cpu_us"]) for k in ("page", "post")]
            print(f"  {name}: µs of server CPU per page {cpu[0]:.0f}, per POST {cpu[1]:.0f}")
        details = {"before": known.before, "runs": found, "rounds": known.rounds}
        print(f"JSON: {write_json(RESULTS, rows, {'tenant_overhead': details})}")
        return 0
    finally:
        bench.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
