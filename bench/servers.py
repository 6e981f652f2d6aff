"""The servers under test, how to start them, and how much CPU others took meanwhile.

The product runs on `serve`'s default HTTP server unless a spec names one (`--server`); the
hello worlds run on uvicorn (`--log-level warning`, no access log, uvicorn's `auto` loop and
HTTP parser, i.e. uvloop and httptools when installed) or, for `server="granian"`, on granian
the way `serve` runs it (`granian_embed.py`). All on the same pinned CPU.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from procs import CLK_TCK, Pinning, Proc, cpu_seconds, free_port, launch, python_exe, wait_ready

HERE = Path(__file__).resolve().parent
HEALTH = "/_sandbox/health"


@dataclass(frozen=True)
class ServerSpec:
    """A server command with `{port}` and `{tmp}` placeholders."""

    name: str
    argv: tuple[str, ...]

    @classmethod
    def mockprovider(cls, store: str, server: str | None = None) -> ServerSpec:
        """`python -m mockprovider serve`; `store` is `memory`, `sqlite` (a fresh file) or a
        `redis://…` URL (named `redis`); `server` is `--server` (None: serve's default)."""
        store_url = {"memory": "memory", "sqlite": "sqlite:{tmp}/bench.db"}.get(store, store)
        name = "redis" if store.startswith("redis://") else store
        argv = ("-m", "mockprovider", "serve", "--store", store_url, "--port", "{port}")
        chosen = ("--server", server) if server else ()
        label = f"mockprovider[{name}]" if server is None else f"mockprovider[{name},{server}]"
        return cls(label, (python_exe(), *argv, *chosen, "--log-level", "warning"))

    @classmethod
    def baseline(
        cls, module: str = "baseline_app", name: str = "baseline", server: str = "uvicorn"
    ) -> ServerSpec:
        """A hello world: `baseline_app` (Starlette) or `raw_asgi_app`, on uvicorn or granian."""
        if server == "granian":
            embedded = (str(HERE / "granian_embed.py"), f"{module}:app", "{port}")
            return cls(name, (python_exe(), *embedded))
        argv = ("-m", "uvicorn", f"{module}:app", "--app-dir", str(HERE))
        options = ("--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning")
        return cls(name, (python_exe(), *argv, *options, "--no-access-log"))

    @classmethod
    def raw_asgi(cls, server: str = "uvicorn") -> ServerSpec:
        name = "raw-asgi" if server == "uvicorn" else f"raw-asgi[{server}]"
        return cls.baseline("raw_asgi_app", name, server)

    def start(self, pinning: Pinning, workdir: Path, tag: str) -> Proc:
        """Start on a free port in a fresh directory under `workdir`; wait for the first 200."""
        tmp = workdir / tag
        tmp.mkdir(parents=True, exist_ok=True)
        port = free_port()
        argv = [part.format(port=port, tmp=tmp) for part in self.argv]
        proc = launch(self.name, argv, cwd=tmp, log=tmp / "server.log", prefix=pinning.server)
        proc.port = port
        try:
            proc.extra["startup_s"] = wait_ready(proc, HEALTH)
        except BaseException:
            proc.stop()
            raise
        return proc


def _cpu_line(cpu: int | None) -> tuple[int, int]:
    """(user + nice + system, steal) jiffies of one CPU, or of all when `cpu` is None."""
    name = "cpu" if cpu is None else f"cpu{cpu}"
    with open("/proc/stat") as stat:
        for line in stat:
            fields = line.split()
            if fields[0] == name:
                values = [int(v) for v in fields[1:]]
                return values[0] + values[1] + values[2], values[7] if len(values) > 7 else 0
    return 0, 0


@dataclass
class CpuWindow:
    """CPU use over one measurement: the server's, and others' on the server's CPU."""

    wall_s: float
    server_s: float
    foreign_cores: float  # other processes on the server's CPU (all CPUs if unpinned)
    steal_cores: float


class CpuMeter:
    """Snapshots before and after a run; `cpu` is the server's CPU (None: not pinned)."""

    def __init__(self, server_pid: int, cpu: int | None) -> None:
        self.pid = server_pid
        self.cpu = cpu
        self._start = self._snap()

    def _snap(self) -> tuple[float, float, int, int, float]:
        busy, steal = _cpu_line(self.cpu)
        own = cpu_seconds(self.pid)
        mine = 0.0
        if self.cpu is None:  # unpinned: this driver and its children share the CPUs too
            times = os.times()
            mine = times.user + times.system + times.children_user + times.children_system
        return time.monotonic(), own, busy, steal, mine

    def restart(self) -> None:
        self._start = self._snap()

    def stop(self) -> CpuWindow:
        t0, own0, busy0, steal0, mine0 = self._start
        t1, own1, busy1, steal1, mine1 = self._snap()
        wall = max(t1 - t0, 1e-6)
        others = (busy1 - busy0) / CLK_TCK - (own1 - own0) - (mine1 - mine0)
        return CpuWindow(
            wall_s=wall,
            server_s=own1 - own0,
            foreign_cores=max(0.0, others) / wall,
            steal_cores=(steal1 - steal0) / CLK_TCK / wall,
        )


def wait_quiet(meter_cpu: int | None, server_pid: int, budget_s: float) -> float:
    """Wait (at most `budget_s`) until others use < 0.1 of the server's CPU; seconds waited."""
    started = time.monotonic()
    while True:
        meter = CpuMeter(server_pid, meter_cpu)
        time.sleep(0.3)
        if meter.stop().foreign_cores < 0.1 or time.monotonic() - started >= budget_s:
            return time.monotonic() - started
