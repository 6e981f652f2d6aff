"""What the Hosted Pages tests share: the OpenAPI file's named examples (loaded verbatim from
../shared, skipped where it is absent), and the walk create → hostedUrl → picker → bank →
status screen → redirect over HTTP."""

from __future__ import annotations

import copy
import html
import re
from typing import Any

import httpx

from mockprovider.providers.yapily.settings import APPLICATION_KEY, APPLICATION_SECRET
from tests.provider_openapi import assert_matches, provider_document
from tests.support import SANDBOX, parse_form

AUTH = (APPLICATION_KEY, APPLICATION_SECRET)
#: flow → (create path, GET path, id key, request example)
FLOWS = {
    "consent": (
        "/hosted/consent-requests",
        "/hosted/consent-requests/{consentRequestId}",
        "consentRequestId",
        "create-hosted-consent-request",
    ),
    "payment": (
        "/hosted/payment-requests",
        "/hosted/payment-requests/{paymentRequestId}",
        "paymentRequestId",
        "create-hosted-payment-request",
    ),
    "link": (
        "/hosted/payment-requests/links",
        "/hosted/payment-requests/{paymentRequestId}",
        "paymentRequestId",
        "create-hosted-payment-request-link",
    ),
}
REDIRECT = "https://tpp-application.com/"


def example(name: str) -> Any:
    """`components/examples/<name>/value` of yapily.json, as the file has it."""
    return copy.deepcopy(provider_document("yapily.json")["components"]["examples"][name]["value"])


def request_body(flow: str, **changes: Any) -> dict[str, Any]:
    """The flow's request example; the consent example's `authorisationExpiresAt` lies in 2021,
    before the sandbox clock, so it is dropped unless a test sets one."""
    body: dict[str, Any] = example(FLOWS[flow][3])
    body.pop("authorisationExpiresAt", None)
    body.pop("userId", None)  # the example's user does not exist in a fresh sandbox
    return body | changes


async def create(client: httpx.AsyncClient, flow: str, **changes: Any) -> dict[str, Any]:
    path = FLOWS[flow][0]
    response = await client.post(f"/yapily{path}", json=request_body(flow, **changes), auth=AUTH)
    assert response.status_code == 201, response.text
    assert_matches(provider_document("yapily.json"), path, "post", 201, response.json())
    data: dict[str, Any] = response.json()["data"]
    return data


async def read(client: httpx.AsyncClient, flow: str, request_id: str) -> dict[str, Any]:
    path = FLOWS[flow][1]
    url = "/yapily" + re.sub(r"\{\w+\}", request_id, path)
    response = await client.get(url, auth=AUTH)
    assert response.status_code == 200, response.text
    assert_matches(provider_document("yapily.json"), path, "get", 200, response.json())
    found: dict[str, Any] = response.json()["data"]
    return found


async def to_bank(
    client: httpx.AsyncClient, created: dict[str, Any], bank: str | None = None
) -> str:
    """Open hostedUrl, (pick `bank`), press Continue: the bank page's URL."""
    page = await client.get(created["hostedUrl"])
    assert page.status_code == 200, page.text
    token = re.search(r'name="t" value="([^"]+)"', page.text)
    action = re.search(r'<form method="post" action="([^"]+/bank)"', page.text)
    assert token
    assert action
    form = {"t": token.group(1)} | ({"institution": bank} if bank else {})
    done = await client.post(action.group(1), data=form)
    assert done.status_code == 303, done.text
    location: str = done.headers["location"]
    assert location.startswith(f"{SANDBOX}/yapily/bank/")
    return location


async def press(client: httpx.AsyncClient, bank_url: str, outcome: str) -> str:
    """On the sandbox bank (login prefilled), press `outcome`: the hop URL."""
    page = await client.get(bank_url)
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    inputs = dict(
        re.findall(
            r'<input (?:type="hidden" )?(?:id="\w+" )?name="(\w+)"[^>]*value="([^"]*)"', page.text
        )
    )
    done = await client.post(form.action, data=inputs | {"t": form.token, "outcome": outcome})
    assert done.status_code == 303, done.text
    location: str = done.headers["location"]
    return location


async def status_screen(client: httpx.AsyncClient, hop: str) -> tuple[str, str]:
    """Follow the hop to Yapily's status screen; (its HTML, the redirect it makes)."""
    assert hop.startswith(f"{SANDBOX}/yapily/auth-redirect/?state=")
    landed = await client.get(hop)
    assert landed.status_code == 302, landed.text
    screen = await client.get(landed.headers["location"])
    assert screen.status_code == 200, screen.text
    refresh = re.search(r'<meta http-equiv="refresh" content="\d+;url=([^"]+)">', screen.text)
    link = re.search(r'<a id="return" href="([^"]+)"', screen.text)
    assert refresh
    assert link
    target = html.unescape(refresh.group(1))
    assert html.unescape(link.group(1)) == target
    return screen.text, target
