"""The delivery floor: a bare `httpx.AsyncClient` with the dispatcher's limits, nothing else.

It POSTs `count` Topiic-sized signed JSON bodies to the receiver, at most 10 at a time over a
pool of 20 connections (10 kept alive), as `mockprovider`'s dispatcher does, and prints one
JSON line: deliveries/s and CPU per delivery. `bench/run.py` runs it pinned to the server's CPU,
so "dispatcher deliveries/s ÷ this" is how close the sandbox gets to its own HTTP client.

    python bench/client_floor.py --url http://127.0.0.1:18902/floor --count 2000
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import time
import uuid

import httpx

CONCURRENCY = 10


def body(index: int) -> bytes:
    event = {
        "id": str(uuid.uuid4()),
        "type": "checkout.completed",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "data": {
            "sessionId": f"floor-{index}",
            "externalRef": "cust_bench",
            "memberId": str(uuid.uuid4()),
            "paymentMethodId": str(uuid.uuid4()),
            "subscriptionId": str(uuid.uuid4()),
            "planId": str(uuid.uuid4()),
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


async def send_all(url: str, count: int) -> float:
    limits = httpx.Limits(max_connections=CONCURRENCY * 2, max_keepalive_connections=CONCURRENCY)
    slots = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(limits=limits) as client:

        async def one(index: int) -> None:
            raw = body(index)
            stamp = str(int(time.time()))
            mac = hmac.new(b"tss_floor", stamp.encode() + b"." + raw, hashlib.sha256)
            headers = {
                "Content-Type": "application/json",
                "Topiic-Signature": f"t={stamp},v1={mac.hexdigest()}",
            }
            async with slots:
                answer = await client.post(url, content=raw, headers=headers, timeout=10.0)
                answer.raise_for_status()

        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(count)))
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    cpu0 = time.process_time()
    try:
        import uvloop
    except ImportError:
        seconds = asyncio.run(send_all(args.url, args.count))
    else:
        seconds = uvloop.run(send_all(args.url, args.count))
    cpu = time.process_time() - cpu0
    print(
        json.dumps(
            {
                "count": args.count,
                "seconds": round(seconds, 3),
                "deliveries_per_s": round(args.count / seconds, 1),
                "cpu_ms_per_delivery": round(1000 * cpu / args.count, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
