"""The dashboard's sign-in, in-process: a browser without a token gets the login page (401),
the form sets a signed HttpOnly SameSite=Lax cookie, the cookie opens only what it was issued
for, cookie writes must come from the sandbox's own pages, sign-out clears it, and everything
reflected is escaped."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.web import login
from tests.support import SANDBOX, T0

ADMIN = "admin-token-0123456789abcdef"
ACME = "acme-token-0123456789"
HTML = {"accept": "text/html,application/xhtml+xml"}
SAME = {"origin": SANDBOX}


async def acme_only(tenant: str, token: str) -> bool:
    return tenant == "acme" and token == ACME


def _app(admin: str = ADMIN) -> Starlette:
    config = Config(store="memory", admin_token=admin, secret_key="fixed-secret")
    return create_app(config, clock=FrozenClock(T0), dispatch=False, tenant_tokens=acme_only)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = _app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as client:
            yield client


async def _sign_in(
    http: httpx.AsyncClient, token: str, prefix: str = "/_sandbox", next_path: str = ""
) -> httpx.Response:
    form = {"token": token, "next": next_path or f"{prefix}/"}
    return await http.post(f"{prefix}/login", data=form, headers=SAME)


async def test_a_browser_without_a_token_gets_the_login_page(http: httpx.AsyncClient) -> None:
    page = await http.get("/_sandbox/ui/providers?x=1", headers=HTML)

    assert page.status_code == 401
    assert page.headers["www-authenticate"] == 'Bearer realm="mockprovider"'
    assert page.headers["content-type"].startswith("text/html")
    assert f'action="{SANDBOX}/_sandbox/login"' in page.text
    assert 'name="next" value="/_sandbox/ui/providers?x=1"' in page.text
    assert 'type="password"' in page.text
    assert (await http.get("/_sandbox/ui/providers")).json()["error"]["status"] == 401


async def test_signing_in_sets_a_signed_httponly_samesite_cookie(http: httpx.AsyncClient) -> None:
    done = await _sign_in(http, ADMIN, next_path="/_sandbox/ui/providers")

    assert done.status_code == 303
    assert done.headers["location"] == f"{SANDBOX}/_sandbox/ui/providers"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{login.COOKIE}=")
    for attribute in ("HttpOnly", "Path=/_sandbox", "SameSite=lax", f"Max-Age={login.MAX_AGE}"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http here; over https it is set
    assert ADMIN not in cookie
    page = await http.get("/_sandbox/ui/providers", headers=HTML)
    assert page.status_code == 200
    assert "Sign out" in page.text
    assert (await http.get("/_sandbox/sessions")).status_code == 200  # the API too


async def test_a_wrong_token_shows_the_form_again_and_sets_nothing(
    http: httpx.AsyncClient,
) -> None:
    again = await _sign_in(http, "not-the-token-at-all")

    assert again.status_code == 401
    assert "That token is not valid here." in again.text
    assert "set-cookie" not in again.headers
    assert "not-the-token-at-all" not in again.text


async def test_a_forged_or_stale_cookie_opens_nothing(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    http.cookies.set(login.COOKIE, "eyJzIjoiL2FkbWluIn0.AAAAAA.forged", path="/_sandbox")
    assert (await http.get("/_sandbox/sessions")).status_code == 401
    http.cookies.clear()

    other = _app(admin="another-admin-token-0123")  # same secret, another admin token
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as elsewhere:
            signed = await _sign_in(elsewhere, "another-admin-token-0123")
    value = signed.cookies[login.COOKIE]
    http.cookies.set(login.COOKIE, value, path="/_sandbox")
    assert (await http.get("/_sandbox/sessions")).status_code == 401

    await _sign_in(http, ADMIN)
    assert (await http.get("/_sandbox/sessions")).status_code == 200
    monkeypatch.setattr(login, "MAX_AGE", -1)  # now older than the cookie's lifetime
    assert (await http.get("/_sandbox/sessions")).status_code == 401


async def test_a_tenant_login_opens_only_that_tenants_routes(http: httpx.AsyncClient) -> None:
    refused = await _sign_in(http, ACME)  # the unprefixed routes are the default tenant's
    assert refused.status_code == 401

    page = await http.get("/_sandbox/tenants/acme/ui/providers", headers=HTML)
    assert page.status_code == 401
    assert "<code>acme</code>" in page.text
    assert f'action="{SANDBOX}/_sandbox/tenants/acme/login"' in page.text
    done = await _sign_in(http, ACME, "/_sandbox/tenants/acme")
    assert done.status_code == 303

    assert (await http.get("/_sandbox/tenants/acme/sessions")).status_code != 401
    for elsewhere in (
        "/_sandbox/sessions",
        "/_sandbox/tenants/globex/sessions",
        "/_sandbox/tenants",
    ):
        assert (await http.get(elsewhere)).status_code == 401, elsewhere


async def test_cookie_writes_must_come_from_the_sandboxs_own_pages(
    http: httpx.AsyncClient,
) -> None:
    await _sign_in(http, ADMIN)
    form = {"by": "30s"}

    bare = await http.post("/_sandbox/ui/clock/advance", data=form)
    evil = await http.post(
        "/_sandbox/ui/clock/advance", data=form, headers={"origin": "https://evil.example"}
    )
    null = await http.post("/_sandbox/ui/clock/advance", data=form, headers={"origin": "null"})
    api = await http.post("/_sandbox/reset", headers={"origin": "https://evil.example"})
    assert [r.status_code for r in (bare, evil, null, api)] == [403, 403, 403, 403]
    assert (await http.get("/_sandbox/clock")).json()["offset"] == 0

    own = await http.post("/_sandbox/ui/clock/advance", data=form, headers=SAME)
    by_referer = await http.post(
        "/_sandbox/ui/clock/advance", data=form, headers={"referer": f"{SANDBOX}/_sandbox/"}
    )
    assert [own.status_code, by_referer.status_code] == [303, 303]
    assert (await http.get("/_sandbox/clock")).json()["offset"] == 60


async def test_bearer_writes_need_no_origin(http: httpx.AsyncClient) -> None:
    done = await http.post("/_sandbox/reset", headers={"authorization": f"Bearer {ADMIN}"})
    assert done.status_code == 200


async def test_login_and_logout_refuse_cross_site_posts(http: httpx.AsyncClient) -> None:
    evil = {"origin": "https://evil.example"}
    forced = await http.post("/_sandbox/login", data={"token": ADMIN}, headers=evil)
    assert (forced.status_code, "set-cookie" in forced.headers) == (403, False)
    await _sign_in(http, ADMIN)
    assert (await http.post("/_sandbox/logout", headers=evil)).status_code == 403
    assert (await http.get("/_sandbox/sessions")).status_code == 200
    assert (await http.get("/_sandbox/logout")).status_code == 405


async def test_a_path_that_merely_ends_in_login_is_still_refused(http: httpx.AsyncClient) -> None:
    page = await http.get("/_sandbox/sessions/login", headers=HTML)
    assert page.status_code == 401
    assert (await http.get("/_sandbox/login", headers=HTML)).status_code == 200


async def test_a_cross_site_refusal_answers_an_api_client_in_json(http: httpx.AsyncClient) -> None:
    await _sign_in(http, ADMIN)
    refused = await http.post("/_sandbox/reset", headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"].startswith("cross-site request refused")


async def test_the_open_sign_in_route_reads_no_large_body(http: httpx.AsyncClient) -> None:
    huge = await http.post("/_sandbox/login", data={"token": "x" * 10_000}, headers=SAME)
    assert huge.status_code == 413


async def test_signing_out_clears_the_cookie(http: httpx.AsyncClient) -> None:
    await _sign_in(http, ADMIN)
    out = await http.post("/_sandbox/logout", headers=SAME)

    assert out.status_code == 303
    assert out.headers["location"] == f"{SANDBOX}/_sandbox/"
    assert re.search(rf"{login.COOKIE}=\"?\"?;", out.headers["set-cookie"])
    assert "Max-Age=0" in out.headers["set-cookie"]
    assert (await http.get("/_sandbox/", headers=HTML)).status_code == 401


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/elsewhere"]
)
async def test_signing_in_never_sends_the_browser_elsewhere(
    http: httpx.AsyncClient, next_path: str
) -> None:
    done = await _sign_in(http, ADMIN, next_path=next_path)
    assert done.headers["location"] == f"{SANDBOX}/_sandbox/"


async def test_everything_reflected_is_escaped(http: httpx.AsyncClient) -> None:
    hostile = '"><img src=x onerror=alert(1)>'
    page = await http.get(f"/_sandbox/tenants/{hostile}/ui", headers=HTML)
    assert page.status_code == 401
    assert "<img" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text  # the tenant's name, escaped

    asked = await http.get("/_sandbox/login", params={"next": f"/_sandbox/{hostile}"})
    assert "<img" not in asked.text
    assert 'value="/_sandbox/&#34;&gt;&lt;img' in asked.text
