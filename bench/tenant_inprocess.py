"""The tenant lookup's cost on the hosted page, in-process: a steadier view than the socket
figures of `tenant_overhead.py` (whose run-to-run spread on one server is ±20 %).

For the tree of `--before REV` (exported like `tenant_overhead.py` does) and this one, each in
fresh processes alternated `--repeats` times with one hash seed: the app on the memory store
(with a credential-owning tenant in the `after` tree), the hosted page called straight through
ASGI (no socket, no HTTP parsing), and reported per request: Python function calls (cProfile,
deterministic) and µs (the best of 7 x 5,000 calls, median over the repeats).

    .venv/bin/python bench/tenant_inprocess.py [--before REV] [--repeats 5] [--sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from servers import HERE
from tenant_overhead import BEFORE, export

CALLS, BEST_OF = 5000, 7


async def measure(with_owner: bool, store: str = "memory") -> dict[str, float]:
    """In the child: (calls, µs) per hosted page of the mockprovider first on sys.path."""
    import cProfile
    import pstats
    from urllib.parse import urlsplit

    import httpx

    from mockprovider.app import create_app
    from mockprovider.config import Config
    from tests.support import SANDBOX, topiic_link

    app = create_app(Config(store=store), dispatch=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            if with_owner:
                await http.post("/_sandbox/tenants", json={"name": "owner"})
            entry = await http.get(topiic_link(exp=int(time.time()) + 1800))
            page = urlsplit(entry.headers["location"])
        scope = {
            "type": "http",
            "method": "GET",
            "path": page.path,
            "raw_path": page.path.encode(),
            "query_string": page.query.encode(),
            "headers": [(b"host", b"sandbox.test")],
            "scheme": "http",
            "server": ("sandbox.test", 80),
            "root_path": "",
            "http_version": "1.1",
            "client": ("127.0.0.1", 1),
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            return None

        async def once() -> None:
            await app(dict(scope), receive, send)

        for _ in range(1000):
            await once()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(1000):
            await once()
        profile.disable()
        calls = pstats.Stats(profile).total_calls / 1000  # type: ignore[attr-defined]
        best = []
        for _ in range(BEST_OF):
            started = time.perf_counter()
            for _ in range(CALLS):
                await once()
            best.append((time.perf_counter() - started) / CALLS * 1e6)
    return {"calls": calls, "us": min(best)}


def child(tree: str, with_owner: bool, store: str) -> dict[str, float]:
    code = (
        f"import sys, json, asyncio; sys.path.insert(0, {str(HERE.parent)!r}); "
        f"sys.path.insert(0, {str(HERE)!r}); sys.path.insert(0, {tree!r}); "
        "import tenant_inprocess as t; "
        f"print(json.dumps(asyncio.run(t.measure({with_owner!r}, {store!r}))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    found: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite store each time")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": str(export(args.before, Path(tmp))), "after": str(HERE.parent)}
        found: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for n in range(args.repeats):
            for name, tree in trees.items():
                store = f"sqlite:{tmp}/{name}-{n}.db" if args.sqlite else "memory"
                found[name].append(child(tree, name == "after", store))
    for name, runs in found.items():
        us = statistics.median(r["us"] for r in runs)
        each = ", ".join(f"{r['us']:.1f}" for r in runs)
        print(
            f"{name:>6}: {runs[0]['calls']:.0f} Python calls, {us:.1f} µs per hosted page"
            f" (each repeat: {each})"
        )
    before = statistics.median(r["us"] for r in found["before"])
    after = statistics.median(r["us"] for r in found["after"])
    print(f"after / before: {after / before:.3f} (the issue allows 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
