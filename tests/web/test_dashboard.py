"""The dashboard at /_sandbox/: sessions, timelines, deliveries with Replay, the clock, and
providers — server-rendered, escaped, working without JavaScript (forms answer 303)."""

from __future__ import annotations

from typing import Any

import httpx

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.support import Receiver, parse_form, topiic_link


async def start(client: httpx.AsyncClient, **payload: Any) -> str:
    entry = await client.get(topiic_link(**payload))
    assert entry.status_code == 303
    return entry.headers["location"].split("/s/")[1].split("?")[0]


async def test_home_lists_sessions_with_links_to_their_timelines(client: httpx.AsyncClient) -> None:
    sid = await start(client)
    page = await client.get("/_sandbox/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'href="http://sandbox.test/_sandbox/ui/sessions/{sid}"' in page.text
    assert "SANDBOX" in page.text


async def test_home_filters_by_status(client: httpx.AsyncClient) -> None:
    open_one = await start(client)
    done = await start(client)
    await client.post(f"/_sandbox/sessions/{done}/outcome", json={"outcome": "success"})
    finished = (await client.get("/_sandbox/?status=finished")).text
    assert done in finished
    assert open_one not in finished


async def test_fragment_is_only_the_live_region(client: httpx.AsyncClient) -> None:
    sid = await start(client)
    fragment = (await client.get("/_sandbox/?fragment=1")).text
    assert sid in fragment
    assert "<html" not in fragment
    assert "Live updates" not in fragment


async def test_timeline_shows_steps_redirect_and_every_attempt_escaped(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    sid = await start(client, ref="<script>alert(1)</script>")
    await client.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})
    receiver.responses = [500]
    await dispatcher.run_once()
    page = (await client.get(f"/_sandbox/ui/sessions/{sid}")).text
    assert "https://app.example/subscribed?customer=42&amp;status=ok" in page
    assert "checkout.completed" in page
    assert "Attempt 1 at" in page
    assert ": 500 in" in page
    assert "Topiic-Signature: t=" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_replay_button_queues_the_delivery_again_and_returns_to_the_page(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    sid = await start(client)
    await client.post(f"/_sandbox/sessions/{sid}/outcome", json={"outcome": "success"})
    await dispatcher.run_once()
    delivery = (await client.get(f"/_sandbox/webhooks?session_id={sid}")).json()["webhooks"][0]
    back = f"http://sandbox.test/_sandbox/ui/sessions/{sid}"
    answer = await client.post(
        f"/_sandbox/ui/webhooks/{delivery['id']}/replay", headers={"referer": back}
    )
    assert (answer.status_code, answer.headers["location"]) == (303, back)
    assert await dispatcher.run_once() == 1
    assert [r.headers["topiic-event-id"] for r in receiver.requests] == [delivery["event_id"]] * 2


async def test_advance_form_moves_the_clock_and_bad_input_is_an_html_error(
    client: httpx.AsyncClient,
) -> None:
    moved = await client.post("/_sandbox/ui/clock/advance", data={"by": "1h"})
    assert moved.status_code == 303
    assert (await client.get("/_sandbox/clock")).json()["offset"] == 3600
    bad = await client.post("/_sandbox/ui/clock/advance", data={"by": "soon"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("text/html")
    assert "expected a duration like" in bad.text


async def test_outcome_form_on_the_timeline_completes_the_session(
    client: httpx.AsyncClient,
) -> None:
    sid = await start(client)
    timeline = (await client.get(f"/_sandbox/ui/sessions/{sid}")).text
    assert "<option>user_abort</option>" in timeline
    answer = await client.post(
        f"/_sandbox/ui/sessions/{sid}/outcome", data={"outcome": "user_abort"}
    )
    assert answer.status_code == 303
    assert (await client.get(f"/_sandbox/sessions/{sid}")).json()["outcome"] == "user_abort"


async def test_providers_page_shows_outcomes_scenarios_and_settings(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/_sandbox/ui/providers")).text
    assert "Topiic hosted checkout" in page
    assert "provisioning-error" in page
    assert "signing_secret" in page


async def test_hosted_page_links_to_its_timeline(client: httpx.AsyncClient) -> None:
    entry = await client.get(topiic_link())
    page = await client.get(entry.headers["location"])
    sid = entry.headers["location"].split("/s/")[1].split("?")[0]
    assert parse_form(page.text).buttons
    assert f'href="http://sandbox.test/_sandbox/ui/sessions/{sid}"' in page.text


async def test_unknown_session_and_page_are_html_404s(client: httpx.AsyncClient) -> None:
    for path in ("/_sandbox/ui/sessions/nope", "/_sandbox/ui/nothing-here"):
        answer = await client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
