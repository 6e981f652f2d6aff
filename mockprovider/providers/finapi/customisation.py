"""Web Form 2.0 customisation reads: `GET /api/profiles`, `/api/profiles/{id}`,
`/api/translations` and `/api/translations/{id}` (`finapi-webform2.yaml` 2.430.0:
`ProfilesPage`, `TranslationSetsPage`, `Error`).

They take "the mandator admin client's access_token" [DOC-2]: the sandbox has one client, so a
client token (grant `client_credentials`) counts as the mandator admin's, a user token is 403
`FORBIDDEN` and none 401 `UNAUTHORIZED` [INF]. The sandbox styles no web form, so it has no
profiles and no translation sets: the lists are empty and every id is 404 `NOT_FOUND`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockprovider.core.engine import Sandbox
from mockprovider.providers.finapi.auth import bearer
from mockprovider.providers.finapi.errors import error, json_response, validation_error
from mockprovider.providers.finapi.listing import page_request
from mockprovider.web.context import context


async def _admin(request: Request, sandbox: Sandbox) -> None:
    found = await bearer(request, sandbox)
    now = await sandbox.now()
    if found is None:
        raise error(request, now, 401, "UNAUTHORIZED", "No access token, or an invalid one.")
    if found.get("user"):
        message = "Use the mandator admin client's access token (grant_type=client_credentials)."
        raise error(request, now, 403, "FORBIDDEN", message)


async def _empty_page(request: Request) -> Response:
    """An empty page, `page` / `perPage` / `order` checked as for web forms (`listing.py`)."""
    sandbox = context(request).sandbox
    await _admin(request, sandbox)
    wanted, problems = page_request(request.query_params)
    if problems:
        raise validation_error(request, await sandbox.now(), problems)
    return json_response(request, {"items": [], "paging": wanted.paging(0)})


async def list_profiles(request: Request) -> Response:
    return await _empty_page(request)


async def list_translations(request: Request) -> Response:
    return await _empty_page(request)


async def get_one(request: Request) -> Response:
    """404 `NOT_FOUND` for any profile or translation set id."""
    sandbox = context(request).sandbox
    await _admin(request, sandbox)
    kind = "Profile" if "/profiles/" in request.url.path else "Translation set"
    message = f"{kind} {request.path_params['id']} not found."
    raise error(request, await sandbox.now(), 404, "NOT_FOUND", message)
