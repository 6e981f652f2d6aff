"""Every operation of the control API's OpenAPI document, tried without a token, with a forged
one, with another tenant's and with the right one, unprefixed (the `default` tenant) and under
`/_sandbox/tenants/acme/`. Tenant tokens come from a fake verifier (the tenants package
plugs the real one in)."""

from __future__ import annotations

import hmac
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mockprovider.app import create_app
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.web.access import Need, route_need
from tests.support import SANDBOX, T0

ADMIN = "admin-token-0123456789abcdef"
TENANT_TOKENS = {"acme": "acme-token-0123456789", "globex": "globex-token-0123456789"}
DEFAULT_TOKEN = "default-token-0123456789"
FORGED = "admin-token-0123456789abcdeX"  # one character off the admin token
#: The operations open to anyone (the receiver must take webhooks without credentials).
OPEN = {
    ("get", "/_sandbox/health"),
    ("post", "/_sandbox/inbox"),
    ("post", "/_sandbox/inbox/{name}"),
}
#: Tenant management: the admin token only.
MANAGEMENT = {"/_sandbox/tenants", "/_sandbox/tenants/{tenant}"}


async def fake_verifier(tenant: str, token: str) -> bool:
    own = {**TENANT_TOKENS, "default": DEFAULT_TOKEN}.get(tenant)
    return own is not None and own == token


@pytest.fixture
async def guarded() -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app(
        Config(store="memory", admin_token=ADMIN),
        clock=FrozenClock(T0),
        dispatch=False,
        tenant_tokens=fake_verifier,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            yield http


def _concrete(template: str, operation: dict[str, Any]) -> str:
    values = {"tenant": "acme", "provider": "none"}
    for param in operation.get("parameters", []):
        if param["in"] == "path" and "enum" in param["schema"]:
            values[param["name"]] = param["schema"]["enum"][0]
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "x1"), template)


