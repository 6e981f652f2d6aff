"""Every provider's create calls, sent with only their required fields and again with every
optional field, walked through every page and every outcome and scenario: the hosted page
(and each page it leads to inside the sandbox), the end page, the provider's own read-back
API, the control API, the dashboard pages and the webhook dispatcher. No 5xx anywhere.

Issue 11 found a Yapily payment without the optional `reference` whose bank page answered 500;
this is the net that catches the next one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers import bridge_helpers, finapi_helpers, gigs_helpers
from tests.providers.test_yapily import AUTH as YAPILY_AUTH
from tests.providers.topiic_helpers import form_fields
from tests.support import SANDBOX, parse_form, topiic_link, topiic_payload

#: A create call: the session id and the URL a browser is sent to.
Created = tuple[str, str]
Create = Callable[[httpx.AsyncClient], Awaitable[Created]]
YAPILY_CALLBACK = "https://tpp.example/yapily/callback"
IBAN = "DE89370400440532013000"


async def topiic_min(client: httpx.AsyncClient) -> Created:
    payload = topiic_payload()
    del payload["contact"]  # the only optional field
    link = topiic_link(**payload)
    return await _entry(client, link)


async def topiic_max(client: httpx.AsyncClient) -> Created:
    return await _entry(client, topiic_link())


async def _entry(client: httpx.AsyncClient, link: str) -> Created:
    entry = await client.get(link)
    assert entry.status_code == 303, entry.text
    url = entry.headers["location"]
    return url.split("?", 1)[0].rsplit("/", 1)[1], url


def gigs(body: dict[str, Any]) -> Create:
    async def create(client: httpx.AsyncClient) -> Created:
        response = await gigs_helpers.create(client, body)
        assert response.status_code == 201, response.text
        return response.json()["id"], response.json()["url"]

    return create


GIGS_MAX = {
    "intent": {
        "type": "checkoutNewSubscription",
        "checkoutNewSubscription": {
            "plan": gigs_helpers.PLAN,
            "addons": ["add_0SNlurA049MEWV2gSfSxi00xlPIi"],
            "device": "dev_0SNlurA049MEWV2gSfSxi00xlPIi",
            "sim": "sim_0SNlurA049MEWV2gSfSxi00xlPIi",
            "imei": "490154203237518",
            "voucherCode": "WELCOME",
        },
    },
    "callbackUrl": gigs_helpers.CALLBACK,
    "userDetails": {
        "email": "maya@example.com",
        "fullName": "Maya Tan",
        "preferredLocale": "en-US",
        "birthday": "1990-01-01",
    },
    "appearance": {"theme": "dark"},
}


def bridge(body: dict[str, Any]) -> Create:
    async def create(client: httpx.AsyncClient) -> Created:
        connect = await bridge_helpers.connect(client, **body)
        return connect.session_id, connect.url

    return create


BRIDGE_MIN = {"callback_url": None}  # user_email only (the helper adds it)
BRIDGE_MAX = {
    "context": "order-42",
    "country_code": "FR",
    "account_types": "all",
    "provider_id": 574,
    "max_selectable_accounts": 2,
    "allow_account_selection": True,
}


def yapily(path: str, body: dict[str, Any]) -> Create:
    async def create(client: httpx.AsyncClient) -> Created:
        response = await client.post(f"/yapily{path}", json=body, auth=YAPILY_AUTH)
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        return data["id"], data["authorisationUrl"]

    return create


PAYMENT_MIN = {
    "paymentIdempotencyId": "pay0001",
    "type": "DOMESTIC_PAYMENT",
    "amount": {"amount": 12.5, "currency": "GBP"},
    "payee": {"name": "Jane Doe", "accountIdentifications": []},
}
PAYMENT_MAX = PAYMENT_MIN | {
    "reference": "Invoice 42",
    "contextType": "BILL",
    "purposeCode": "CASH",
    "payer": {"name": "Maya Tan", "accountIdentifications": []},
    "payee": {
        "name": "Jane Doe",
        "accountIdentifications": [
            {"type": "SORT_CODE", "identification": "123456"},
            {"type": "ACCOUNT_NUMBER", "identification": "12345678"},
        ],
        "address": {"country": "GB"},
    },
    "paymentDateTime": "2026-02-01T10:00:00Z",
}
YAPILY_MIN = {"institutionId": "modelo-sandbox", "applicationUserId": "user-42"}
YAPILY_MAX = YAPILY_MIN | {
    "callback": YAPILY_CALLBACK,
    "oneTimeToken": True,
    "forwardParameters": ["tenant"],
}


def finapi(kind: str, body: dict[str, Any]) -> Create:
    async def create(client: httpx.AsyncClient) -> Created:
        token = await finapi_helpers.user_token(client)
        response = await finapi_helpers.create(client, token, body, kind)
        assert response.status_code == 201, response.text
        form = response.json()
        return form["id"], finapi_helpers.page_url(form, finapi_helpers.BROWSER)

    return create


ORDER = {
    "amount": {"value": "12.50", "currency": "EUR"},
    "recipient": {"name": "Jane", "iban": IBAN},
}
ORDER_MAX = ORDER | {"purpose": "Invoice 42", "endToEndId": "e2e-42"}


@dataclass(frozen=True)
class Call:
    provider: str
    create: Create


CALLS = {
    "topiic-min": Call("topiic", topiic_min),
    "topiic-max": Call("topiic", topiic_max),
    "gigs-min": Call("gigs", gigs({"intent": gigs_helpers.CHECKOUT})),
    "gigs-max": Call("gigs", gigs(GIGS_MAX)),
    "bridge-min": Call("bridge", bridge(BRIDGE_MIN)),
    "bridge-max": Call("bridge", bridge(BRIDGE_MAX)),
    "yapily-ais-min": Call("yapily", yapily("/account-auth-requests", YAPILY_MIN)),
    "yapily-ais-max": Call(
        "yapily",
        yapily(
            "/account-auth-requests",
            YAPILY_MAX
            | {
                "accountRequest": {
                    "transactionFrom": "2025-01-01T00:00:00Z",
                    "transactionTo": "2026-01-01T00:00:00Z",
                    "expiresAt": "2027-01-01T00:00:00Z",
                    "featureScope": ["ACCOUNTS", "ACCOUNT_TRANSACTIONS"],
                }
            },
        ),
    ),
    "yapily-pis-min": Call(
        "yapily", yapily("/payment-auth-requests", YAPILY_MIN | {"paymentRequest": PAYMENT_MIN})
    ),
    "yapily-pis-max": Call(
        "yapily", yapily("/payment-auth-requests", YAPILY_MAX | {"paymentRequest": PAYMENT_MAX})
    ),
    "finapi-import-min": Call("finapi", finapi("bankConnectionImport", {})),
    "finapi-import-max": Call(
        "finapi",
        finapi(
            "bankConnectionImport",
            {
                "bank": {"id": 280001},
                "callbacks": {"finalised": finapi_helpers.CB},
                "maxDaysForDownload": 90,
                "accountTypes": ["CHECKING"],
                "allowedInterfaces": ["FINTS_SERVER"],
            },
        ),
    ),
    "finapi-payment-min": Call("finapi", finapi("standalonePayment", {"orders": [ORDER]})),
    "finapi-payment-max": Call(
        "finapi",
        finapi(
            "standalonePayment",
            {
                "orders": [ORDER_MAX, ORDER],
                "sender": {"iban": IBAN, "name": "Maya Tan"},
                "callbacks": {"finalised": finapi_helpers.CB},
                "executionDate": "2026-02-01",
                "instantPayment": False,
            },
        ),
    ),
    "finapi-with-account-min": Call(
        "finapi",
        finapi("paymentWithAccountId", {"orders": [ORDER], "sender": {"accountId": 1}}),
    ),
}


class Walk:
    """Every request of one walk, so a failure names each 5xx with the URL that gave it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.seen: list[tuple[int, str, str]] = []

    async def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, url, **kwargs)
        self.seen.append((response.status_code, method, url))
        return response

    async def follow(self, response: httpx.Response) -> httpx.Response:
        """Follow the redirects that stay inside the sandbox, as a browser would."""
        for _ in range(10):
            location = response.headers.get("location", "")
            if response.status_code not in (302, 303, 307) or not location.startswith(SANDBOX):
                return response
            response = await self.send("GET", location)
        raise AssertionError(f"redirect loop: {self.seen}")

    def server_errors(self) -> list[tuple[int, str, str]]:
        return [seen for seen in self.seen if seen[0] >= 500]


