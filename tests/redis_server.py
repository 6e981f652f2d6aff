"""A throwaway `redis-server` for the tests: the Debian package's binary on a free loopback
port, with persistence off and its files in a temporary directory.

When the binary is missing the tests that need it fail under CI (env `CI` set, where `.ci/run`
installs it) and are skipped elsewhere, saying how to install it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import free_port, listens, wait_until

START_TIMEOUT = 10.0


def redis_server_binary() -> str:
    """The path of `redis-server`; fails (CI) or skips (elsewhere) when it is not installed."""
    found = shutil.which("redis-server")
    if found is None:
        reason = "redis-server is not installed (Debian: apt-get install -y redis-server)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs it", pytrace=False)
        pytest.skip(reason)
    return found


def _pong(port: int) -> bool:
    """True once the server at `port` answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _started(process: subprocess.Popen[bytes], port: int) -> bool:
    """True once the server answers PING on a port it holds itself, or has exited (a port
    taken, e.g. by another xdist worker's server: try another)."""
    return process.poll() is not None or (_pong(port) and listens(process.pid, port))


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Run a `redis-server`, yield its URL (`redis://127.0.0.1:PORT/0`), stop it at the end."""
    binary = redis_server_binary()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "redis.log"
    for _ in range(3):  # a port taken between choosing and binding it: try another
        port = free_port()
        argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(workdir), "--logfile", str(log)]
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until(
                functools.partial(_started, process, port),
                timeout=START_TIMEOUT,
                message=f"redis-server on port {port} did not answer PING",
            )
            if process.poll() is None:
                yield f"redis://127.0.0.1:{port}/0"
                return
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise AssertionError(f"redis-server did not start in 3 tries:\n{tail}")
