"""`bench/run.py --peers`: mockprovider against WireMock, Mockoon and mountebank on one job.

The peers are started by the workplace's peer harness, called in place from
`../shared/bench/peers/` (its `setup.sh` installs them from npm at run time; nothing of theirs
is copied here). When that folder or the peers' installed code is missing, the section is
skipped with a message saying why. The job is the harness's (and the issue's):

* page: `GET` a ~3 KB hosted page (peers: `/hosted/bench-0001`; mockprovider: Topiic's
  `/topiic/s/{id}?t=…`, one session, the same URL every time);
* POST: the outcome form → `303` to the callback with its own query kept (peers:
  `POST /hosted/bench-0001/complete outcome=success`, stateless, any number of times;
  mockprovider: one fresh single-use form per POST, which writes the session and an outbox row
  for a webhook to `/hold`, see README);
* webhook with an HMAC header: the peers' webhooks are off during these runs, as in the
  harness; mockprovider's webhook lag is timed here at fixed rates (`--peer-rates`).

Every server runs pinned to CPU 0 and `wrk -t1 -cN -dS` on CPU 1, with the same settings for
all. Warm-up follows the harness: `--peer-warmup` seconds (15) of load per endpoint, then 5 s
steps until two steps agree within 5 % (at most `--peer-warmup-max`, 60 s), because WireMock's
JIT keeps speeding up for minutes on one core (see the harness's RESULTS.md). mockprovider
(CPython, no JIT) gets the same rule from 2 s up to 10 s: its forms are single-use and each
costs more to create than to POST. Start-up and RSS of the peers come from the harness
(`lib/benchlib.py wait-ready` / `rss`: from the process's start time, over its process tree);
mockprovider's start-up is launch → first 200 on `/_sandbox/health`. Nothing is asserted.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flows
import sizes
import webhooks
from load import Generator, Job, LoadResult, wrk_path
from phases import FixedGet, FormPool, Series, Served, Workload, measure
from procs import Pinning, child_env, free_port, rss_mib
from rawhttp import Connection
from servers import HERE, ServerSpec

if TYPE_CHECKING:
    from run import Bench

PEERS_DIR = HERE.parent.parent / "shared" / "bench" / "peers"
PEERS = ("wiremock", "mockoon", "mountebank")
SESSION = "bench-0001"
CALLBACK_URL = "http://127.0.0.1:18901/shop/return?order=1001"
SECRET = "whsec_bench_secret"
#: What each peer's start.sh needs from `setup.sh` (the same paths start.sh checks).
INSTALLED = {
    "wiremock": "node_modules/wiremock/build/wiremock-standalone-3.13.2.jar",
    "mockoon": "node_modules/@mockoon/cli/bin/run.js",
    "mountebank": "node_modules/mountebank/bin/mb",
}
#: Issue 15: on one core, the hosted page and the outcome POST against WireMock.
TARGET_PAGE_VS_WIREMOCK = 1.5
TARGET_POST_VS_WIREMOCK = 1.0
FORM_BODY = "outcome=success"


@dataclass
class Peer:
    """A peer started by its harness `start.sh`, which printed `pid` (it leads its group)."""

    name: str
    pid: int
    port: int
    folder: Path

    def stop(self) -> None:
        stop = self.folder / self.name / "stop.sh"
        subprocess.run([str(stop), str(self.pid)], capture_output=True, timeout=60, check=False)


def harness(folder: Path, pinning: Pinning, *args: str, timeout: float = 120) -> dict[str, Any]:
    """`python3 lib/benchlib.py ARGS` from the harness, on the load CPU; its JSON line."""
    argv = [*pinning.load, "python3", str(folder / "lib" / "benchlib.py"), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    lines = done.stdout.strip().splitlines()
    try:
        answer: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        answer = {"error": f"benchlib {args[0]}: exit {done.returncode}: {done.stderr[-300:]}"}
    return answer


def start_peer(folder: Path, name: str, pinning: Pinning) -> tuple[Peer, dict[str, Any]]:
    """`taskset -c 0 <peer>/start.sh PORT` (webhooks off); waits for the first 200."""
    port, admin = free_port(), free_port()
    env = child_env() | {
        "WEBHOOK_URL": "",
        "WEBHOOK_SECRET": SECRET,
        "CALLBACK_URL": CALLBACK_URL,
        "MB_ADMIN_PORT": str(admin),
    }
    argv = [*pinning.server, str(folder / name / "start.sh"), str(port)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    out = done.stdout.strip().splitlines()
    if done.returncode != 0 or not out or not out[-1].isdigit():
        raise RuntimeError(f"{name}/start.sh failed (exit {done.returncode}): {done.stderr[-400:]}")
    peer = Peer(name, int(out[-1]), port, folder)
    ready = harness(
        folder, pinning, "wait-ready", str(port), f"/hosted/{SESSION}", str(peer.pid), "90"
    )
    if not ready.get("ready"):
        log = folder / name / ".run" / str(port) / "server.log"
        tail = log.read_text(errors="replace")[-600:] if log.exists() else ""
        peer.stop()
        raise RuntimeError(f"{name} not ready: {ready}\n{tail}")
    return peer, ready


@dataclass
class FixedPost:
    """The peers' outcome POST: the same form body to the same path, every answer a 303."""

    path: str
    body: str = FORM_BODY
    status: int = 303

    def job(self, duration: float) -> Job:
        return Job.post(self.path, self.body, self.status)

    def consumed(self, result: LoadResult) -> None:
        return None


