"""The hosted page's short path: the same answers as through the router, each page rendered once
per session state, and `ETag` / `If-None-Match` → 304 for reloads."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Match, Mount

from mockprovider.app.registry import all_providers
from mockprovider.web.mount import ProviderRoutes
from tests.support import parse_form, topiic_link


async def open_page(client: httpx.AsyncClient) -> tuple[str, httpx.Response]:
    entry = await client.get(topiic_link())
    assert entry.status_code == 303, entry.text
    url = entry.headers["location"]
    return url, await client.get(url)


def provider_routes(app: Starlette, name: str) -> ProviderRoutes:
    for route in app.routes:
        if isinstance(route, Mount) and route.path == f"/{name}":
            inner = route.app
            while not isinstance(inner, ProviderRoutes):  # under the provider's middleware
                inner = inner.app  # type: ignore[attr-defined]
            return inner
    raise AssertionError(f"no mount for {name}")


@pytest.mark.parametrize("provider", [p.name for p in all_providers()])
@pytest.mark.parametrize(
    ("method", "path", "name"), [("GET", "/s/abc", "hosted"), ("POST", "/s/abc/outcome", "outcome")]
)
def test_the_router_would_send_the_short_paths_to_the_same_handlers(
    app: Starlette, provider: str, method: str, path: str, name: str
) -> None:
    """No API or page route of a provider shadows the two paths the front takes over."""
    routes = provider_routes(app, provider)
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    first = next(r for r in routes.routes if r.matches(scope)[0] is Match.FULL)
    assert getattr(first, "name", None) == name


async def test_a_reload_with_the_pages_etag_is_a_304_without_a_body(
    client: httpx.AsyncClient,
) -> None:
    url, page = await open_page(client)
    assert page.status_code == 200
    etag = page.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')

    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    weak = await client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304

    other = await client.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200
    assert other.text == page.text
    assert other.headers["etag"] == etag


async def test_the_page_is_rendered_again_when_the_settings_or_host_change(
    client: httpx.AsyncClient,
) -> None:
    url, page = await open_page(client)
    assert 'id="card-help"' in page.text  # Topiic's test_cards setting is on by default
    etag = page.headers["etag"]

    changed = await client.put("/_sandbox/providers/topiic/settings", json={"test_cards": False})
    assert changed.status_code == 200, changed.text
    after = await client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert 'id="card-help"' not in after.text
    assert after.headers["etag"] != etag

    path = urlsplit(url)
    elsewhere = await client.get(
        f"{path.path}?{path.query}", headers={"Host": "sandbox.qa.example"}
    )
    assert elsewhere.status_code == 200
    assert parse_form(elsewhere.text).action.startswith("http://sandbox.qa.example/topiic/s/")
    assert elsewhere.headers["etag"] not in (etag, after.headers["etag"])


async def test_a_finished_session_never_gets_its_open_page_from_the_cache(
    client: httpx.AsyncClient,
) -> None:
    url, page = await open_page(client)
    form = parse_form(page.text)
    done = await client.post(form.action, data={"t": form.token, "outcome": "success"})
    assert done.status_code == 303

    later = await client.get(url, headers={"If-None-Match": page.headers["etag"]})
    assert later.status_code == 200
    assert "etag" not in later.headers
    assert form.token not in later.text


async def test_other_methods_and_paths_still_get_the_routers_answers(
    client: httpx.AsyncClient,
) -> None:
    url, page = await open_page(client)
    form = parse_form(page.text)

    put = await client.put(url)
    assert put.status_code == 405
    assert "GET" in put.headers["allow"]
    get_outcome = await client.get(form.action)
    assert get_outcome.status_code == 405
    slash = await client.get(urlsplit(url).path + "/")
    assert slash.status_code == 307
