"""Starting, pinning, polling, measuring and stopping the processes a benchmark run owns.

Every process is started in its own session (so it leads its own process group) and stopped by
the PID this module got back from `subprocess.Popen`, never by name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Pinning:
    """`taskset -c CPU` prefixes, or none (with the reason) when pinning is impossible."""

    server: list[str]
    load: list[str]
    note: str
    server_cpu: int | None = None
    load_cpu: int | None = None

    @classmethod
    def detect(cls) -> Pinning:
        """The server on the first CPU this process may use, everything else on the second."""
        allowed = sorted(os.sched_getaffinity(0))
        if shutil.which("taskset") is None:
            return cls([], [], "not pinned: taskset (util-linux) is not installed")
        if len(allowed) < 2:
            return cls([], [], f"not pinned: only {len(allowed)} CPU; server and load share it")
        server, load = allowed[0], allowed[1]
        note = f"server pinned to CPU {server}, load generator and receiver to CPU {load}"
        return cls(["taskset", "-c", str(server)], ["taskset", "-c", str(load)], note, server, load)

    def pin_self(self) -> None:
        """Keep this (driver) process off the server's CPU."""
        if self.load_cpu is not None:
            os.sched_setaffinity(0, {self.load_cpu})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def child_env() -> dict[str, str]:
    """The environment minus anything that would reconfigure the sandbox behind our back."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MOCKPROVIDER_")}


@dataclass
class Proc:
    """A process this run started, its log file, and the monotonic time it was launched."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    started: float
    port: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the process group it leads, SIGKILL after `grace` seconds."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def launch(
    name: str, argv: Sequence[str], *, cwd: Path, log: Path, prefix: Sequence[str] = ()
) -> Proc:
    """Start `prefix + argv` in its own session, output to `log`."""
    with log.open("wb") as out:
        started = time.monotonic()
        popen = subprocess.Popen(
            [*prefix, *argv],
            cwd=cwd,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Proc(name, popen, log, started)


def http_status(port: int, path: str, timeout: float = 1.0) -> int:
    """Status of one `GET path` on a fresh connection (0 when nothing answers)."""
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(request.encode())
            first = sock.recv(64)
        return int(first.split(b" ", 2)[1])
    except (OSError, ValueError, IndexError):
        return 0


def wait_ready(proc: Proc, path: str, timeout: float = 30.0, every: float = 0.003) -> float:
    """Seconds from launch to the first `200` on `path`, polled every `every` seconds."""
    deadline = proc.started + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited during start-up:\n{proc.tail()}")
        if http_status(proc.port, path, timeout=0.5) == 200:
            return time.monotonic() - proc.started
        time.sleep(every)
    raise RuntimeError(f"{proc.name}: no 200 on {path} within {timeout:g} s:\n{proc.tail()}")


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's worker processes, if any)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def rss_mib(pid: int) -> float:
    """VmRSS summed over the process tree, in MiB."""
    total_kib = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
    return total_kib / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by the process tree."""
    ticks = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLK_TCK


def compile_bytecode() -> None:
    """Compile mockprovider's modules once, as any first run of an install leaves them, so that
    start-ups measure what a user sees rather than a recompile (CI-like environments set
    PYTHONDONTWRITEBYTECODE, and then an editable checkout never gets its `.pyc` files)."""
    import compileall

    import mockprovider

    compileall.compile_dir(Path(mockprovider.__file__).parent, quiet=1)


def python_exe() -> str:
    return sys.executable
