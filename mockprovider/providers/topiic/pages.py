"""`GET /topiic/c?d=…&s=…`: verify the deep link, create the session, 303 to the hosted page.

Check order (spec §2.2, §2.8): decode `d` (400; a missing `akid` too) → key by `akid` (401) →
signature in constant time (401) → fields (400) → `exp` (410) → `mid` is the key's merchant (403)
→ plan active and of that merchant (422) → `ret` safe (400) → nonce unused (409, checked last so
a rejected link never burns its nonce). Statuses other than 410/409 come from `error_statuses`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_seconds
from mockprovider.core.redirects import check_callback_url
from mockprovider.core.sessions import Session
from mockprovider.errors import UnsafeURL
from mockprovider.providers.topiic import link
from mockprovider.providers.topiic.settings import find_plan, signing_keys
from mockprovider.web.context import context
from mockprovider.web.pages import error_page, see_other

NAME = "topiic"
HINTS = {
    400: "Check the payload fields: akid, mid, plan, ref, ret, evts, nonce, exp.",
    401: "Sign d with the signing secret of the API key named by akid (see the topiic settings).",
    403: "Use the merchant id (mid) that belongs to the API key.",
    409: "Every link needs a fresh nonce: build a new link.",
    410: "Links expire at exp: generate a fresh one right before redirecting.",
    422: "Use an active plan of this merchant (see the plans setting).",
}


async def verify(
    query: Mapping[str, str], settings: Mapping[str, Any], now: float
) -> dict[str, Any]:
    """The link's payload if every check up to the nonce passes; raises `LinkRejected`."""
    statuses = settings["error_statuses"]
    d, s = query.get("d"), query.get("s")
    if not d or not s:
        missing = {name: ["is required"] for name, value in (("d", d), ("s", s)) if not value}
        raise link.LinkRejected(
            "malformed", statuses["malformed"], "the link needs both d and s", missing
        )
    payload = link.decode_payload(d, statuses["malformed"])
    if not isinstance(payload.get("akid"), str):
        # Without an akid there is no key to verify with: a malformed link, not a wrong key.
        problem = "is required" if "akid" not in payload else "must be a string"
        raise link.LinkRejected(
            "malformed", statuses["malformed"], "the link payload is invalid", {"akid": [problem]}
        )
    key = link.find_key(payload["akid"], signing_keys(settings))
    if key is None:
        raise link.LinkRejected(
            "unknown_key", statuses["unknown_key"], "unknown or revoked API key id (akid)"
        )
    link.check_signature(d, s, key, str(settings["hmac_key"]), statuses["bad_signature"])
    errors = link.field_errors(payload)
    if errors:
        raise link.LinkRejected(
            "malformed", statuses["malformed"], "the link payload is invalid", errors
        )
    if payload["exp"] <= now:
        raise link.LinkRejected(
            "expired", 410, f"this link expired at {iso_seconds(payload['exp'])}"
        )
    if payload["mid"] != key.merchant_id:
        raise link.LinkRejected(
            "merchant_mismatch",
            statuses["merchant_mismatch"],
            "merchant id on the request doesn't match your API key's merchant",
        )
    plan = find_plan(settings, payload["plan"])
    if plan is None or not plan["active"] or plan["merchant_id"] != key.merchant_id:
        raise link.LinkRejected(
            "inactive_plan",
            statuses["inactive_plan"],
            f"plan {payload['plan']} is not an active plan of this merchant",
        )
    try:
        check_callback_url(payload["ret"], field="ret")
    except UnsafeURL as exc:
        raise link.LinkRejected(
            "malformed", statuses["malformed"], exc.message, {"ret": [exc.message]}
        ) from None
    return payload


async def entry(request: Request) -> Response:
    ctx = context(request)
    sandbox = ctx.sandbox
    try:
        now = await sandbox.now()
        payload = await verify(request.query_params, await sandbox.settings(NAME), now)
        if not await sandbox.claim_once(NAME, payload["nonce"], float(payload["exp"])):
            raise link.LinkRejected(
                "nonce_reused", 409, "this link was already used (its nonce was seen before)"
            )
    except link.LinkRejected as exc:
        return error_page(
            request,
            exc.status_code,
            exc.title,
            exc.message,
            hint=HINTS.get(exc.status_code, ""),
            json_body=exc.problem(),
            media_type="application/problem+json",
        )
    session_id = str(uuid.uuid4())
    fields = ("akid", "mid", "plan", "ref", "contact", "evts", "nonce")
    session = Session(
        id=session_id,
        provider=NAME,
        created_at=now,
        expires_at=float(payload["exp"]),
        hosted_url=ctx.hosted_url(request, NAME, session_id),
        callback_url=payload["ret"],
        data={k: payload.get(k) for k in fields},
    )
    await sandbox.create_session(session)
    return see_other(session.hosted_url)


def routes() -> list[BaseRoute]:
    """The browser's routes: the deep link (the hosted checkout itself is the shared page)."""
    return [Route("/c", entry, methods=["GET"], name="entry")]