def warm_up(
    label: str,
    proc: Served,
    workload: Workload,
    generator: Generator,
    first: float,
    most: float,
) -> dict[str, Any]:
    """The harness's warm-up: `first` s, then 5 s steps until two agree within 5 %."""
    rates: list[float] = []

    def step(seconds: float) -> float:
        result = generator.run(proc.port, workload.job(seconds), seconds)
        workload.consumed(result)
        rates.append(round(result.rps, 1))
        return result.rps

    spent, prev = first, step(first)
    while spent + 5 <= most:
        current = step(5)
        spent += 5
        if current > 0 and abs(current - prev) < 0.05 * current:
            break
        prev = current
    print(f"  {label:<30} warm-up  {spent:g} s: " + " / ".join(f"{r:,.0f}" for r in rates))
    return {"seconds": spent, "rps_steps": rates}


@dataclass
class Target:
    """One server's figures in the comparison."""

    name: str
    page: Series | None = None
    post: Series | None = None
    startup_s: float | None = None
    rss_idle_mib: float | None = None
    rss_after_mib: float | None = None
    correct: str = "?"
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "page": self.page.summary() if self.page else None,
            "post": self.post.summary() if self.post else None,
            "startup_s": self.startup_s,
            "rss_idle_mib": self.rss_idle_mib,
            "rss_after_mib": self.rss_after_mib,
            "correct": self.correct,
            "error": self.error,
            **self.extra,
        }


