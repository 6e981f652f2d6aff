"""The four create calls (spec §2): `POST /hosted/consent-requests`, `/hosted/payment-requests`,
`/hosted/payment-requests/links` and `/hosted/vrp-requests/commercial` → 201 with `hostedUrl`.

Each request becomes one session (id = the request id) whose hostedUrl is Yapily's page
(`/yapily/hosted/<consents|payments|links|vrp>?<idparam>=<id>&authToken=…`, §3.1 sandbox
choice). A bank `state` is minted at once, so the direct flow's bank page and hop serve it.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.clock import iso_millis
from mockprovider.core.records import Records
from mockprovider.core.sessions import Session
from mockprovider.core.tokens import Purpose
from mockprovider.errors import ProviderError
from mockprovider.providers.yapily import views
from mockprovider.providers.yapily.auth_requests import NAME, check_auth
from mockprovider.providers.yapily.hosted import details, shapes
from mockprovider.providers.yapily.hosted.bodies import Checker, common
from mockprovider.providers.yapily.hosted.errors import MALFORMED, bad_request, unauthorised
from mockprovider.web.context import context

#: flow → (page path, id parameter, consent-record `type`)
FLOWS: dict[str, tuple[str, str, str]] = {
    "consent": ("consents", "consentRequestId", "AIS"),
    "payment": ("payments", "paymentRequestId", "HOSTED_PIS"),
    "link": ("links", "paymentRequestId", "HOSTED_PIS"),
    "vrp": ("vrp", "requestId", "HOSTED_VRP"),
}
PARSERS = {
    "consent": details.consent,
    "payment": details.payment,
    "link": details.link,
    "vrp": details.vrp,
}


async def authorised(request: Request) -> dict[str, Any]:
    """The Yapily settings, after the Basic-auth check with the hosted paths' V2 401 (§2.5)."""
    settings = await context(request).sandbox.settings(NAME)
    try:
        check_auth(request, settings)
    except ProviderError:
        raise unauthorised(settings) from None
    return settings


async def json_object(request: Request, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The body as a JSON object; malformed JSON gets the documented 400 verbatim (§2.5)."""
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_request(settings, MALFORMED) from None
    if not isinstance(body, dict):
        raise bad_request(settings, MALFORMED)
    return body


async def resolve_user(
    records: Records, check: Checker, user_id: str | None, app_user: str | None
) -> str:
    """The request's Yapily user id (§2.1): an unknown `applicationUserId` creates the user,
    linked to the `userId` given with it [GAP → sandbox choice]; a `userId` alone must exist."""
    if app_user is not None:
        fresh = {"uuid": user_id or str(uuid.uuid4()), "applicationUserId": app_user}
        if await records.insert("user", app_user, fresh):
            await records.put("user_uuid", fresh["uuid"], fresh)
        user = await records.get("user", app_user) or fresh
        if user_id is not None and user_id != user["uuid"]:
            raise check.fail(f"userId: {user_id} does not belong to applicationUserId {app_user}")
        return str(user["uuid"])
    if user_id is None or await records.get("user_uuid", user_id) is None:
        raise check.fail(f"userId: no user {user_id}")
    return user_id


def create(flow: str) -> Any:
    """The handler of one create call."""
    page, id_param, kind = FLOWS[flow]

    async def handler(request: Request) -> Response:
        ctx = context(request)
        sandbox = ctx.sandbox
        settings = await authorised(request)
        body = await json_object(request, settings)
        check = Checker(settings)
        fields = common(body, flow, check) | PARSERS[flow](body, check)
        now, base = await sandbox.now(), ctx.base_url(request)
        expires_at = details.expiry(body, check, flow, now)
        records = sandbox.records(NAME)
        user_uuid = await resolve_user(
            records, check, fields.pop("userId"), fields["applicationUserId"]
        )
        request_id, state = str(uuid.uuid4()), uuid.uuid4().hex
        query = {
            id_param: request_id,
            "authToken": ctx.tokens.sign(Purpose.HOSTED_PAGE, request_id),
        }
        query |= {"applicationId": str(settings["application_key"]), **fields["userSettings"]}
        given = body.get("authorisationExpiresAt") if flow in ("link", "consent") else None
        data: dict[str, Any] = {
            **fields,
            "hosted": flow,
            "type": kind,
            "userUuid": user_uuid,
            "applicationId": str(settings["application_key"]),
            "institutionId": fields["institutionIdentifiers"].get("institutionId"),
            "createdAt": iso_millis(now),
            "authorisationExpiresAt": given or iso_millis(expires_at),
            "state": state,
            "base_url": base,
            "hostedUrl": f"{base}/{NAME}/hosted/{page}?{urlencode(query)}",
            "phases": [{"phaseName": "INITIATED", "at": now}],
            "vrpStatus": ["created", now],
        }
        session = Session(
            id=request_id,
            provider=NAME,
            created_at=now,
            expires_at=expires_at,
            hosted_url=data["hostedUrl"],
            callback_url=fields["redirectUrl"],
            form_nonce=secrets.token_urlsafe(12),
            data=data,
        )
        if flow in ("consent", "vrp"):  # the consent created underneath, found by its id
            data["consentRef"] = str(uuid.uuid4())
            await records.put("consent", data["consentRef"], {"session_id": request_id})
        await records.put("state", state, {"consent_id": request_id})
        await sandbox.create_session(session)
        return views.json_response(shapes.created(session, settings), 201)

    return handler


def routes() -> list[BaseRoute]:
    return [
        Route(
            "/hosted/consent-requests", create("consent"), methods=["POST"], name="hosted_consent"
        ),
        Route(
            "/hosted/payment-requests", create("payment"), methods=["POST"], name="hosted_payment"
        ),
        Route(
            "/hosted/payment-requests/links", create("link"), methods=["POST"], name="hosted_link"
        ),
        Route(
            "/hosted/vrp-requests/commercial", create("vrp"), methods=["POST"], name="hosted_vrp"
        ),
    ]