async def choices(client: httpx.AsyncClient, provider: str) -> list[dict[str, str]]:
    """The provider's outcomes and scenarios, as control-API choices."""
    listed = (await client.get("/_sandbox/providers")).json()["providers"]
    [spec] = [p for p in listed if p["name"] == provider]
    return [{"outcome": o["name"]} for o in spec["outcomes"]] + [
        {"scenario": s["name"]} for s in spec["scenarios"]
    ]


async def press(walk: Walk, page: httpx.Response, choice: str) -> bool:
    """Press `choice` on the page, if it offers it, with the page's inputs; False otherwise."""
    if page.status_code != 200 or 'name="outcome"' not in page.text:
        return False
    form = parse_form(page.text)
    if choice not in form.buttons:
        return False
    data = form_fields(page.text) | {"outcome": choice}
    await walk.follow(await walk.send("POST", form.action, data=data))
    return True


async def inspect(walk: Walk, session_id: str, provider: str) -> None:
    """What a tester and the integrator look at after the choice."""
    await walk.send("GET", f"/_sandbox/sessions/{session_id}")
    await walk.send("GET", f"/_sandbox/webhooks?session_id={session_id}")
    await walk.send("GET", f"/_sandbox/ui/sessions/{session_id}")
    await walk.send("GET", f"/_sandbox/ui/sessions/{session_id}?fragment=1")
    await walk.send("GET", f"/_sandbox/?provider={provider}")


@pytest.mark.parametrize("path", ["button", "api"])
@pytest.mark.parametrize("call", list(CALLS))
async def test_every_create_call_through_every_page_and_outcome(
    client: httpx.AsyncClient, dispatcher: Dispatcher, call: str, path: str
) -> None:
    spec = CALLS[call]
    walk = Walk(client)
    for choice in await choices(client, spec.provider):
        name = next(iter(choice.values()))
        session_id, url = await spec.create(client)
        page = await walk.follow(await walk.send("GET", url))
        if not (path == "button" and await press(walk, page, name)):
            done = await walk.send("POST", f"/_sandbox/sessions/{session_id}/outcome", json=choice)
            assert done.status_code in (200, 409), f"{name}: {done.text}"  # 409: auto scenario
            redirect = done.json().get("redirect_url") or ""
            if redirect.startswith(SANDBOX):
                await walk.follow(await walk.send("GET", redirect))
        await walk.follow(await walk.send("GET", url))  # the page again, after the end
        await inspect(walk, session_id, spec.provider)
        await dispatcher.run_once()
        assert not walk.server_errors(), f"{name}: {walk.server_errors()}"
        view = (await client.get(f"/_sandbox/sessions/{session_id}")).json()
        problem = any(step.get("problem") for step in view["history"])  # the flow goes on
        assert problem or view["status"] not in ("created", "opened"), f"{name}: {view}"
    await walk.send("GET", "/_sandbox/ui/providers")
    assert not walk.server_errors(), walk.server_errors()
