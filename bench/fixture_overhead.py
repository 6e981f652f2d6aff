"""What the pytest plugin costs a test suite: first-test start-up and per-test reset.

* start-up: `LiveServer.start()` (build the app, uvicorn in its thread) until the first 200 on
  `GET /_sandbox/health`; the first start in this process pays the imports (the figure a suite
  sees), later ones (median of `--starts`) show the server alone.
* first test: start-up + the receiver + the first reset, i.e. the `mockprovider` fixture's
  first setup.
* reset: `SandboxClient.reset()`, the `mockprovider` fixture's work before every test
  (`POST /_sandbox/reset`, one `PUT …/settings` per provider with a `webhook_url`, receiver
  cleared); median of `--resets`.
* baseline: one bare `GET /_sandbox/health` round trip on the same kept-alive connection,
  median of `--resets`; the reset is shown as a ratio of it.

    .venv/bin/python bench/fixture_overhead.py --resets 500 --starts 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import httpx


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def first_200(url: str, started: float) -> float:
    """Seconds from `started` until `url` answers 200 (polled without pause: it is already up
    when `LiveServer.start()` returns, this confirms it over a fresh connection)."""
    with httpx.Client(timeout=5.0) as probe:
        while True:
            try:
                if probe.get(url).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                continue


def start_once() -> tuple[float, float, float]:
    """Seconds to the first 200, of the first reset, and of the whole set-up (start, receiver,
    first reset) for one fresh server; stopping it is not timed."""
    from mockprovider.testing import LiveServer, SandboxClient, WebhookReceiver

    started = time.perf_counter()
    server = LiveServer().start()
    to_200 = first_200(f"{server.url}/_sandbox/health", started)
    with WebhookReceiver() as receiver:
        client = SandboxClient(
            server.url,
            receiver,
            http=server.http,
            providers=server.providers,
            webhook_providers=server.webhook_providers,
        )
        reset = timed(client.reset)
        setup = time.perf_counter() - started
    server.stop()
    return to_200, reset, setup


def per_test(resets: int) -> dict[str, float]:
    """Median reset and health round trip (seconds) on one server, warmed up first."""
    from mockprovider.testing import LiveServer, SandboxClient, WebhookReceiver

    with LiveServer() as server, WebhookReceiver() as receiver:
        client = SandboxClient(
            server.url,
            receiver,
            http=server.http,
            providers=server.providers,
            webhook_providers=server.webhook_providers,
        )
        health = f"{server.url}/_sandbox/health"
        for _ in range(20):  # warm-up: connections, caches
            client.reset()
            server.http.get(health)
        reset = [timed(client.reset) for _ in range(resets)]
        bare = [timed(lambda: server.http.get(health)) for _ in range(resets)]
        providers = len(server.providers)
        hooked = len(server.webhook_providers)
    return {
        "reset_s": statistics.median(reset),
        "health_s": statistics.median(bare),
        "providers": providers,
        "webhook_providers": hooked,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resets", type=int, default=300, help="resets timed (median)")
    parser.add_argument("--starts", type=int, default=5, help="warm starts timed (median)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead")
    args = parser.parse_args()

    imports = timed(lambda: __import__("mockprovider.testing"))
    cold_200, cold_reset, cold_setup = start_once()  # the first test's real cost
    first_test = imports + cold_setup
    warm = [start_once() for _ in range(args.starts)]
    figures = per_test(args.resets)
    result = {
        "imports_s": round(imports, 4),
        "first_start_to_200_s": round(cold_200, 4),
        "first_test_setup_s": round(first_test, 4),
        "first_reset_s": round(cold_reset, 4),
        "warm_start_to_200_s": round(statistics.median(w[0] for w in warm), 4),
        "reset_ms": round(1000 * figures["reset_s"], 3),
        "health_ms": round(1000 * figures["health_s"], 3),
        "reset_over_health": round(figures["reset_s"] / figures["health_s"], 1),
        "providers": figures["providers"],
        "webhook_providers": figures["webhook_providers"],
    }
    if args.json:
        print(json.dumps(result))
        return
    rows = [
        ("imports (mockprovider.testing, cold)", f"{imports * 1000:.0f} ms"),
        ("first start → first 200 (app built cold)", f"{cold_200 * 1000:.0f} ms"),
        ("first test set-up (imports + start + receiver + reset)", f"{first_test * 1000:.0f} ms"),
        (
            f"later starts → first 200 (median of {args.starts})",
            f"{result['warm_start_to_200_s'] * 1000:.0f} ms",
        ),
        (f"per-test reset (median of {args.resets})", f"{result['reset_ms']:.2f} ms"),
        ("bare GET /_sandbox/health round trip", f"{result['health_ms']:.2f} ms"),
        ("reset ÷ health", f"{result['reset_over_health']}x"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:{width}}  {value:>10}")
    print(
        f"(reset = 1 POST /reset + {result['webhook_providers']} PUT settings of "
        f"{result['providers']} providers)"
    )


if __name__ == "__main__":
    main()
