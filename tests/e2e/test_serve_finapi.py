"""finAPI Web Form 2.0 over real sockets (spec §2.10, §2.4, §2.6): the legacy token endpoint
with query-string credentials, a web form, the page's Confirm button → 303 to `redirectUrl`,
and the unsigned `{"webFormId","status"}` callback at a real receiver; then a closed tab ending
EXPIRED at expiresAt."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from mockprovider.providers.finapi.settings import CLIENT_ID, CLIENT_SECRET
from tests.e2e.servers import ServerProcess, WebhookReceiver
from tests.providers.topiic_helpers import form_fields
from tests.support import parse_form

pytestmark = pytest.mark.slow


def test_finapi_web_form_end_to_end(server: ServerProcess, hooks: WebhookReceiver) -> None:
    server.control("PUT", "/providers/finapi/settings", {"callback_url_check": "dev"})
    callback = f"{hooks.base_url}/hooks/finapi?state=42"
    with server.client() as http:
        grant = {
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": "qa-user-1",
            "password": "qa-pass-1",
        }
        token = http.post(
            "/finapi/oauth/token", params=grant, headers={"Content-Type": "application/json"}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        made = http.post(
            "/finapi/api/webForms/bankConnectionImport",
            json={"bank": {"id": 280001}, "callbacks": {"finalised": callback}},
            headers=auth,
        )
        assert made.status_code == 201, made.text
        form = made.json()
        assert form["url"] == f"{server.base_url}/finapi/wf/{form['id']}"
        back = f"{hooks.return_url}?from=finapi"
        page = http.get(form["url"] + "?" + urlencode({"redirectUrl": back}))
        assert page.status_code == 200
        hosted = parse_form(page.text)
        sent = http.post(hosted.action, data=form_fields(page.text) | {"outcome": "success"})
        assert (sent.status_code, sent.headers["location"]) == (303, back)
        [received] = hooks.wait_for(1)
        assert received.body == (
            b'{"webFormId":"' + form["id"].encode() + b'","status":"COMPLETED"}'
        )
        assert received.header("content-type") == "application/json"
        polled = http.get(f"/finapi/api/webForms/{form['id']}", headers=auth).json()
        assert polled["status"] == "COMPLETED"

        hooks.clear()
        other = http.post(
            "/finapi/api/webForms/bankConnectionImport",
            json={"callbacks": {"finalised": callback}},
            headers=auth,
        ).json()
        closed = http.get(other["url"])
        tab = parse_form(closed.text)
        http.post(tab.action, data=form_fields(closed.text) | {"outcome": "closed_tab"})
        server.advance(20 * 60)
        [expired] = hooks.wait_for(1)
        assert expired.json() == {"webFormId": other["id"], "status": "EXPIRED"}
