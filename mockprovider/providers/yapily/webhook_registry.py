"""Yapily's Webhooks API (spec §7.1 [DOC S1, S15]): `POST/GET /webhook/events`,
`DELETE /webhook/events/{webhook_id}`, `POST /webhook/secrets/{webhook_id}` and
`GET /webhook/events/categories`. Each registration receives the payment events of its
categories, signed with its own `webhookSecret`, next to the `webhook_url` setting (the
sandbox-side way to the same)."""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockprovider.core.engine import Sandbox
from mockprovider.core.redirects import check_callback_url
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.errors import ProviderError, UnsafeURL
from mockprovider.providers.yapily import errors, views, webhooks
from mockprovider.providers.yapily.auth_requests import NAME, check_auth, json_body
from mockprovider.web.context import context

CATEGORIES = {
    webhooks.SUCCESS: "A payment reached a successful final status",
    webhooks.FAILED: "A payment reached a failed final status",
}
#: At most 10 webhooks per application [DOC]: the 11th gets 406, issue code 14007.
MAX_WEBHOOKS = 10


def v2(status: int, kind: str, code: str, message: str) -> ProviderError:
    """The V2 error envelope these operations document (`ApiErrorResponseV2`)."""
    error = {
        "tracingId": errors.tracing_id(),
        "code": status,
        "status": errors.STATUS_TEXT.get(status, "ERROR"),
        "supportUrl": "https://support.yapily.com/",
        "source": "YAPILY",
        "issues": [{"type": kind, "code": code, "message": message}],
    }
    return ProviderError(status, errors.body({"error": error}), content_type=errors.CONTENT_TYPE)


def bad(message: str) -> ProviderError:
    return v2(400, "BAD_REQUEST", "10600", message)


def check_webhook_auth(request: Request, settings: Mapping[str, Any]) -> None:
    """Basic auth as everywhere, but a failure answers the V2 401 these operations document
    (`401-error-response`: `CREDENTIALS` / `10700`), not the legacy 401 of §2.3."""
    try:
        check_auth(request, settings)
    except ProviderError:
        message = "Authorization header invalid or credentials not authenticated"
        raise v2(401, "CREDENTIALS", "10700", message) from None


def check_sub_application(request: Request) -> None:
    """`sub-application`, when sent, is a UUID [DOC]."""
    value = request.headers.get("sub-application")
    if value is None:
        return
    try:
        uuid.UUID(value)
    except ValueError:
        raise bad("sub-application must be a UUID") from None


async def body_of(request: Request) -> dict[str, Any]:
    """The JSON object body; a V2 400 otherwise (these operations document V2 errors)."""
    try:
        return await json_body(request)
    except ProviderError:
        raise bad("The request body must be a JSON object") from None


def envelope(data: Any) -> dict[str, Any]:
    return {"metadata": {"tracingId": str(uuid.uuid4())}, "data": data}


