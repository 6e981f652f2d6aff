from __future__ import annotations

import httpx

from mockprovider.web.inbox import LIMIT


async def test_inbox_records_what_is_posted_newest_first(client: httpx.AsyncClient) -> None:
    await client.post("/_sandbox/inbox", content=b'{"n":1}', headers={"x-sig": "a"})
    await client.post("/_sandbox/inbox/topiic", content=b'{"n":2}')
    listed = (await client.get("/_sandbox/inbox")).json()["requests"]
    assert [r["body"] for r in listed] == ['{"n":2}', '{"n":1}']
    assert [r["path"] for r in listed] == ["/_sandbox/inbox/topiic", "/_sandbox/inbox"]
    assert listed[1]["headers"]["x-sig"] == "a"


async def test_inbox_keeps_only_the_newest_requests_and_can_be_emptied(
    client: httpx.AsyncClient,
) -> None:
    for n in range(LIMIT + 3):
        await client.post("/_sandbox/inbox", content=str(n).encode())
    listed = (await client.get("/_sandbox/inbox")).json()["requests"]
    assert len(listed) == LIMIT
    assert listed[0]["body"] == str(LIMIT + 2)
    assert (await client.delete("/_sandbox/inbox")).status_code == 200
    assert (await client.get("/_sandbox/inbox")).json() == {"requests": []}
