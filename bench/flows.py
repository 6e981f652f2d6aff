"""The Topiic flow, driven over HTTP the way a browser would: deep link, hosted page, outcome.

`create_forms` opens N sessions (signed deep link `GET /topiic/c?d&s` → 303 → `GET` the hosted
page) over a few keep-alive connections (`rawhttp`) and returns each page's outcome form, ready
to POST once.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from rawhttp import Connection

from mockprovider.providers.topiic.link import build_link
from mockprovider.providers.topiic.settings import (
    SANDBOX_AKID,
    SANDBOX_MID,
    SANDBOX_PLAN,
    SANDBOX_SECRET,
)

TOKEN_RE = re.compile(r'name="t" value="([^"]+)"')
ACTION_RE = re.compile(r'<form method="post" action="([^"]+)"')
SESSION_RE = re.compile(r"/s/([^/?]+)")


@dataclass(frozen=True)
class Form:
    """One hosted page's outcome form: where to POST and the single-use form token."""

    session_id: str
    page_path: str  # /topiic/s/{id}?t=…
    action_path: str  # /topiic/s/{id}/outcome
    token: str

    def line(self, outcome: str = "success") -> str:
        """`path<TAB>body` for `bench/wrk_lines.lua`."""
        return f"{self.action_path}\t{self.body(outcome)}"

    def body(self, outcome: str = "success") -> str:
        return urlencode({"t": self.token, "outcome": outcome})


def deep_link(port: int, ttl: float = 3600.0, prefix: str = "") -> str:
    """A fresh signed deep link (new nonce) for the sandbox's documented key, as a path
    (below a tenant's `prefix`, `/_t/<name>`, if given)."""
    payload = {
        "akid": SANDBOX_AKID,
        "mid": SANDBOX_MID,
        "plan": SANDBOX_PLAN,
        "ref": "cust_bench",
        "contact": {"fn": "Maya", "ln": "Tan", "em": "maya@example.com"},
        "ret": "https://app.example/subscribed?customer=42",
        "evts": ["checkout.completed", "checkout.failed"],
        "nonce": secrets.token_hex(16),
        "exp": int(time.time() + ttl),
    }
    url = build_link(SANDBOX_SECRET, payload, f"http://127.0.0.1:{port}{prefix}/topiic")
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def open_one(conn: Connection, port: int, prefix: str = "") -> Form:
    status, headers, body = await conn.request("GET", deep_link(port, prefix=prefix))
    if status != 303:
        raise RuntimeError(f"deep link answered {status}: {body[:300]!r}")
    target = urlsplit(headers["location"])
    page_path = f"{target.path}?{target.query}"
    status, _, body = await conn.request("GET", page_path)
    text = body.decode()
    token, action = TOKEN_RE.search(text), ACTION_RE.search(text)
    if status != 200 or token is None or action is None:
        raise RuntimeError(f"hosted page answered {status} without an outcome form")
    session = SESSION_RE.search(target.path)
    return Form(
        session_id=session.group(1) if session else "",
        page_path=page_path,
        action_path=urlsplit(action.group(1)).path,
        token=token.group(1),
    )


async def create_forms(
    port: int, count: int, concurrency: int = 16, prefix: str = ""
) -> list[Form]:
    """Open `count` sessions over `concurrency` keep-alive connections; their forms."""
    forms: list[Form] = []

    async def worker(n: int) -> None:
        conn = Connection(port)
        try:
            for _ in range(n):
                forms.append(await open_one(conn, port, prefix))
        finally:
            conn.close()

    share, extra = divmod(count, concurrency)
    await asyncio.gather(*(worker(share + (i < extra)) for i in range(concurrency)))
    return forms


def write_lines(forms: list[Form], path: str) -> None:
    with open(path, "w") as out:
        out.writelines(form.line() + "\n" for form in forms)


async def put_webhook_url(port: int, url: str, prefix: str = "") -> None:
    """Point Topiic's webhooks at `url` through the control API (of the tenant at `prefix`)."""
    conn = Connection(port)
    try:
        body = json.dumps({"webhook_url": url}).encode()
        headers = {"Content-Type": "application/json"}
        status, _, answer = await conn.request(
            "PUT", f"{prefix}/_sandbox/providers/topiic/settings", body, headers
        )
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"setting webhook_url answered {status}: {answer[:300]!r}")
