"""One Gigs Connect flow, step by step, over raw keep-alive sockets (`rawhttp`).

The calls are the ones a Gigs customer's backend and its user's browser make (see
`mockprovider/providers/gigs/api.py` and `trigger.py`):

1. create: `POST /gigs/projects/{project}/connectSessions` with `Authorization: Bearer <api_key>`
   and a checkoutNewSubscription intent → 201 with the session `id` and its one-off `url`;
2. entry: `GET` that url → 303 to the hosted Connect page (the url works once);
3. page: `GET` the hosted page → 200 HTML with the outcome form (`t` token, action);
4. outcome: `POST t=…&outcome=success` → 303 to `callbackUrl` + `&session_id=csn_…&status=success`,
   compared byte for byte;
5. webhooks: `com.gigs.connectSession.created` (queued at 1) and `com.gigs.subscription.created`
   then `.activated` (queued at 4), checked by `hooks.HookReceiver`.

Each flow has its own `user` id (`usr_…`), which every one of its three events carries in
`data.user`: that is how an event is matched to its flow. A step that goes wrong raises
`FlowError(kind)`.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from flows import ACTION_RE, TOKEN_RE
from rawhttp import Connection

PLAN = "pln_0SNlurA049MEWV3V0q7gjQbM4EVo"  # the sandbox catalogue's plan (trigger.py)
INTENT = {"type": "checkoutNewSubscription", "checkoutNewSubscription": {"plan": PLAN}}
CALLBACK = "https://app.example/connected?flow="
CREATED = "com.gigs.connectSession.created"
OUTCOME_EVENTS = ("com.gigs.subscription.created", "com.gigs.subscription.activated")
EVENTS = (CREATED, *OUTCOME_EVENTS)
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class FlowError(Exception):
    """A step answered wrongly; `kind` names it in the error counts (e.g. `status:create`)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def new_user() -> str:
    """`usr_` + 28 alphanumerics, as the API validates user ids."""
    return "usr_" + secrets.token_hex(14)


def path_of(url: str) -> str:
    """`/path?query` of an absolute URL: any replica can be asked for it."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def settings(port: int, values: dict[str, Any]) -> dict[str, Any]:
    """Change Gigs' settings (control API); all of them, the webhook secret included."""
    conn = Connection(port)
    try:
        body = json.dumps(values).encode()
        status, _, answer = await conn.request(
            "PUT", "/_sandbox/providers/gigs/settings", body, JSON
        )
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"changing the Gigs settings answered {status}: {answer[:300]!r}")
    found: dict[str, Any] = json.loads(answer)
    return found


class Client:
    """The customer's backend (`api`) and the user's browser (`browser`), maybe on two replicas."""

    def __init__(self, api_port: int, browser_port: int, gigs: dict[str, Any]) -> None:
        self.api = Connection(api_port, timeout=10.0)
        self.browser = Connection(browser_port, timeout=10.0)
        self.path = f"/gigs/projects/{gigs['project']}/connectSessions"
        self.auth = {**JSON, "Authorization": f"Bearer {gigs['api_key']}"}

    def close(self) -> None:
        self.api.close()
        self.browser.close()

    async def create(self, user: str, flow: int) -> tuple[str, str]:
        """Step 1: (session id, path of the one-off url)."""
        body = {
            "intent": {
                "type": "checkoutNewSubscription",
                "checkoutNewSubscription": {"plan": PLAN},
            },
            "callbackUrl": f"{CALLBACK}{flow}",
            "user": user,
        }
        status, _, answer = await self.api.request(
            "POST", self.path, json.dumps(body).encode(), self.auth
        )
        if status != 201:
            raise FlowError("status:create", f"{status} {answer[:200]!r}")
        created = json.loads(answer)
        return str(created["id"]), path_of(str(created["url"]))

    async def entry(self, entry_path: str) -> str:
        """Step 2: the one-off url's 303; the hosted page's path."""
        status, headers, _ = await self.browser.request("GET", entry_path)
        if status != 303 or "/gigs/s/" not in headers.get("location", ""):
            raise FlowError("status:entry", f"{status} {headers.get('location')}")
        return path_of(headers["location"])

    async def page(self, page_path: str) -> tuple[str, str]:
        """Step 3: the hosted page; (form action path, form body for `success`)."""
        status, _, body = await self.browser.request("GET", page_path)
        text = body.decode(errors="replace")
        token, action = TOKEN_RE.search(text), ACTION_RE.search(text)
        if status != 200 or token is None or action is None:
            raise FlowError("status:page", f"{status}, form found: {token is not None}")
        form = urlencode({"t": token.group(1), "outcome": "success"})
        return urlsplit(action.group(1)).path, form

    async def outcome(self, action: str, form: str, session_id: str, flow: int) -> None:
        """Step 4: the 303 and its exact Location."""
        status, headers, _ = await self.browser.request("POST", action, form.encode(), FORM)
        if status != 303:
            raise FlowError("status:outcome", str(status))
        wanted = f"{CALLBACK}{flow}&session_id={session_id}&status=success"
        if headers.get("location") != wanted:
            raise FlowError("bad_redirect", f"{headers.get('location')!r} != {wanted!r}")


def check_events(data: dict[str, dict[str, Any]], session_id: str) -> None:
    """Step 5's bodies: the created event names the session; the two subscription events
    name one subscription, `pending` then `active`."""
    if data[CREATED].get("id") != session_id:
        raise FlowError("bad_event", f"{CREATED} for {data[CREATED].get('id')}")
    first, second = (data[t] for t in OUTCOME_EVENTS)
    if first.get("id") != second.get("id") or (first.get("status"), second.get("status")) != (
        "pending",
        "active",
    ):
        raise FlowError("bad_event", "subscription events disagree")
