"""`make screenshots`: the README's pictures, taken by headless Chromium from a real
`mockprovider serve` (memory store, a free port): a hosted page, the dashboard after a finished
flow, and the timeline of a session whose webhook fails. Writes docs/*.png."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

from mockprovider.app.registry import trigger_starters

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1100, "height": 760}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve() -> Iterator[str]:
    """`mockprovider serve` on a free port; its base URL once healthy."""
    port = free_port()
    argv = [sys.executable, "-m", "mockprovider", "serve", "--store", "memory"]
    process = subprocess.Popen([*argv, "--port", str(port)], env=os.environ.copy())  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/_sandbox/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("mockprovider serve did not start")
            time.sleep(0.05)  # polling the health check with a deadline
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def session(url: str, provider: str, **settings: Any) -> str:
    """A session created through the provider's own API (as `mockprovider trigger` does)."""
    if settings:
        httpx.put(f"{url}/_sandbox/providers/{provider}/settings", json=settings)
    current = httpx.get(f"{url}/_sandbox/providers/{provider}/settings").json()

    async def create() -> str:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            return await trigger_starters()[provider](http, current)

    return asyncio.run(create())


def wait_for_attempts(url: str, session_id: str, count: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        hooks = httpx.get(f"{url}/_sandbox/webhooks", params={"session_id": session_id}).json()
        if sum(len(h["attempts"]) for h in hooks["webhooks"]) >= count:
            return
        time.sleep(0.05)  # polling the control API with a deadline
    raise SystemExit(f"session {session_id}: fewer than {count} webhook attempts")


def main() -> None:
    with serve() as url:
        hosted = session(url, "topiic", webhook_url=f"{url}/_sandbox/inbox")
        hosted_url = httpx.get(f"{url}/_sandbox/sessions/{hosted}").json()["hosted_url"]
        done = session(url, "topiic")
        httpx.post(f"{url}/_sandbox/sessions/{done}/outcome", json={"outcome": "success"})
        wait_for_attempts(url, done, 1)
        failing = session(url, "gigs", webhook_url="http://127.0.0.1:9/hooks")
        httpx.post(f"{url}/_sandbox/sessions/{failing}/outcome", json={"outcome": "success"})
        wait_for_attempts(url, failing, 2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            shots = [
                ("hosted-page.png", hosted_url),
                ("dashboard.png", f"{url}/_sandbox/"),
                ("timeline-failing-webhook.png", f"{url}/_sandbox/ui/sessions/{failing}"),
            ]
            for name, address in shots:
                page.goto(address)
                page.screenshot(path=HERE / name)
                print(f"wrote docs/{name}")
            browser.close()


if __name__ == "__main__":
    main()
