"""Yapily over real sockets against `mockprovider serve`: create → bank page → Allow → the hop →
the exact callback."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from mockprovider.providers.yapily.settings import APPLICATION_KEY, APPLICATION_SECRET
from tests.e2e.servers import ServerProcess, WebhookReceiver
from tests.support import parse_form

pytestmark = pytest.mark.slow


def test_create_bank_page_success_lands_on_the_exact_callback(
    server: ServerProcess, hooks: WebhookReceiver
) -> None:
    callback = f"{hooks.return_url}?customer=42"
    body = {"applicationUserId": "user-42", "institutionId": "modelo-sandbox", "callback": callback}
    with server.client() as http:
        created = http.post(
            "/yapily/account-auth-requests", json=body, auth=(APPLICATION_KEY, APPLICATION_SECRET)
        )
        assert created.status_code == 201, created.text
        data = created.json()["data"]
        assert data["authorisationUrl"].startswith(f"{server.base_url}/yapily/bank/")
        page = http.get(data["authorisationUrl"])
        assert page.status_code == 200, page.text
        form = parse_form(page.text)
        login = {"username": "mits", "password": "mits", "institution": "modelo-sandbox"}
        done = http.post(form.action, data={"t": form.token, "outcome": "success", **login})
        assert done.status_code == 303, done.text
        hop = done.headers["location"]
        assert hop.startswith(f"{server.base_url}/yapily/auth-redirect/?state={data['state']}&")
        landed = http.get(hop)
        assert landed.status_code == 302
        final = landed.headers["location"]
        token = dict(parse_qsl(urlsplit(final).query))["consent"]
        assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", token)
        assert final == (
            f"{callback}&consent={token}&application-user-id=user-42"
            f"&user-uuid={data['userUuid']}&institution=modelo-sandbox"
        )
        assert http.get(final).status_code == 200  # the integrator's page answers
        status = http.get(
            f"/yapily/consents/{data['id']}", auth=(APPLICATION_KEY, APPLICATION_SECRET)
        )
    assert status.json()["data"]["status"] == "AUTHORIZED"
    assert server.webhooks(data["id"]) == []