class PeerBench:
    def __init__(self, bench: Bench, folder: Path) -> None:
        self.bench = bench
        self.args = bench.args
        self.folder = folder
        self.pinning = bench.pinning
        self.generator = bench.generator
        # The warm-up is done here, in the harness's way; `measure` only times the runs.
        self.plan = replace(bench.plan, warmup=0.0)

    def peer(self, name: str) -> Target:
        target = Target(name)
        missing = self.folder / name / INSTALLED[name]
        if not missing.exists():
            target.error = f"not installed ({missing} is missing): run {self.folder}/setup.sh"
            return target
        print(f"{name}: starting with {self.folder / name / 'start.sh'}", flush=True)
        try:
            peer, ready = start_peer(self.folder, name, self.pinning)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            target.error = f"did not start: {exc}"
            return target
        try:
            target.startup_s = ready["startup_ms"] / 1000
            target.rss_idle_mib = (
                harness(self.folder, self.pinning, "rss", str(peer.pid)).get("rss_kib", 0) / 1024
            )
            check = harness(
                self.folder, self.pinning, "check", str(peer.port), SESSION, CALLBACK_URL
            )
            target.extra["check"] = check
            target.correct = (
                "yes / yes"
                if check.get("page_ok") and check.get("redirect_ok")
                else (
                    f"{'yes' if check.get('page_ok') else 'NO'} / "
                    f"{'yes' if check.get('redirect_ok') else 'NO'}"
                )
            )
            target.page, target.post = self.load(
                name,
                peer,
                FixedGet(f"/hosted/{SESSION}"),
                FixedPost(f"/hosted/{SESSION}/complete"),
                True,
            )
            rss = harness(self.folder, self.pinning, "rss", str(peer.pid))
            target.rss_after_mib = rss.get("rss_kib", 0) / 1024
            target.extra["peak_rss_mib"] = round(rss.get("hwm_kib", 0) / 1024, 1)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            target.error = f"failed during the runs: {exc}"
        finally:
            peer.stop()
        return target

    def load(
        self, name: str, proc: Served, page: Workload, post: Workload, jit: bool
    ) -> tuple[Series, Series]:
        first, most = (self.args.peer_warmup, self.args.peer_warmup_max) if jit else (2.0, 10.0)
        if self.args.quick:
            first, most = min(first, 5.0), min(most, 10.0)
        found: list[Series] = []
        for what, workload in (("page GET", page), ("outcome POST 303", post)):
            label = f"{name}: {what}"
            warm = warm_up(label, proc, workload, self.generator, first, most)
            series = measure(label, proc, workload, self.generator, self.plan)
            series.warmup = warm
            found.append(series)
        return found[0], found[1]

    def floor(self, server: str) -> Target:
        """The raw ASGI hello world on `server`, run the way `serve` runs the product."""
        target = Target(f"raw ASGI hello [{server}]")
        spec = ServerSpec.raw_asgi(server)
        proc = spec.start(self.pinning, self.bench.workdir, f"peers-floor-{server}")
        try:
            target.startup_s = proc.extra["startup_s"]
            target.rss_idle_mib = rss_mib(proc.pid)
            target.page, target.post = self.load(
                target.name, proc, FixedGet("/"), FixedPost("/", status=200), False
            )
            target.rss_after_mib = rss_mib(proc.pid)
            target.correct = "floor"
        finally:
            proc.stop()
        return target

    def mockprovider(self, hold_url: str, server: str) -> Target:
        target = Target(f"mockprovider [{server}]")
        print(f"mockprovider[sqlite,{server}]: Topiic flow", flush=True)
        spec = ServerSpec.mockprovider("sqlite", server)
        proc = spec.start(self.pinning, self.bench.workdir, f"peers-mockprovider-{server}")
        try:
            target.startup_s = proc.extra["startup_s"]
            target.rss_idle_mib = rss_mib(proc.pid)
            asyncio.run(flows.put_webhook_url(proc.port, hold_url))
            forms = asyncio.run(flows.create_forms(proc.port, 2))
            target.correct = asyncio.run(check_mockprovider(proc.port, forms[1]))
            gets_page = FixedGet(forms[0].page_path)
            pool = FormPool(proc.port, self.bench.workdir, rate_guess=1000.0)
            target.page, target.post = self.load(target.name, proc, gets_page, pool, False)
            target.rss_after_mib = rss_mib(proc.pid)
            target.extra["sessions_created"] = pool.created
        finally:
            proc.stop()
        return target

    def lags(self, recv_port: int) -> list[dict[str, Any]]:
        """mockprovider's webhook lag at fixed outcome rates (fresh SQLite server)."""
        rates = [float(r) for r in self.args.peer_rates.split(",") if r.strip()]
        seconds = 3.0 if self.args.quick else 5.0
        proc = ServerSpec.mockprovider("sqlite").start(
            self.pinning, self.bench.workdir, "peers-lag"
        )
        found = []
        try:
            found = asyncio.run(paced_lags(proc.port, recv_port, rates, seconds))
        finally:
            proc.stop()
        for row in found:
            print(
                f"  webhook lag at {row['rate']:g}/s: {row['delivered']}/{row['sessions']} "
                f"delivered, achieved {row['achieved_per_s']:,.0f}/s, p50 {row['lag_p50_ms']} ms, "
                f"p99 {row['lag_p99_ms']} ms",
                flush=True,
            )
        return found

    def bytes_per_session(self, hold_url: str) -> dict[str, Any]:
        """SQLite file growth per session opened (page viewed) and completed (`sizes.py`)."""
        count = self.args.sessions_sized
        return sizes.sqlite_bytes(self.pinning, self.bench.workdir, hold_url, count)


async def check_mockprovider(port: int, form: flows.Form) -> str:
    """The hosted page is a 200 HTML page; its outcome POST is a 303 keeping the `ret` query."""
    conn = Connection(port)
    try:
        status, headers, body = await conn.request("GET", form.page_path)
        page_ok = status == 200 and "text/html" in headers.get("content-type", "")
        status, headers, _ = await conn.request(
            "POST", form.action_path, form.body().encode(), webhooks.FORM
        )
    finally:
        conn.close()
    location = headers.get("location", "")
    redirect_ok = status == 303 and location.startswith(
        "https://app.example/subscribed?customer=42&"
    )
    return f"{'yes' if page_ok else 'NO'} ({len(body):,} B) / {'yes' if redirect_ok else 'NO'}"


