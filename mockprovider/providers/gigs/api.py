"""Gigs' API routes: the Connect Sessions API (spec §1.2); the one-off entry url is in `pages.py`.

* `POST /gigs/projects/{project}/connectSessions` → 201 ConnectSession, errors in Gigs'
  envelope: 401 (key) before 404 (project) before 400/422 (body) [DOC G11 order].
* `GET /gigs/checkout/entry?session=csn_…&token=…` checks the token in constant time, burns it
  (single use [DOC-2 G12]) and 303s to the hosted Connect page. A second open, or an open after
  the TTL, sends the browser to `callbackUrl` with `status=auth_expired` [DOC seeds; INF].
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.records import Records
from mockprovider.core.sessions import Session
from mockprovider.providers.gigs import events
from mockprovider.providers.gigs.settings import CREATED
from mockprovider.providers.gigs.validation import TOP_LEVEL, error, parse_body
from mockprovider.web.context import context

NAME = "gigs"
EXPIRED = "auth_expired"


def digest(token: str) -> str:
    """Only a hash of the url's token is kept: Gigs says the url must not be stored (§1.2)."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_key(header: str | None, settings: dict[str, Any]) -> None:
    """401 in Gigs' envelope unless `Authorization: Bearer <api_key>` (constant time)."""
    if not header:
        raise error(
            401,
            "unauthorized",
            "missingApiKey",
            "No API key was provided.",
            hint="Send Authorization: Bearer <your API key> (see the gigs settings).",
        )
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        key.strip().encode(), str(settings["api_key"]).encode()
    ):
        raise error(
            401,
            "unauthorized",
            "invalidApiKey",
            "The API key is not valid.",
            hint="Use the api_key of the gigs settings as a Bearer token.",
        )


async def create(request: Request) -> Response:
    """Create a Connect Session; `com.gigs.connectSession.created` is queued with it [DOC G9]."""
    ctx = context(request)
    sandbox = ctx.sandbox
    settings = await sandbox.settings(NAME)
    check_key(request.headers.get("authorization"), settings)
    project = request.path_params["project"]
    if project != settings["project"]:
        raise error(404, "notFound", "projectNotFound", f"Project {project!r} was not found.")
    body = parse_body(await request.body())
    now = await sandbox.now()
    session_id, token = events.new_id("csn_"), events.new_id("", 64)
    data: dict[str, Any] = {key: body.get(key) for key in TOP_LEVEL}
    data |= {"project": project, "token_sha256": digest(token)}
    await _mint_checkout_ids(sandbox.records(NAME), data, session_id)
    session = Session(
        id=session_id,
        provider=NAME,
        created_at=now,
        expires_at=now + float(settings["session_ttl"]),
        hosted_url=ctx.hosted_url(request, NAME, session_id),
        callback_url=body.get("callbackUrl"),
        data=data,
    )
    messages = []
    if CREATED in settings["events"]:
        payload = events.created_data(data, session_id)
        messages.append(events.event(CREATED, payload, project, settings["webhook_url"], now))
    await sandbox.create_session(session, messages)
    url = f"{ctx.base_url(request)}/{NAME}/checkout/entry?session={session_id}&token={token}"
    content = events.compact(events.session_object(data, session_id, url))
    return Response(content, 201, media_type="application/json")


async def _mint_checkout_ids(records: Records, data: dict[str, Any], session_id: str) -> None:
    """A checkout's subscription and user ids, minted now so the reads (`reads.py`) find them
    by id; they exist for the API only once the checkout succeeds."""
    if data["intent"]["type"] != "checkoutNewSubscription":
        return
    data["subscription"] = events.new_id("sub_")
    data["checkout_user"] = data.get("user") or events.new_id("usr_")
    link = {"session_id": session_id}
    await records.insert("subscription", data["subscription"], link)
    await records.put("user", data["checkout_user"], link)  # a given user: its latest checkout


def routes() -> list[BaseRoute]:
    return [
        Route("/projects/{project}/connectSessions", create, methods=["POST"], name="create"),
    ]
