"""`POST /account-auth-requests` and `POST /payment-auth-requests` (spec §2): Basic auth, the
§2.3 validation in Yapily's error envelopes, then a session whose id is the consent id."""

from __future__ import annotations

import base64
import binascii
import hmac
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
from mockprovider.core.redirects import check_callback_url
from mockprovider.core.sessions import Session
from mockprovider.errors import UnsafeURL
from mockprovider.providers.yapily import errors, users, views
from mockprovider.providers.yapily.settings import (
    AIS_SCOPE,
    PIS_SCOPE,
    callback_registered,
    find_institution,
    window,
)
from mockprovider.providers.yapily.tokens import hs256_jwt
from mockprovider.web.context import context

NAME = "yapily"


def check_auth(request: Request, settings: Mapping[str, Any]) -> None:
    """HTTP Basic with the application key and secret, compared in constant time (§1)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise errors.unauthorized() from None
    user, sep, password = decoded.partition(":")
    good_user = hmac.compare_digest(user.encode(), str(settings["application_key"]).encode())
    good_pass = hmac.compare_digest(password.encode(), str(settings["application_secret"]).encode())
    if scheme.lower() != "basic" or not sep or not (good_user and good_pass):
        raise errors.unauthorized()


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object body, or the sandbox's 400 (§2.3 [GAP])."""
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise errors.bad_request("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object")
    return body


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise errors.bad_request(f"{key} must be a string")
    return value or None


def _uuid(body: Mapping[str, Any], key: str) -> str | None:
    """An optional field the contract types `type: string, format: uuid` (not nullable):
    absent, or a UUID; `""` and `null` get the 400."""
    if key not in body:
        return None
    value = body[key]
    try:
        uuid.UUID(value if isinstance(value, str) else "")
    except ValueError:
        raise errors.bad_request(f"{key} must be a UUID") from None
    return str(value)


def validate(body: Mapping[str, Any], settings: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """§2.3, in order: institution, user ids, oneTimeToken/callback, callback registration,
    then the payment request (PIS). Raises the legacy 400 envelope (sandbox choice)."""
    institution_id = _text(body, "institutionId")
    if not institution_id:
        raise errors.bad_request("institutionId is required")
    institution = find_institution(settings, institution_id)
    if institution is None:  # [INF/GAP] institution not added to the application
        raise errors.bad_request(
            f"Institution {institution_id} is not available for this application"
        )
    app_user, user_uuid = _text(body, "applicationUserId"), _uuid(body, "userUuid")
    if not app_user and not user_uuid:
        raise errors.bad_request("One of applicationUserId or userUuid is required")
    callback = _text(body, "callback")
    one_time = body.get("oneTimeToken", False)
    if not isinstance(one_time, bool):
        raise errors.bad_request("oneTimeToken must be a boolean")
    if one_time and not callback:
        raise errors.bad_request("oneTimeToken can only be used together with a callback")
    if callback:
        try:
            check_callback_url(callback, field="callback")
        except UnsafeURL as exc:
            raise errors.bad_request(exc.message) from None
        if not callback_registered(settings, callback):
            raise errors.bad_request(f"The callback {callback} is not registered")
    forward = body.get("forwardParameters") or []
    if not isinstance(forward, list) or not all(isinstance(p, str) for p in forward):
        raise errors.bad_request("forwardParameters must be a list of strings")
    fields: dict[str, Any] = {
        "institution": institution,
        "applicationUserId": app_user,
        "userUuid": user_uuid,
        "callback": callback,
        "oneTimeToken": one_time,
        "forwardParameters": forward,
    }
    if kind == "PIS":
        fields["paymentRequest"] = _payment_request(body)
    else:
        request = body.get("accountRequest") or {}
        scope = request.get("featureScope") if isinstance(request, dict) else None
        fields["featureScope"] = scope if isinstance(scope, list) and scope else AIS_SCOPE
    return fields


def _payment_request(body: Mapping[str, Any]) -> dict[str, Any]:
    payment = body.get("paymentRequest")
    if not isinstance(payment, dict):
        raise errors.bad_request("paymentRequest is required")
    missing = [k for k in ("paymentIdempotencyId", "type", "amount", "payee") if k not in payment]
    if missing:
        raise errors.bad_request(f"paymentRequest.{missing[0]} is required")
    return payment


def authorisation_url(base: str, institution_id: str, state: str, kind: str, intent: str) -> str:
    """The bank's OIDC hybrid-flow URL, on the sandbox (§3.1, §3.4 sandbox choice)."""
    request_object = hs256_jwt({"openbanking_intent_id": intent, "state": state}, state)
    query = urlencode(
        [
            ("client_id", "yapily-sandbox"),
            ("response_type", "code id_token"),
            ("state", state),
            ("nonce", state),
            ("scope", "openid " + ("payments" if kind == "PIS" else "accounts")),
            ("redirect_uri", f"{base}/{NAME}/auth-redirect/"),
            ("request", request_object),
        ]
    )
    return f"{base}/{NAME}/bank/{institution_id}/authorize?{query}"


def create(kind: str) -> Any:
    """The handler of one create endpoint (`AIS` or `PIS`)."""

    async def handler(request: Request) -> Response:
        ctx = context(request)
        sandbox = ctx.sandbox
        settings = await sandbox.settings(NAME)
        check_auth(request, settings)
        fields = validate(await json_body(request), settings, kind)
        user_uuid, app_user = await users.resolve(
            sandbox.records(NAME), fields["applicationUserId"], fields["userUuid"]
        )
        now, base = await sandbox.now(), ctx.base_url(request)
        consent_id, state = str(uuid.uuid4()), uuid.uuid4().hex
        institution = fields.pop("institution")
        prefix = "sdp-1-" if kind == "PIS" else "aac-"  # §1 modelo id shapes [DOC S1 examples]
        intent = prefix + str(uuid.uuid4())
        url = authorisation_url(base, institution["id"], state, kind, intent)
        data: dict[str, Any] = {
            **fields,
            "type": kind,
            "institutionId": institution["id"],
            "applicationUserId": app_user,
            "userUuid": user_uuid,
            "createdAt": iso_millis(now),
            "state": state,
            "institutionConsentId": intent,
            "authorisationUrl": url,
            "qrCodeUrl": f"{base}/{NAME}/images/{uuid.uuid4()}/{int(now)}?size=0",
            "base_url": base,
        }
        if kind == "PIS":
            data["featureScope"] = PIS_SCOPE
        session = Session(
            id=consent_id,
            provider=NAME,
            created_at=now,
            expires_at=now + window(settings, institution),
            hosted_url=url,
            callback_url=fields["callback"],
            form_nonce=secrets.token_urlsafe(12),
            data=data,
        )
        await sandbox.records(NAME).put("state", state, {"consent_id": consent_id})
        await sandbox.create_session(session)
        return views.auth_response(session)

    return handler


def routes() -> list[BaseRoute]:
    return [
        Route("/account-auth-requests", create("AIS"), methods=["POST"], name="account_auth"),
        Route("/payment-auth-requests", create("PIS"), methods=["POST"], name="payment_auth"),
    ]