async def paced_lags(
    port: int, recv_port: int, rates: list[float], seconds: float
) -> list[dict[str, Any]]:
    """For each rate: `rate * seconds` outcome POSTs open-loop; lag to the receiver's arrival."""
    await flows.put_webhook_url(port, f"http://127.0.0.1:{recv_port}/hooks")
    warm = await flows.create_forms(port, 100)
    sent, _ = await webhooks.complete_all(port, warm, 16)
    await webhooks.wait_arrivals(recv_port, set(sent), timeout=30.0)
    found = []
    for rate in rates:
        count = int(rate * seconds)
        forms = await flows.create_forms(port, count)
        await webhooks.receiver_call(recv_port, "POST", "/_reset")
        started = time.monotonic()
        sent = await webhooks.paced(port, forms, rate, connections=max(8, int(rate / 10)))
        achieved = count / max(max(sent.values()) - started, 1e-6)
        arrivals = await webhooks.wait_arrivals(recv_port, set(sent), timeout=max(30.0, count / 20))
        found.append(
            {
                "rate": rate,
                "sessions": count,
                "achieved_per_s": round(achieved, 1),
                **webhooks.lag_stats(sent, arrivals),
            }
        )
    return found


def ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "-"
    return f"{ours / theirs:.2f}x"


def fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else pattern.format(value)


def peer_table(targets: list[Target]) -> str:
    """One row per server; `÷ WireMock` is that row's req/s ÷ WireMock's, in the same run."""
    wiremock = next((t for t in targets if t.name == "wiremock"), None)
    header = (
        "server",
        "page GET req/s",
        "÷ WireMock",
        "POST 303 req/s",
        "÷ WireMock",
        "page req/CPU-s",
        "POST req/CPU-s",
        "start-up s",
        "RSS idle MiB",
        "RSS after MiB",
        "page / 303 correct",
    )
    cells = [header]
    for t in targets:
        page = t.page.rps if t.page else None
        post = t.post.rps if t.post else None
        wm_page = wiremock.page.rps if wiremock and wiremock.page else None
        wm_post = wiremock.post.rps if wiremock and wiremock.post else None
        cells.append(
            (
                t.name,
                fmt(page, "{:,.0f}"),
                "-" if t is wiremock else ratio(page, wm_page),
                fmt(post, "{:,.0f}"),
                "-" if t is wiremock else ratio(post, wm_post),
                fmt(t.page.capacity if t.page else None, "{:,.0f}"),
                fmt(t.post.capacity if t.post else None, "{:,.0f}"),
                fmt(t.startup_s, "{:.3f}"),
                fmt(t.rss_idle_mib, "{:.1f}"),
                fmt(t.rss_after_mib, "{:.1f}"),
                t.correct if not t.error else "failed",
            )
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    out = []
    for n, line in enumerate(cells):
        parts = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)]
        out.append("| " + " | ".join(parts) + " |")
        if n == 0:
            out.append(
                "| "
                + " | ".join(["-" * widths[0]] + ["-" * (w - 1) + ":" for w in widths[1:]])
                + " |"
            )
    return "\n".join(out)