def _cases(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(method, template, concrete path, owning tenant or "" for management), each operation
    unprefixed and again under /_sandbox/tenants/acme/ (unless it is a tenant route already)."""
    cases = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            path = _concrete(template, operation)
            if template in MANAGEMENT:
                cases.append((method, template, path, ""))
                continue
            if template.startswith("/_sandbox/tenants/"):
                cases.append((method, template, path, "acme"))
                continue
            cases.append((method, template, path, "default"))
            below, template_below = path[len("/_sandbox") :], template[len("/_sandbox") :]
            prefixed = f"/_sandbox/tenants/{{tenant}}{template_below}"
            cases.append((method, prefixed, f"/_sandbox/tenants/acme{below}", "acme"))
    return cases


async def _try(
    http: httpx.AsyncClient, method: str, path: str, token: str | None
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    body: dict[str, Any] | None = {} if method in ("post", "put") else None
    return await http.request(method.upper(), path, headers=headers, json=body)


async def test_every_operation_needs_its_token(guarded: httpx.AsyncClient) -> None:
    document = (await _try(guarded, "get", "/_sandbox/openapi.json", ADMIN)).json()
    cases = _cases(document)
    assert len(cases) > 40, "the walk must cover the whole document"
    wrong: list[str] = []
    for method, template, path, owner in cases:
        is_open = (method, template) in OPEN or (
            method == "post"
            and re.fullmatch(r"/_sandbox/tenants/\{tenant\}/inbox(/\{name\})?", template)
        )
        owners_token = DEFAULT_TOKEN if owner == "default" else TENANT_TOKENS.get(owner)
        others = [t for name, t in TENANT_TOKENS.items() if name != owner]
        if owner != "default":
            others.append(DEFAULT_TOKEN)
        refused = [None, FORGED, "", *others] + ([owners_token] if owner == "" else [])
        for token in refused:
            answer = await _try(guarded, method, path, token)
            if is_open:
                continue
            if answer.status_code != 401 or not answer.headers.get(
                "www-authenticate", ""
            ).startswith("Bearer"):
                wrong.append(
                    f"{method.upper()} {path} with {token!r}: {answer.status_code}, want 401"
                )
            elif answer.json()["error"]["status"] != 401:
                wrong.append(f"{method.upper()} {path}: 401 not in the control API's error shape")
        accepted: list[str | None] = [ADMIN]
        if owners_token:
            accepted.append(owners_token)
        if is_open:
            accepted.append(None)
        for token in accepted:
            answer = await _try(guarded, method, path, token)
            if answer.status_code in (401, 403):
                wrong.append(f"{method.upper()} {path} with {token!r}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_refusals_never_echo_the_token_given(guarded: httpx.AsyncClient) -> None:
    for token in (FORGED, TENANT_TOKENS["acme"]):
        answer = await _try(guarded, "get", "/_sandbox/sessions", token)
        assert answer.status_code == 401
        assert (
            answer.headers["www-authenticate"]
            == 'Bearer realm="mockprovider", error="invalid_token"'
        )
        assert token not in answer.text
        assert token not in str(answer.headers)
    answer = await _try(guarded, "get", "/_sandbox/sessions", None)
    assert "a token is needed" in answer.json()["error"]["message"]


async def test_provider_apis_and_pages_stay_open(guarded: httpx.AsyncClient) -> None:
    providers = (await _try(guarded, "get", "/_sandbox/providers", ADMIN)).json()["providers"]
    for provider in providers:
        answer = await guarded.get(f"{provider['base_path']}/no-such-route")
        assert answer.status_code == 404, provider["name"]  # the provider's own 404, no 401
    assert (await guarded.get("/favicon.ico")).status_code == 200


async def test_the_bearer_scheme_is_case_insensitive_and_others_are_ignored(
    guarded: httpx.AsyncClient,
) -> None:
    ok = await guarded.get("/_sandbox/clock", headers={"authorization": f"bearer {ADMIN}"})
    basic = await guarded.get("/_sandbox/clock", headers={"authorization": f"Basic {ADMIN}"})
    query = await guarded.get(f"/_sandbox/clock?token={ADMIN}")
    assert (ok.status_code, basic.status_code, query.status_code) == (200, 401, 401)


async def test_tokens_are_compared_in_constant_time(
    guarded: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", spy)
    await _try(guarded, "get", "/_sandbox/clock", FORGED)
    assert compared == [(FORGED.encode(), ADMIN.encode())]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/topiic/s/1", None),
        ("GET", "/_sandboxx/health", None),
        ("GET", "/_sandbox/health", Need("/_sandbox", "/health", open=True)),
        ("GET", "/_sandbox//health", Need("/_sandbox", "//health", "default")),
        ("GET", "/_sandbox", Need("/_sandbox", "", "default")),
        ("GET", "/_sandbox/", Need("/_sandbox", "/", "default")),
        ("POST", "/_sandbox/inbox", Need("/_sandbox", "/inbox", "default", open=True)),
        ("POST", "/_sandbox/inbox/a/b", Need("/_sandbox", "/inbox/a/b", "default", open=True)),
        ("GET", "/_sandbox/inbox", Need("/_sandbox", "/inbox", "default")),
        ("DELETE", "/_sandbox/inbox", Need("/_sandbox", "/inbox", "default")),
        ("POST", "/_sandbox/tenants", Need("/_sandbox", "/tenants")),
        ("GET", "/_sandbox/tenants/", Need("/_sandbox", "/tenants/")),
        ("DELETE", "/_sandbox/tenants/acme", Need("/_sandbox", "/tenants/acme")),
        # With the slash: the tenant's dashboard home, for its own token (DELETE is a 405).
        ("DELETE", "/_sandbox/tenants/acme/", Need("/_sandbox/tenants/acme", "/", "acme")),
        ("GET", "/_sandbox/tenants/acme/health", Need("/_sandbox/tenants/acme", "/health", "acme")),
        ("POST", "/_sandbox/tenants/acme/reset", Need("/_sandbox/tenants/acme", "/reset", "acme")),
        (
            "POST",
            "/_sandbox/tenants/acme/inbox",
            Need("/_sandbox/tenants/acme", "/inbox", "acme", open=True),
        ),
        ("GET", "/_sandbox/login", Need("/_sandbox", "/login", "default", open=True)),
        (
            "POST",
            "/_sandbox/tenants/acme/logout",
            Need("/_sandbox/tenants/acme", "/logout", "acme", open=True),
        ),
    ],
)
def test_what_each_route_needs(method: str, path: str, expected: Need | None) -> None:
    assert route_need(method, path) == expected


async def test_without_an_admin_token_nothing_is_guarded() -> None:
    app = create_app(Config(store="memory"), dispatch=False, tenant_tokens=fake_verifier)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            assert (await http.post("/_sandbox/reset")).status_code == 200
            assert (await http.get("/_sandbox/login")).status_code == 404
