"""A throwaway `redis-server` for the benchmark, and what it says about its memory.

Started like the tests' (`tests/redis_server.py`): the system's binary on a free loopback port,
persistence off, its files in the run's temporary directory; stopped by the PID it was started
with. `None` (and a reason) when `redis-server` or the `redis` client package is missing.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Sequence
from pathlib import Path

from procs import HOST, Proc, free_port, launch

INSTALL_HINT = "apt-get install -y redis-server"


def missing() -> str:
    """Why Redis cannot be used here ('' when it can)."""
    if shutil.which("redis-server") is None:
        return f"redis-server is not installed ({INSTALL_HINT})"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "the redis client package is not installed (pip install -e '.[dev]')"
    return ""


def _pong(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start(workdir: Path, prefix: Sequence[str] = ()) -> Proc:
    """`redis-server` on a free port (`proc.port`), answering PING; the store URL is `url()`."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(missing())
    workdir.mkdir(parents=True, exist_ok=True)
    for _ in range(3):  # a port taken between choosing and binding it: try another
        port = free_port()
        argv = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        argv += ["--dir", str(workdir), "--logfile", str(workdir / "redis-server.log")]
        proc = launch("redis-server", argv, cwd=workdir, log=workdir / "redis.out", prefix=prefix)
        proc.port = port
        deadline = time.monotonic() + 10
        while proc.alive() and time.monotonic() < deadline:
            if _pong(port):
                return proc
            time.sleep(0.01)
        proc.stop()
    raise RuntimeError(f"redis-server did not start in 3 tries (log in {workdir})")


def url(proc: Proc) -> str:
    return f"redis://{HOST}:{proc.port}/0"


def used_memory(proc: Proc) -> int:
    """`INFO memory` → used_memory, in bytes."""
    import redis

    client = redis.Redis(host=HOST, port=proc.port)
    try:
        return int(client.info("memory")["used_memory"])
    finally:
        client.close()


def key_usage(proc: Proc, key: str) -> int:
    """`MEMORY USAGE key SAMPLES 0` (every field counted), in bytes; 0 when absent."""
    import redis

    client = redis.Redis(host=HOST, port=proc.port)
    try:
        found = client.memory_usage(key, samples=0)
        return int(found or 0)
    finally:
        client.close()
