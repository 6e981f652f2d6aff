"""Provider-API faults over a real socket: `serve` on SQLite, faults activated through the
control API, the provider's API answering 503 then recovering, its hosted page untouched."""

from __future__ import annotations

import httpx

from mockprovider.providers.gigs.settings import SANDBOX_API_KEY
from tests.e2e.servers import ServerProcess

API = "/gigs/projects/gigs/connectSessions"
BODY = {
    "intent": {
        "type": "checkoutNewSubscription",
        "checkoutNewSubscription": {"plan": "pln_0SNlurA049MEWV3V0q7gjQbM4EVo"},
    },
    "callbackUrl": "https://example.com/link",
}


def test_first_calls_fail_with_retry_after_then_the_api_recovers(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        auth = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
        ok = http.post(API, json=BODY, headers=auth)
        assert ok.status_code == 201, ok.text
        faults = {"status": 429, "retry_after": 3, "first": 2}
        shown = http.post("/_sandbox/providers/gigs/faults", json=faults)
        assert shown.json()["faults"] == faults
        answers = [http.post(API, json=BODY, headers=auth) for _ in range(3)]
        assert [a.status_code for a in answers] == [429, 429, 201]
        assert answers[0].headers["retry-after"] == "3"
        page = http.get(ok.json()["url"].replace("http://sandbox.test", server.base_url))
        assert page.status_code in (200, 303)
        assert http.delete("/_sandbox/providers/gigs/faults").json()["active"] is False
