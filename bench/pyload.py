"""The fallback load generator when `wrk` is missing: asyncio (uvloop if installed), raw sockets.

Same contract as `bench/wrk_*.lua`: `connections` keep-alive connections, each sending its next
request as soon as the previous answer is read, for `duration` seconds; GET jobs repeat one
path, lines jobs use each `path<TAB>body` line once. It is several times slower than wrk, so it
can be the bottleneck on a fast server; ratios stay fair because the baseline goes through it
too.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from load import Job, LoadResult
from rawhttp import read_response

HOST = "127.0.0.1"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bad_status: int = 0
    used: int = 0
    overflow: bool = False


def requests_for(job: Job, port: int, tally: Tally) -> Iterator[bytes]:
    host = f"Host: {HOST}:{port}\r\n"
    if job.kind == "get":
        extra = "".join(f"{name}: {value}\r\n" for name, value in job.headers)
        raw = f"GET {job.target} HTTP/1.1\r\n{host}{extra}\r\n".encode()
        while True:
            yield raw
    for line in Path(job.target).read_text().splitlines():
        path, _, body = line.partition("\t")
        tally.used += 1
        yield (
            f"POST {path} HTTP/1.1\r\n{host}"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
    tally.overflow = True


async def connection(
    port: int, source: Iterator[bytes], job: Job, tally: Tally, until: float
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.perf_counter() < until:
            raw = next(source, None)
            if raw is None:
                return
            started = time.perf_counter()
            writer.write(raw)
            try:
                status, _, _ = await asyncio.wait_for(read_response(reader), timeout=5.0)
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError):
                tally.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            tally.latencies.append(time.perf_counter() - started)
            if status != job.expect:
                tally.bad_status += 1
    finally:
        writer.close()


async def drive(port: int, job: Job, duration: float, connections: int) -> LoadResult:
    tally = Tally()
    source = requests_for(job, port, tally)
    started = time.perf_counter()
    until = started + duration
    await asyncio.gather(*(connection(port, source, job, tally, until) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    lat = sorted(tally.latencies) or [0.0]
    return LoadResult(
        requests=len(tally.latencies),
        duration_s=elapsed,
        p50_ms=statistics.median(lat) * 1000,
        p99_ms=lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000,
        max_ms=lat[-1] * 1000,
        errors=tally.errors,
        bad_status=tally.bad_status,
        used=tally.used,
        overflow=tally.overflow,
    )


def run(port: int, job: Job, duration: float, connections: int) -> LoadResult:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(drive(port, job, duration, connections))
    return uvloop.run(drive(port, job, duration, connections))
