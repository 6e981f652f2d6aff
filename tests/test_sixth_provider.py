"""Adding a provider is a package, its templates and one registry line: a tiny fake provider,
registered only here, gets the hosted page, outcomes, redirects, signed webhooks, the control API,
API faults and its own error shape from the shared layers, with nothing else changed."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockprovider.app import create_app
from mockprovider.app.registry import all_providers
from mockprovider.clock import FrozenClock
from mockprovider.config import Config
from mockprovider.core.contract import Choice, EffectContext, Effects, OutcomeSpec, Setting
from mockprovider.core.redirects import append_params
from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import WebhookMessage
from mockprovider.core.webhooks.policy import DeliveryPolicy
from mockprovider.errors import ProviderError
from mockprovider.web.context import context
from mockprovider.web.provider import BaseProvider
from tests.support import Receiver

HOOK = "http://receiver.test/acme"
PAGE = """{% extends "base.html" %}{% block content %}<h1>Acme Pay</h1>
<form method="post" action="{{ action }}"><input type="hidden" name="t" value="{{ form_token }}">
{{ choices_panel }}</form>{% endblock %}"""


async def create(request: Request) -> Response:
    """`POST /acme/payments {"return_url"}` → 201 {"id", "pay_url"}."""
    ctx = context(request)
    body = json.loads(await request.body())
    now = await ctx.sandbox.now()
    sid = f"pay_{secrets.token_hex(6)}"
    session = Session(
        id=sid,
        provider="acme",
        created_at=now,
        expires_at=now + 600,
        hosted_url=ctx.hosted_url(request, "acme", sid),
        callback_url=body["return_url"],
    )
    await ctx.sandbox.create_session(session)
    return JSONResponse({"id": sid, "pay_url": session.hosted_url}, 201)


class AcmeProvider(BaseProvider):
    name = "acme"
    title = "Acme Pay"
    outcomes = (
        OutcomeSpec("success", "Pay", "result=paid and a payment.paid event"),
        OutcomeSpec("user_abort", "Cancel", "result=cancelled, no event"),
    )
    settings = (Setting("webhook_url", HOOK, "Where events go."),)
    delivery = DeliveryPolicy(schedule=(0.0, 60.0), timeout=5.0)
    page_template = "acme/page.html"

    def api_routes(self) -> list[BaseRoute]:
        return [Route("/payments", create, methods=["POST"])]

    def api_error(self, request: Request, status: int, message: str, now: float) -> ProviderError:
        return ProviderError(status, json.dumps({"acme_error": message}).encode())

    def effects(self, session: Session, choice: Choice, ctx: EffectContext) -> Effects:
        paid = choice.outcome == "success"
        assert session.callback_url is not None
        redirect = append_params(
            session.callback_url, [("result", "paid" if paid else "cancelled")]
        )
        body = json.dumps({"type": "payment.paid", "id": session.id}).encode()
        hooks = [WebhookMessage(f"evt_{session.id}", "payment.paid", HOOK, body)] if paid else []
        return Effects(status=SessionStatus.FINISHED, redirect_url=redirect, webhooks=hooks)

    def match_values(self, session: Session) -> Mapping[str, str]:
        return {}


@pytest.fixture
async def app(clock: FrozenClock, receiver: Receiver, tmp_path: Path) -> AsyncIterator[Starlette]:
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "page.html").write_text(PAGE)
    providers = (*all_providers(), AcmeProvider())
    application = create_app(
        Config(store="memory"),
        clock=clock,
        client=receiver.client(),
        dispatch=False,
        providers=providers,
        template_dirs=[tmp_path],
    )
    async with application.router.lifespan_context(application):
        yield application


async def pay(client: httpx.AsyncClient) -> dict[str, Any]:
    created = await client.post("/acme/payments", json={"return_url": "https://shop.test/done"})
    assert created.status_code == 201
    answer: dict[str, Any] = created.json()
    return answer


async def test_the_hosted_page_outcome_redirect_and_webhook_come_from_the_shared_layers(
    app: Starlette, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    payment = await pay(client)
    page = await client.get(payment["pay_url"])
    assert page.status_code == 200
    assert "<h1>Acme Pay</h1>" in page.text
    token = page.text.split('name="t" value="')[1].split('"')[0]

    done = await client.post(
        f"/acme/s/{payment['id']}/outcome", data={"t": token, "outcome": "success"}
    )
    await app.state.dispatcher.run_once()

    assert done.status_code == 303
    assert done.headers["location"] == "https://shop.test/done?result=paid"
    (hook,) = receiver.requests
    assert json.loads(hook.content) == {"type": "payment.paid", "id": payment["id"]}


async def test_the_control_api_and_dashboard_know_the_new_provider(
    client: httpx.AsyncClient,
) -> None:
    payment = await pay(client)

    listed = (await client.get("/_sandbox/sessions", params={"provider": "acme"})).json()
    done = await client.post(
        f"/_sandbox/sessions/{payment['id']}/outcome", json={"outcome": "user_abort"}
    )
    dashboard = await client.get("/_sandbox/")

    assert [s["id"] for s in listed["sessions"]] == [payment["id"]]
    assert done.json()["redirect_url"] == "https://shop.test/done?result=cancelled"
    assert f"{payment['id']}" in dashboard.text


async def test_unknown_paths_and_faults_answer_in_the_new_providers_shape(
    client: httpx.AsyncClient,
) -> None:
    payment = await pay(client)
    unknown = await client.get("/acme/refunds")
    await client.post("/_sandbox/providers/acme/faults", json={"status": 503})

    faulted = await client.post("/acme/payments", json={"return_url": "https://shop.test/x"})
    page = await client.get(payment["pay_url"])

    assert unknown.status_code == 404
    assert unknown.json() == {"acme_error": "no endpoint GET /refunds"}
    assert faulted.status_code == 503
    assert "acme_error" in faulted.json()
    assert page.status_code == 200  # its pages are never faulted