def notes(
    targets: list[Target], lags: list[dict[str, Any]], size: dict[str, Any], args: Any
) -> list[str]:
    out = [
        "",
        f"÷ WireMock = that row's req/s ÷ WireMock's (median of {args.runs} run(s) of "
        f"{args.duration:g} s, wrk -t1 -c{args.connections}; server on CPU 0, wrk on CPU 1).",
        "raw ASGI hello [server] = the floor: a bare ASGI callable on the same server, run the",
        "way serve runs the product (its POST answers 200, not 303).",
    ]
    if args.runs < 3:
        out.append(f"ONLY {args.runs} RUN(S) per figure: no median; treat as indicative.")
    wiremock = next((t for t in targets if t.name == "wiremock"), None)
    wm_page = wiremock.page.rps if wiremock and wiremock.page else 0.0
    wm_post = wiremock.post.rps if wiremock and wiremock.post else 0.0
    for ours in targets if wm_page and wm_post else []:
        if not ours.name.startswith("mockprovider") or not ours.page or not ours.post:
            continue
        for what, a, b, goal in (
            ("page GET", ours.page.rps, wm_page, TARGET_PAGE_VS_WIREMOCK),
            ("outcome POST", ours.post.rps, wm_post, TARGET_POST_VS_WIREMOCK),
        ):
            r = a / b if b else 0.0
            verdict = "met" if r >= goal else f"NOT met, missed by {1 - r / goal:.0%}"
            out.append(f"target: {ours.name} {what} >= {goal:g}x WireMock: {r:.2f}x ({verdict})")
    for t in targets:
        if t.error:
            out.append(f"{t.name}: {t.error.splitlines()[0]}")
        for what, series in (("page", t.page), ("POST", t.post)):
            if series is None:
                continue
            s = series.summary()
            flags = []
            if s["errors"] or s["bad_status"]:
                flags.append(f"{s['errors']} socket errors, {s['bad_status']} wrong statuses")
            if s["contended_runs"]:
                flags.append(f"{s['contended_runs']} run(s) contended (others on CPU 0 > 0.10)")
            if flags:
                out.append(f"{t.name} {what}: " + "; ".join(flags))
        if t.page and t.post:
            out.append(
                f"{t.name}: runs req/s page "
                + " / ".join(f"{r:,.0f}" for r in t.page.summary()["rps_all"])
                + " ; POST "
                + " / ".join(f"{r:,.0f}" for r in t.post.summary()["rps_all"])
                + f" (warm-up {t.page.warmup['seconds'] if t.page.warmup else 0:g} s"
                + f" / {t.post.warmup['seconds'] if t.post.warmup else 0:g} s)"
            )
    out += [
        "Not the same work: the peers are stateless (fixed session, fixed callback);",
        "mockprovider verifies and signs tokens, looks the session up, and each POST uses a fresh",
        "single-use form and writes the session and an outbox row (webhook queued to a receiver",
        "that never answers). Its Topiic page is ~9.4 KB against the peers' shared 3.1 KB page.",
        "Peers' webhooks are off in these runs (as in the harness); their webhook lag is in the",
        "harness's RESULTS.md. Start-up: peers from process start to the first 200 on the page",
        "(harness); mockprovider from launch to the first 200 on /_sandbox/health.",
        "Peers' req/CPU-s counts the process the harness started and its children.",
    ]
    for row in lags:
        out.append(
            f"mockprovider webhook lag at {row['rate']:g}/s ({row['sessions']} outcomes, SQLite, "
            f"achieved {row['achieved_per_s']:,.0f}/s): p50 {row['lag_p50_ms']} ms, "
            f"p99 {row['lag_p99_ms']} ms, max {row['lag_max_ms']} ms, "
            f"delivered {row['delivered']}/{row['sessions']} (target p99 <= 50 ms at 500/s)"
        )
    if size:
        out.append(
            f"SQLite bytes per stored session: {size['bytes_per_session']:,.0f} "
            f"(file growth {size['empty_bytes']:,} → {size['full_bytes']:,} bytes over "
            f"{size['sessions']} sessions opened, page viewed, outcome posted, webhook queued)"
        )
    return out


def main(bench: Bench) -> int:
    """The peer comparison; 0 whenever the run itself worked (or was skipped)."""
    args = bench.args
    folder: Path = args.peers_dir
    if not folder.is_dir():
        print(
            f"peer comparison skipped: {folder} is absent (the workplace's shared peer "
            "harness, ../shared/bench/peers/, is needed to start WireMock, Mockoon and "
            "mountebank)."
        )
        return 0
    if wrk_path() is None or shutil.which("taskset") is None:
        print(
            "peer comparison skipped: it needs wrk and taskset, like the harness "
            "(apt-get install -y wrk util-linux)"
        )
        return 0
    names = [n for n in args.peer_list.split(",") if n.strip()]
    unknown = [n for n in names if n not in PEERS]
    if unknown:
        print(f"unknown peer(s): {', '.join(unknown)} (known: {', '.join(PEERS)})")
        return 2
    started = time.monotonic()
    print(f"peers from {folder}; load: {bench.generator.name}; {bench.pinning.note}", flush=True)
    pb = PeerBench(bench, folder)
    recv_port = bench.start_receiver()
    hold_url = f"http://127.0.0.1:{recv_port}/hold"
    targets = [pb.mockprovider(hold_url, server) for server in args.servers]
    targets += [pb.floor(server) for server in args.servers]
    targets += [pb.peer(name) for name in names]
    lags = pb.lags(recv_port) if not args.no_peer_extras else []
    size = pb.bytes_per_session(hold_url) if not args.no_peer_extras else {}
    print()
    print(peer_table(targets))
    for line in notes(targets, lags, size, args):
        print(line)
    details = {
        "peers_dir": str(folder),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "targets": {t.name: t.summary() for t in targets},
        "webhook_lag": lags,
        "sqlite_size": size,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = args.out / f"peers-{stamp}.json"
    path.write_text(json.dumps(details, indent=1, ensure_ascii=False, default=str) + "\n")
    print(f"\nwhole run {details['elapsed_s']} s; JSON: {path}")
    return 0
