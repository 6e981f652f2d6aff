"""Two tenants on one in-process app run the same flows with the same outcomes at once: each
sees only its own sessions and webhooks, each reset clears only its own, each clock moves
alone, each settings change stays its own."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from tests.support import RECEIVER, SANDBOX, Receiver, parse_form, topiic_link, wait_until
from tests.tenants.conftest import Make


async def _flow(http: httpx.AsyncClient, prefix: str, outcome: str) -> str:
    """A Topiic deep link opened under `prefix`, its hosted page submitted with `outcome`."""
    entry = await http.get(topiic_link(base=f"{SANDBOX}{prefix}/topiic"))
    assert entry.status_code == 303, entry.text
    page_url = entry.headers["location"]
    assert urlsplit(page_url).path.startswith(f"{prefix}/topiic/s/")
    page = await http.get(page_url)
    form = parse_form(page.text)
    assert form.action.startswith(f"{SANDBOX}{prefix}/topiic/s/")
    done = await http.post(form.action, data={"t": form.token, "outcome": outcome})
    assert done.status_code == 303, done.text
    return urlsplit(page_url).path.rsplit("/", 1)[1]


def _hooks(receiver: Receiver, name: str) -> list[httpx.Request]:
    return [r for r in receiver.requests if str(r.url) == f"{RECEIVER}/{name}"]


async def _ids(http: httpx.AsyncClient, control: str) -> set[str]:
    listed = (await http.get(f"{control}/sessions")).json()["sessions"]
    return {s["id"] for s in listed}


async def test_two_tenants_run_the_same_flows_and_see_only_their_own(
    http: httpx.AsyncClient, make_tenant: Make, receiver: Receiver
) -> None:
    await make_tenant("team-a")
    await make_tenant("team-b")
    outcomes = ["success", "user_abort", "capture_failure"]
    flows = [_flow(http, f"/_t/{t}", o) for o in outcomes for t in ("team-a", "team-b")]
    ids = await asyncio.gather(*flows)
    a, b = set(ids[0::2]), set(ids[1::2])

    assert await _ids(http, "/_t/team-a/_sandbox") == a
    assert await _ids(http, "/_sandbox/tenants/team-b") == b  # the same tenant, either path
    assert await _ids(http, "/_sandbox") == set()  # the default tenant saw nothing
    await wait_until(lambda: len(_hooks(receiver, "team-a")) == 3)
    await wait_until(lambda: len(_hooks(receiver, "team-b")) == 3)
    for name, own in (("team-a", a), ("team-b", b)):
        listed = (await http.get(f"/_t/{name}/_sandbox/webhooks")).json()["webhooks"]
        assert {d["session_id"] for d in listed} == own
        assert all(d["url"] == f"{RECEIVER}/{name}" for d in listed)
    assert not [r for r in receiver.requests if str(r.url) == RECEIVER]


async def test_reset_clock_and_settings_act_on_one_tenant(
    http: httpx.AsyncClient, make_tenant: Make
) -> None:
    await make_tenant("team-a")
    await make_tenant("team-b")
    await _flow(http, "/_t/team-a", "success")
    kept = await _flow(http, "/_t/team-b", "success")
    await _flow(http, "", "success")

    assert (await http.post("/_t/team-a/_sandbox/reset")).status_code == 200
    assert await _ids(http, "/_t/team-a/_sandbox") == set()
    assert await _ids(http, "/_t/team-b/_sandbox") == {kept}
    assert len(await _ids(http, "/_sandbox")) == 1

    moved = await http.post("/_t/team-b/_sandbox/clock/advance", json={"seconds": 3600})
    assert moved.json()["offset"] == 3600
    assert (await http.get("/_t/team-a/_sandbox/clock")).json()["offset"] == 0
    assert (await http.get("/_sandbox/clock")).json()["offset"] == 0

    changed = await http.put(
        "/_t/team-a/_sandbox/providers/topiic/settings", json={"webhook_url": f"{RECEIVER}/x"}
    )
    assert changed.json()["webhook_url"] == f"{RECEIVER}/x"
    other = (await http.get("/_t/team-b/_sandbox/providers/topiic/settings")).json()
    assert other["webhook_url"] == f"{RECEIVER}/team-b"
    assert (await http.get("/_sandbox/providers/topiic/settings")).json()["webhook_url"] == RECEIVER


async def test_an_unknown_tenant_is_a_404_in_the_shape_of_the_path(
    http: httpx.AsyncClient,
) -> None:
    control = await http.get("/_t/nobody/_sandbox/sessions")
    assert control.status_code == 404
    assert "nobody" in control.json()["error"]["message"]
    provider = await http.get(topiic_link(base=f"{SANDBOX}/_t/nobody/topiic"))
    assert provider.status_code == 404
    bad_name = await http.get("/_t/NOT..valid/topiic/x")
    assert bad_name.status_code == 404


async def test_tenants_are_listed_shown_and_deleted(
    http: httpx.AsyncClient, make_tenant: Make
) -> None:
    created = await make_tenant("team-a")
    assert len(created["token"]) >= 32
    assert created["base_urls"]["topiic"] == f"{SANDBOX}/_t/team-a/topiic"
    listed = (await http.get("/_sandbox/tenants")).json()["tenants"]
    assert [t["name"] for t in listed] == ["default", "team-a"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    again = await http.post("/_sandbox/tenants", json={"name": "team-a"})
    assert again.status_code == 409
    await _flow(http, "/_t/team-a", "success")

    deleted = await http.delete("/_sandbox/tenants/team-a")

    assert deleted.json() == {"deleted": "team-a"}
    assert (await http.get("/_t/team-a/_sandbox/sessions")).status_code == 404
    assert (await http.get("/_sandbox/tenants/team-a")).status_code == 404
    assert (await http.delete("/_sandbox/tenants/default")).status_code == 409
    recreated = await make_tenant("team-a")  # a fresh tenant: nothing of the old one is left
    assert recreated["name"] == "team-a"
    assert await _ids(http, "/_t/team-a/_sandbox") == set()


async def test_a_bad_tenant_body_gets_a_422_naming_the_key(http: httpx.AsyncClient) -> None:
    cases = [
        ({"name": "Team A"}, "tenant name"),
        ({"name": "ok", "colour": "red"}, "colour"),
        ({"name": "ok", "token": "short"}, "16"),
        ({"name": "ok", "settings": {"nope": {}}}, "nope"),
        ({"name": "ok", "settings": {"topiic": {"webhook_url": 5}}}, "webhook_url"),
        ({"name": "ok", "limits": {"sessions": 0}}, "limits.sessions"),
        ({"name": "ok", "shared_credentials": "yes"}, "shared_credentials"),
    ]
    for body, named in cases:
        answer = await http.post("/_sandbox/tenants", json=body)
        assert answer.status_code == 422, body
        assert named in answer.json()["error"]["message"], body


async def test_a_tenant_at_its_session_cap_gets_429_and_keeps_what_it_has(
    http: httpx.AsyncClient, make_tenant: Make
) -> None:
    await make_tenant("small", limits={"sessions": 2})
    kept = {await _flow(http, "/_t/small", "success") for _ in range(2)}

    refused = await http.get(topiic_link(base=f"{SANDBOX}/_t/small/topiic"))
    page = await http.get(
        topiic_link(base=f"{SANDBOX}/_t/small/topiic"), headers={"accept": "text/html"}
    )

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "at most 2 sessions" in refused.json()["detail"]
    assert page.status_code == 429
    assert "at most 2 sessions" in page.text
    assert await _ids(http, "/_t/small/_sandbox") == kept
    assert (await http.get(topiic_link())).status_code == 303  # the default tenant: no cap
    await http.post("/_t/small/_sandbox/reset")
    assert (await http.get(topiic_link(base=f"{SANDBOX}/_t/small/topiic"))).status_code == 303


async def test_a_credential_belongs_to_one_tenant_unless_shared(http: httpx.AsyncClient) -> None:
    first = (await http.post("/_sandbox/tenants", json={"name": "team-a"})).json()
    project = first["settings"]["gigs"]["project"]
    taken = {"gigs": {"project": project}}

    clash = await http.post("/_sandbox/tenants", json={"name": "team-b", "settings": taken})
    shared = await http.post(
        "/_sandbox/tenants",
        json={"name": "team-c", "settings": taken, "shared_credentials": True},
    )
    assert clash.status_code == 409
    assert "team-a" in clash.json()["error"]["message"]
    assert shared.status_code == 201

    other = (await http.post("/_sandbox/tenants", json={"name": "team-d"})).json()
    moved = await http.put("/_t/team-d/_sandbox/providers/gigs/settings", json={"project": project})
    assert moved.status_code == 409
    still = await http.get("/_t/team-d/_sandbox/providers/gigs/settings")
    assert still.json()["project"] == other["settings"]["gigs"]["project"]
    default = await http.put("/_sandbox/providers/gigs/settings", json={"project": project})
    assert default.status_code == 409
    own = await http.put("/_t/team-a/_sandbox/providers/gigs/settings", json={"session_ttl": 600})
    assert own.status_code == 200
