"""The three GETs (spec §4.1-§4.3): status and phases as the sandbox clock has them; an
unknown id gets the documented V2 404 verbatim."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.sessions import Session
from mockprovider.errors import NotFound
from mockprovider.providers.yapily import views
from mockprovider.providers.yapily.auth_requests import NAME
from mockprovider.providers.yapily.hosted import shapes
from mockprovider.providers.yapily.hosted.create import authorised
from mockprovider.providers.yapily.hosted.errors import not_found
from mockprovider.web.context import context


async def hosted_or_404(
    request: Request, flows: tuple[str, ...], settings: Mapping[str, Any], key: str
) -> Session:
    """The hosted request of one of `flows`, expired first if its time is up (§5: lazily)."""
    sandbox = context(request).sandbox
    try:
        session = await sandbox.get_session(request.path_params[key])
    except NotFound:
        raise not_found(settings) from None
    if session.provider != NAME or session.data.get("hosted") not in flows:
        raise not_found(settings)
    return await sandbox.expire_if_due(session)


async def get_consent_request(request: Request) -> Response:
    settings = await authorised(request)
    session = await hosted_or_404(request, ("consent",), settings, "consentRequestId")
    now = await context(request).sandbox.now()
    return views.json_response(shapes.consent_request(session, now, settings))


async def get_payment_request(request: Request) -> Response:
    settings = await authorised(request)
    session = await hosted_or_404(request, ("payment", "link"), settings, "paymentRequestId")
    now = await context(request).sandbox.now()
    return views.json_response(shapes.payment_request(session, now))


async def get_vrp_request(request: Request) -> Response:
    settings = await authorised(request)
    session = await hosted_or_404(request, ("vrp",), settings, "requestId")
    now = await context(request).sandbox.now()
    return views.json_response(shapes.vrp_request(session, now))


def routes() -> list[BaseRoute]:
    return [
        Route(
            "/hosted/consent-requests/{consentRequestId}",
            get_consent_request,
            methods=["GET"],
            name="hosted_consent_get",
        ),
        Route(
            "/hosted/payment-requests/{paymentRequestId}",
            get_payment_request,
            methods=["GET"],
            name="hosted_payment_get",
        ),
        Route(
            "/hosted/vrp-requests/commercial/{requestId}",
            get_vrp_request,
            methods=["GET"],
            name="hosted_vrp_get",
        ),
    ]
