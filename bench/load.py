"""Closed-loop HTTP load: `wrk` when it is installed, else the asyncio generator in `pyload`.

Two kinds of job, both keep-alive over `connections` connections for `duration` seconds:

* `Job.get(path)`: the same GET again and again;
* `Job.lines(file)`: one POST per `path<TAB>body` line, each line used once (outcome forms
  are single-use); the result says how many lines were used and whether they ran out;
* `Job.post(path, body)`: the same form POST again and again (wrk only; for the peers in
  `peers.py`, whose outcome endpoint takes any number of POSTs).

Both generators report the same `LoadResult`, so a ratio of two results measured by the same
generator is fair even when the generator is slower than the server.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
INSTALL_HINT = "apt-get install -y wrk"


@dataclass(frozen=True)
class Job:
    """What to send: a fixed GET, or the lines of a file as single-use POSTs."""

    kind: str  # "get" | "lines" | "post"
    target: str  # the path, or the lines file
    expect: int  # the status every answer should have
    body: str = ""  # the form body ("post")
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers ("get")

    @classmethod
    def get(cls, path: str, expect: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Job:
        return cls("get", path, expect, headers=headers)

    @classmethod
    def lines(cls, file: Path, expect: int = 303) -> Job:
        return cls("lines", str(file), expect)

    @classmethod
    def post(cls, path: str, body: str, expect: int = 303) -> Job:
        return cls("post", path, expect, body)


@dataclass
class LoadResult:
    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors and timeouts
    bad_status: int  # answers with another status than expected
    used: int  # lines consumed (lines jobs)
    overflow: bool  # the lines ran out before the time did
    server_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def cpu_us_per_request(self) -> float:
        return 1e6 * self.server_cpu_s / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rps"] = round(self.rps, 1)
        out["cpu_us_per_request"] = round(self.cpu_us_per_request, 1)
        return out


def wrk_path() -> str | None:
    return shutil.which("wrk")


class Generator:
    """Runs a `Job` against 127.0.0.1:port with wrk, or with the asyncio fallback."""

    def __init__(self, prefix: Sequence[str], connections: int, use_wrk: bool) -> None:
        self.prefix = list(prefix)
        self.connections = connections
        self.wrk = wrk_path() if use_wrk else None

    @property
    def name(self) -> str:
        return "wrk" if self.wrk else "python-asyncio (fallback)"

    def run(self, port: int, job: Job, duration: float) -> LoadResult:
        if self.wrk:
            return self._run_wrk(self.wrk, port, job, duration)
        return self._run_python(port, job, duration)

    def _run_wrk(self, wrk: str, port: int, job: Job, duration: float) -> LoadResult:
        url = f"http://127.0.0.1:{port}"
        if job.kind == "get":
            script, args, url = "wrk_get.lua", [str(job.expect)], url + job.target
        elif job.kind == "post":
            script, args, url = "wrk_post.lua", [str(job.expect), job.body], url + job.target
        else:
            script, args = "wrk_lines.lua", [job.target, str(job.expect)]
        argv = [
            *self.prefix,
            wrk,
            "-t1",
            f"-c{self.connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "5s",
            *(f for name, value in job.headers for f in ("-H", f"{name}: {value}")),
            "-s",
            str(HERE / script),
            url,
            "--",
            *args,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
        for line in done.stdout.splitlines():
            if line.startswith("WRKJSON "):
                return _from_wrk(json.loads(line[8:]))
        raise RuntimeError(f"wrk gave no result (exit {done.returncode}):\n{done.stderr}")

    def _run_python(self, port: int, job: Job, duration: float) -> LoadResult:
        # Imported here: with wrk installed the fallback is never needed.
        import pyload

        if job.kind == "post":
            raise RuntimeError("the fixed POST job needs wrk (apt-get install -y wrk)")

        return pyload.run(port, job, duration, self.connections)


def _from_wrk(raw: dict[str, int]) -> LoadResult:
    errors = raw["err_connect"] + raw["err_read"] + raw["err_write"] + raw["err_timeout"]
    return LoadResult(
        requests=raw["requests"],
        duration_s=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=errors,
        bad_status=raw["bad_status"],
        used=raw["used"],
        overflow=raw["overflow"] > 0,
    )
