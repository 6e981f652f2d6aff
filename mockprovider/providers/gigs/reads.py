"""Gigs reads after the flow: the Connect Session, and the subscription and user its events
name (`GET /projects/{project}/connectSessions|subscriptions|users/{id}`).

The subscription and user ids are minted with the session (so the API can find them by id) and
only exist for the API once a `checkoutNewSubscription` completed with `success`. The
subscription is `pending` until `activates_at` (the outcome plus `activation_delay`), then
`active` — the same moments `subscription.created` and `.activated` carry.

Shapes: the Subscription and User objects of Gigs' Core API reference
(developers.gigs.com/api/latest/core/subscriptions.md and …/users.md); fields the sandbox has no
value for are null, as those pages allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_seconds
from mockprovider.core.sessions import Session
from mockprovider.errors import NotFound, ProviderError
from mockprovider.providers.gigs import events
from mockprovider.providers.gigs.api import NAME, check_key
from mockprovider.providers.gigs.validation import error
from mockprovider.web.context import context

#: Gigs' documented user example's locale [DOC users.md]; the sandbox's default.
LOCALE = "en-US"
PERIOD = 30 * 86400.0  # one month-like period [INF]


def not_found(what: str, given: str) -> ProviderError:
    """404 in Gigs' envelope; the code names the object [GAP: codes not documented]."""
    return error(404, "notFound", f"{what}NotFound", f"The {what} {given!r} was not found.")


async def _project(request: Request) -> dict[str, Any]:
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    check_key(request.headers.get("authorization"), settings)
    project = request.path_params["project"]
    if project != settings["project"]:
        raise error(404, "notFound", "projectNotFound", f"Project {project!r} was not found.")
    return settings


async def _session_by(request: Request, kind: str, key: str) -> Session | None:
    """The session a minted id belongs to, if that id's object exists yet."""
    sandbox = context(request).sandbox
    link = await sandbox.records(NAME).get(kind, key)
    if link is None:
        return None
    try:
        session = await sandbox.get_session(str(link["session_id"]))
    except NotFound:
        return None
    return session if session.data.get("connect_status") == "success" else None


def subscription_object(session: Session, now: float) -> dict[str, Any]:
    """The subscription as the API shows it at sandbox time `now`."""
    data = session.data
    created, activates = float(data["completed_at"]), float(data["activates_at"])
    active = now >= activates
    plan = data["intent"]["checkoutNewSubscription"]["plan"]
    return {
        "object": "subscription",
        "id": data["subscription"],
        "metadata": {},
        "activatedAt": iso_seconds(activates) if active else None,
        "canceledAt": None,
        "cancellationDetails": None,
        "createdAt": iso_seconds(created),
        "currentPeriod": (
            {"number": 1, "start": iso_seconds(activates), "end": iso_seconds(activates + PERIOD)}
            if active
            else None
        ),
        "endedAt": None,
        "firstUsageAt": None,
        "phoneNumber": None,
        "plan": {"object": "plan", "id": plan},
        "porting": None,
        "sim": None,
        "status": "active" if active else "pending",
        "user": user_object(session),
    }


def user_object(session: Session) -> dict[str, Any]:
    """The user the checkout created (or was given), from `userDetails` [DOC-2 G12]."""
    data = session.data
    details: Mapping[str, Any] = data.get("userDetails") or {}
    return {
        "object": "user",
        "id": data["checkout_user"],
        "metadata": {},
        "birthday": details.get("birthday"),
        "createdAt": iso_seconds(float(data["completed_at"])),
        "email": details.get("email"),
        "emailVerified": False,
        "fullName": details.get("fullName"),
        "preferredLocale": details.get("preferredLocale") or LOCALE,
        "status": "active",
    }


async def get_session(request: Request) -> Response:
    """The ConnectSession object; `url` is null on every read [INF spec §1.2: it is only in the
    create response], `user` set once a checkout created one [INF]."""
    await _project(request)
    sandbox = context(request).sandbox
    given = request.path_params["id"]
    try:
        session = await sandbox.get_session(given)
    except NotFound:
        session = None
    if session is None or session.provider != NAME:
        raise not_found("connectSession", given)
    body = events.session_object(session.data, session.id, None)
    if session.data.get("connect_status") == "success" and session.data.get("checkout_user"):
        body["user"] = session.data["checkout_user"]
    return Response(events.compact(body), media_type="application/json")


async def get_subscription(request: Request) -> Response:
    await _project(request)
    given = request.path_params["id"]
    session = await _session_by(request, "subscription", given)
    if session is None or "subscription" not in session.data:
        raise not_found("subscription", given)
    now = await context(request).sandbox.now()
    return Response(
        events.compact(subscription_object(session, now)), media_type="application/json"
    )


async def get_user(request: Request) -> Response:
    await _project(request)
    given = request.path_params["id"]
    session = await _session_by(request, "user", given)
    if session is None or "completed_at" not in session.data:
        raise not_found("user", given)
    return Response(events.compact(user_object(session)), media_type="application/json")


def routes() -> list[BaseRoute]:
    base = "/projects/{project}"
    return [
        Route(f"{base}/connectSessions/{{id}}", get_session, methods=["GET"]),
        Route(f"{base}/subscriptions/{{id}}", get_subscription, methods=["GET"]),
        Route(f"{base}/users/{{id}}", get_user, methods=["GET"]),
    ]