def public(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A registration as listed: without its secret."""
    return {k: v for k, v in doc.items() if k != "webhookSecret"}


def _url(node: Any, key: str) -> str | None:
    if node is None:
        return None
    url = node.get("url") if isinstance(node, dict) else None
    if not isinstance(url, str) or not url:
        raise bad(f"callbackUrl.{key}.url is required")
    try:
        check_callback_url(url, field=f"callbackUrl.{key}.url")
    except UnsafeURL as exc:
        raise bad(exc.message) from None
    if "?" in url:
        raise bad(f"callbackUrl.{key}.url must not have a query string")  # [DOC]
    return url


def _registration(body: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    if body.get("applicationId") != str(settings["application_key"]):
        raise bad("applicationId must be this application's id")
    categories = body.get("categories")
    if not isinstance(categories, list) or not categories:
        raise bad("categories must be a non-empty list")
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise bad(f"Unknown webhook category {unknown[0]!r}")
    links = body.get("callbackUrl")
    if not isinstance(links, dict):
        raise bad("callbackUrl.main.url is required")
    callback = {"main": {"url": _url(links.get("main") or {}, "main")}}
    if (backup := _url(links.get("backup"), "backup")) is not None:
        callback["backup"] = {"url": backup}
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise bad("metadata must map names to strings")
    return {
        "id": str(uuid.uuid4()),
        "applicationId": str(settings["application_key"]),
        "categories": list(dict.fromkeys(categories)),
        "callbackUrl": callback,
        "metadata": metadata,
        "status": "active",
    }


async def _active(sandbox: Sandbox) -> list[dict[str, Any]]:
    found = await sandbox.records(NAME).list("webhook", limit=10_000)
    return [w for w in found if not w.get("deleted")]


async def register(request: Request) -> Response:
    sandbox = context(request).sandbox
    settings = await sandbox.settings(NAME)
    check_webhook_auth(request, settings)
    check_sub_application(request)
    doc = _registration(await body_of(request), settings)
    if len(await _active(sandbox)) >= MAX_WEBHOOKS:
        raise v2(406, "RESOURCE", "14007", f"At most {MAX_WEBHOOKS} webhooks can be registered")
    doc["webhookSecret"] = secrets.token_urlsafe(24)
    await sandbox.records(NAME).put("webhook", doc["id"], doc)
    return views.json_response(envelope(doc), 201)


async def listed(request: Request) -> Response:
    sandbox = context(request).sandbox
    check_webhook_auth(request, await sandbox.settings(NAME))
    check_sub_application(request)
    return views.json_response(envelope({"active": [public(w) for w in await _active(sandbox)]}))


async def _one(request: Request) -> tuple[Sandbox, dict[str, Any]]:
    sandbox = context(request).sandbox
    check_webhook_auth(request, await sandbox.settings(NAME))
    check_sub_application(request)
    doc = await sandbox.records(NAME).get("webhook", request.path_params["webhook_id"])
    if doc is None or doc.get("deleted"):
        raise v2(404, "INVALID_REQUEST", "10800", "Resource not found")  # §8.2 [DOC]
    return sandbox, doc


async def delete(request: Request) -> Response:
    sandbox, doc = await _one(request)
    await sandbox.records(NAME).put("webhook", doc["id"], {**doc, "deleted": True})
    view = {k: v for k, v in public(doc).items() if k != "status"}
    return views.json_response(envelope(view))


async def reset_secret(request: Request) -> Response:
    """A new `webhookSecret` at once; `delay` (0 to 86400 s) is checked, but the sandbox signs
    every later attempt with the new secret (no overlap period) [INF]."""
    sandbox, doc = await _one(request)
    delay = (await body_of(request)).get("delay")
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 86400:
        raise bad("delay must be a number of seconds from 0 to 86400")
    doc["webhookSecret"] = secrets.token_urlsafe(24)
    await sandbox.records(NAME).put("webhook", doc["id"], doc)
    return views.json_response(envelope(doc), 201)


async def categories(request: Request) -> Response:
    check_webhook_auth(request, await context(request).sandbox.settings(NAME))
    found = [{"name": n, "description": d} for n, d in CATEGORIES.items()]
    return views.json_response(envelope({"categories": found}))


async def messages_for(
    sandbox: Sandbox, settings: Mapping[str, Any], kind: str, event: Mapping[str, Any]
) -> list[WebhookMessage]:
    """The `kind` event for the `webhook_url` setting (if set) and for every registration of
    that category: each with its own id in the envelope, its URL and its secret."""
    found = []
    if settings["webhook_url"]:
        found.append(webhooks.payment_event(kind, event, settings))
    for hook in await _active(sandbox):
        if kind in hook["categories"]:
            target = {
                **settings,
                "webhook_id": hook["id"],
                "webhook_url": hook["callbackUrl"]["main"]["url"],
            }
            message = webhooks.payment_event(kind, {**event, "metadata": hook["metadata"]}, target)
            found.append(dataclasses.replace(message, signing={"secret": hook["webhookSecret"]}))
    return found


def routes() -> list[BaseRoute]:
    return [
        Route("/webhook/events", register, methods=["POST"], name="webhook_register"),
        Route("/webhook/events", listed, methods=["GET"], name="webhooks"),
        Route("/webhook/events/categories", categories, methods=["GET"], name="webhook_categories"),
        Route("/webhook/events/{webhook_id}", delete, methods=["DELETE"], name="webhook_delete"),
        Route(
            "/webhook/secrets/{webhook_id}", reset_secret, methods=["POST"], name="webhook_secret"
        ),
    ]
