"""Topiic deep links: the spec's fixed vectors (§2.6) and every `/c` check (§2.2, §3.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import markupsafe
import pytest

from mockprovider.clock import FrozenClock
from mockprovider.providers.topiic import events
from mockprovider.providers.topiic.link import b64url, build_link, sign_d
from mockprovider.providers.topiic.settings import (
    INACTIVE_PLAN,
    SANDBOX_SECRET,
)
from tests.providers.topiic_helpers import (
    choose,
    open_link,
    put_settings,
    session_count,
    session_view,
)
from tests.support import SANDBOX, topiic_payload

BASE = SANDBOX + "/topiic"
VECTOR_SECRET = "tss_kZ4xQ9pYHmJ2vRkT8nFhYcDgZuEoA6vB"
VECTOR_JSON = (
    '{"akid":"9b5d4d80-0e1a-4b3a-9a4f-2b1c6c8a9d0e","mid":"e7d2f1a8-9c4b-4d62-8a3f-1b5c7e9d0f24",'
    '"plan":"b6a8a5b8-7b3c-4d1e-9c2a-1f9e8d7c6b5a","ref":"gym_member_8821","contact":{"fn":"Maya",'
    '"ln":"Tan","em":"maya@example.com","ph":"+61 422 138 904"},'
    '"ret":"https://app.gymops.example/signup/done?member=gym_member_8821",'
    '"evts":["checkout.completed","checkout.failed"],"nonce":"7c2d4f8a1b3e9c6d5a8f2b7e4c1d9a3b",'
    '"exp":1769472000}'
)
VECTOR_D = (
    "eyJha2lkIjoiOWI1ZDRkODAtMGUxYS00YjNhLTlhNGYtMmIxYzZjOGE5ZDBlIiwibWlkIjoiZTdkMmYxYTgtOWM0Yi00"
    "ZDYyLThhM2YtMWI1YzdlOWQwZjI0IiwicGxhbiI6ImI2YThhNWI4LTdiM2MtNGQxZS05YzJhLTFmOWU4ZDdjNmI1YSIs"
    "InJlZiI6Imd5bV9tZW1iZXJfODgyMSIsImNvbnRhY3QiOnsiZm4iOiJNYXlhIiwibG4iOiJUYW4iLCJlbSI6Im1heWFA"
    "ZXhhbXBsZS5jb20iLCJwaCI6Iis2MSA0MjIgMTM4IDkwNCJ9LCJyZXQiOiJodHRwczovL2FwcC5neW1vcHMuZXhhbXBs"
    "ZS9zaWdudXAvZG9uZT9tZW1iZXI9Z3ltX21lbWJlcl84ODIxIiwiZXZ0cyI6WyJjaGVja291dC5jb21wbGV0ZWQiLCJj"
    "aGVja291dC5mYWlsZWQiXSwibm9uY2UiOiI3YzJkNGY4YTFiM2U5YzZkNWE4ZjJiN2U0YzFkOWEzYiIsImV4cCI6MTc2"
    "OTQ3MjAwMH0"
)
VECTOR_S = "6ljVkr0YxZ50gkIkjA179DOILq536RcftWLdxgITPrs"
VECTOR_S_HEX = "ea58d592bd18c59e748242248c0d7bf433882eae77e9171fb562ddc602133ebb"
VECTOR_S_STRIPPED_PREFIX = "b3scgafNyp9mcG89TLAvyo0clDY_ni9z-lg3H3RAvo4"
VECTOR_S_RAW_JSON = "2Pwk4vposa6W9lJsNDwuY1ldG-mr2hMNKfwEfHtDvxM"
VECTOR_EXP = 1769472000
WEBHOOK_1_BODY = (
    b'{"id":"4f8c2a14-7b3d-4e9c-8d6f-1a2b3c4d5e6f","type":"checkout.completed",'
    b'"createdAt":"2026-05-27T10:25:12.123Z","data":{"sessionId":"7e6d5c4b-3a2f-1e0d-9c8b-'
    b'7a6f5e4d3c2b","externalRef":"cust_42","memberId":"1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",'
    b'"paymentMethodId":"2b3c4d5e-6f7a-8b9c-0d1e-2f3a4b5c6d7e","subscriptionId":"3c4d5e6f-7a8b-'
    b'9c0d-1e2f-3a4b5c6d7e8f","planId":"b6a8a5b8-7b3c-4d1e-9c2a-1f9e8d7c6b5a"}}'
)
WEBHOOK_1_SIGNATURE = (
    "t=1769472312,v1=01ab35221e80990ed8fe46f2b84d752d2befa45913d0795c3138fa50e9e10f84"
)
WEBHOOK_2_BODY = (
    b'{"id":"9d8c7b6a-5e4f-3a2d-1c0b-9a8f7e6d5c4b","type":"checkout.failed",'
    b'"createdAt":"2026-05-27T10:31:48.512Z","data":{"sessionId":"7e6d5c4b-3a2f-1e0d-9c8b-'
    b'7a6f5e4d3c2b","externalRef":"cust_42","failureReason":"User abandoned checkout."}}'
)
WEBHOOK_2_SIGNATURE = (
    "t=1769472708,v1=20c6069f74ded6c9ba7f77e90a683bd82a79f3aa82df51c2c20b88e24e0fb91b"
)
VECTOR_LINK = f"{BASE}/c?d={VECTOR_D}&s={VECTOR_S}"
OTHER_SECRET = "tss_" + "x" * 43
UNKNOWN_AKID = "00000000-0000-4000-8000-000000000000"
OTHER_MID = "11111111-2222-4333-8444-555555555555"
UNKNOWN_PLAN = "99999999-8888-4777-8666-555555555555"
ERROR_STATUSES = {
    "malformed": 400,
    "unknown_key": 401,
    "bad_signature": 401,
    "merchant_mismatch": 403,
    "inactive_plan": 422,
}


def link_with(
    payload: dict[str, Any], secret: str = SANDBOX_SECRET, *, drop: str | None = None
) -> str:
    return build_link(secret, payload, BASE) if drop is None else query_link(payload, drop, secret)


def query_link(payload: dict[str, Any], drop: str, secret: str) -> str:
    """A link without its `d` or `s` parameter."""
    d = b64url(json.dumps(payload, separators=(",", ":")).encode())
    params = {"d": d, "s": sign_d(secret, d)}
    del params[drop]
    return f"{BASE}/c?" + "&".join(f"{k}={v}" for k, v in params.items())


def raw_link(d: str, secret: str = SANDBOX_SECRET, s: str | None = None) -> str:
    return f"{BASE}/c?d={d}&s={sign_d(secret, d) if s is None else s}"


def without(payload: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != name}


def tamper(text: str) -> str:
    """`text` with its first character changed (still base64url)."""
    return ("B" if text[0] == "A" else "A") + text[1:]


def tampered_signature(payload: dict[str, Any]) -> str:
    d = b64url(json.dumps(payload, separators=(",", ":")).encode())
    return raw_link(d, s=tamper(sign_d(SANDBOX_SECRET, d)))


def bad_json_link(raw: bytes) -> str:
    return raw_link(b64url(raw))


def padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)


# -- 1. fixed vectors (spec §2.6) ---------------------------------------------------------------


def test_vector_d_is_the_unpadded_base64url_of_the_compact_json() -> None:
    assert len(VECTOR_JSON.encode()) == 422
    assert base64.urlsafe_b64encode(VECTOR_JSON.encode()).decode().rstrip("=") == VECTOR_D
    assert b64url(VECTOR_JSON.encode()) == VECTOR_D
    assert json.dumps(json.loads(VECTOR_JSON), separators=(",", ":")) == VECTOR_JSON


def test_vector_s_is_the_hmac_of_d_keyed_with_the_full_secret() -> None:
    mac = hmac.new(VECTOR_SECRET.encode(), VECTOR_D.encode(), hashlib.sha256).digest()
    assert mac.hex() == VECTOR_S_HEX
    assert base64.urlsafe_b64encode(mac).decode().rstrip("=") == VECTOR_S
    assert sign_d(VECTOR_SECRET, VECTOR_D) == VECTOR_S
    assert build_link(VECTOR_SECRET, json.loads(VECTOR_JSON), BASE) == VECTOR_LINK


def test_vector_s_with_the_prefix_stripped_matches_the_negative_vector() -> None:
    assert sign_d(VECTOR_SECRET, VECTOR_D, "strip_prefix") == VECTOR_S_STRIPPED_PREFIX


def test_vector_s_over_the_raw_json_matches_the_negative_vector() -> None:
    mac = hmac.new(VECTOR_SECRET.encode(), VECTOR_JSON.encode(), hashlib.sha256).digest()
    assert b64url(mac) == VECTOR_S_RAW_JSON
    assert VECTOR_S_RAW_JSON != VECTOR_S


@pytest.mark.parametrize(
    ("timestamp", "body", "expected"),
    [
        (1769472312, WEBHOOK_1_BODY, WEBHOOK_1_SIGNATURE),
        (1769472708, WEBHOOK_2_BODY, WEBHOOK_2_SIGNATURE),
    ],
    ids=["completed", "failed"],
)
def test_webhook_vectors_sign_to_the_spec_signature(
    timestamp: int, body: bytes, expected: str
) -> None:
    assert events.signature(VECTOR_SECRET, timestamp, body) == expected


async def test_vector_link_opens_before_exp_and_returns_to_its_ret(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    assert clock.now() < VECTOR_EXP
    opened = await open_link(client, VECTOR_LINK)
    assert opened.page_url.startswith(f"{BASE}/s/{opened.session_id}?t=")
    done = await choose(client, opened.session_id, "success")
    assert done.json()["redirect_url"] == (
        "https://app.gymops.example/signup/done?member=gym_member_8821&status=ok"
    )


async def test_vector_link_is_gone_after_exp(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    clock.advance(VECTOR_EXP - clock.now() + 1)
    response = await client.get(VECTOR_LINK)
    assert response.status_code == 410
    assert await session_count(client) == 0


async def test_vector_link_signed_with_the_stripped_prefix_key_is_refused_by_default(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{BASE}/c?d={VECTOR_D}&s={VECTOR_S_STRIPPED_PREFIX}")
    assert response.status_code == 401


async def test_hmac_key_setting_strip_prefix_accepts_the_stripped_prefix_vector(
    client: httpx.AsyncClient,
) -> None:
    await put_settings(client, hmac_key="strip_prefix")
    assert (await client.get(VECTOR_LINK)).status_code == 401
    await open_link(client, f"{BASE}/c?d={VECTOR_D}&s={VECTOR_S_STRIPPED_PREFIX}")


# -- 2. /c rejections ---------------------------------------------------------------------------

# Each case: (id, expected status, build(valid payload) -> rejected link). The valid payload's
# nonce is reused afterwards in a corrected link, which must still work.
Builder = Callable[[dict[str, Any]], str]
REJECTIONS: list[tuple[str, int, Builder]] = [
    ("missing-d", 400, lambda p: link_with(p, drop="d")),
    ("missing-s", 400, lambda p: link_with(p, drop="s")),
    ("empty-d-and-s", 400, lambda p: f"{BASE}/c?d=&s="),
    ("d-not-base64", 400, lambda p: raw_link("not*base64!")),
    ("d-not-json", 400, lambda p: bad_json_link(b"hello, not json")),
    ("d-json-array", 400, lambda p: bad_json_link(b"[1,2,3]")),
    ("d-non-ascii", 400, lambda p: raw_link("eyJ\u00e9In0", s="AAAA")),
    *[
        (f"missing-{name}", 400, lambda p, name=name: link_with(without(p, name)))
        for name in ("akid", "mid", "plan", "ref", "ret", "evts", "nonce", "exp")
    ],
    ("ref-201-chars", 400, lambda p: link_with(p | {"ref": "r" * 201})),
    ("nonce-15-bytes-hex", 400, lambda p: link_with(p | {"nonce": "ab" * 15})),
    ("nonce-short-base64url", 400, lambda p: link_with(p | {"nonce": "c2hvcnQ-bm9uY2U"})),
    ("exp-not-integer", 400, lambda p: link_with(p | {"exp": "1769472000"})),
    ("ret-javascript", 400, lambda p: link_with(p | {"ret": "javascript:alert(1)"})),
    ("ret-data", 400, lambda p: link_with(p | {"ret": "data:text/html,<script>1</script>"})),
    ("ret-crlf", 400, lambda p: link_with(p | {"ret": "https://a.example/x\r\nSet-Cookie: a=b"})),
    ("ret-relative", 400, lambda p: link_with(p | {"ret": "/subscribed?customer=42"})),
    ("ret-without-host", 400, lambda p: link_with(p | {"ret": "https:///subscribed"})),
    ("ret-over-long", 400, lambda p: link_with(p | {"ret": "https://a.example/?q=" + "x" * 2100})),
    ("unknown-akid", 401, lambda p: link_with(p | {"akid": UNKNOWN_AKID})),
    ("tampered-s", 401, tampered_signature),
    ("signed-with-another-secret", 401, lambda p: link_with(p, OTHER_SECRET)),
    ("mid-mismatch", 403, lambda p: link_with(p | {"mid": OTHER_MID})),
    ("inactive-plan", 422, lambda p: link_with(p | {"plan": INACTIVE_PLAN})),
    ("unknown-plan", 422, lambda p: link_with(p | {"plan": UNKNOWN_PLAN})),
    ("expired", 410, lambda p: link_with(p | {"exp": int(p["exp"]) - 1800})),
]
EXPECTED_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    409: "Conflict",
    410: "Gone",
    422: "Unprocessable Entity",
}


def rejection(case: str) -> tuple[int, Builder]:
    return next((status, build) for name, status, build in REJECTIONS if name == case)


@pytest.mark.parametrize("case", [name for name, _, _ in REJECTIONS])
async def test_rejected_link_shows_an_html_error_page_creates_no_session_and_keeps_its_nonce(
    client: httpx.AsyncClient, case: str
) -> None:
    status, build = rejection(case)
    payload = topiic_payload()
    response = await client.get(build(payload))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{status} {EXPECTED_TITLES[status]} · SANDBOX</title>" in response.text
    assert f"<h1>{EXPECTED_TITLES[status]}</h1>" in response.text
    assert f"HTTP {status}" in response.text
    problem = (await client.get(build(payload), headers={"Accept": "application/json"})).json()
    assert f"<p>{markupsafe.escape(problem['detail'])}</p>" in response.text
    assert await session_count(client) == 0
    await open_link(client, link_with(payload))


@pytest.mark.parametrize("case", [name for name, _, _ in REJECTIONS])
async def test_rejected_link_answers_problem_json_when_asked(
    client: httpx.AsyncClient, case: str
) -> None:
    status, build = rejection(case)
    response = await client.get(build(topiic_payload()), headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    expected_keys = {"type", "title", "status", "detail"} | ({"errors"} if status == 400 else set())
    assert set(problem) == expected_keys
    assert problem["type"] == "https://tools.ietf.org/html/rfc7807"
    assert problem["title"] == EXPECTED_TITLES[status]
    assert problem["status"] == status
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    if status == 400:
        assert problem["errors"]
        assert all(
            isinstance(v, list) and v and all(isinstance(m, str) for m in v)
            for v in problem["errors"].values()
        )
    assert await session_count(client) == 0


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("missing-d", "d"),
        ("missing-s", "s"),
        ("d-not-json", "d"),
        ("missing-ref", "ref"),
        ("missing-akid", "akid"),
        ("ref-201-chars", "ref"),
        ("nonce-15-bytes-hex", "nonce"),
        ("ret-javascript", "ret"),
        ("ret-crlf", "ret"),
        ("ret-over-long", "ret"),
    ],
)
async def test_bad_request_problem_names_the_offending_field(
    client: httpx.AsyncClient, case: str, field: str
) -> None:
    _, build = rejection(case)
    response = await client.get(build(topiic_payload()), headers={"Accept": "application/json"})
    assert list(response.json()["errors"]) == [field]


async def test_opening_the_same_link_twice_is_a_conflict_and_creates_no_second_session(
    client: httpx.AsyncClient,
) -> None:
    url = link_with(topiic_payload())
    await open_link(client, url)
    again = await client.get(url)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/html")
    assert "<h1>Conflict</h1>" in again.text
    problem = (await client.get(url, headers={"Accept": "application/json"})).json()
    assert problem == {
        "type": "https://tools.ietf.org/html/rfc7807",
        "title": "Conflict",
        "status": 409,
        "detail": "this link was already used (its nonce was seen before)",
    }
    assert await session_count(client) == 1


async def test_a_nonce_is_single_use_even_in_a_differently_signed_link(
    client: httpx.AsyncClient,
) -> None:
    payload = topiic_payload()
    await open_link(client, link_with(payload))
    response = await client.get(link_with(payload | {"ref": "another"}))
    assert response.status_code == 409


@pytest.mark.parametrize(
    "nonce",
    [
        "ab" * 16,
        "z" * 22,
        "A1b2C3d4E5f6G7h8I9j0Kw",
        "A1b2C3d4E5f6G7h8I9j0Kw==",
    ],
    ids=["hex-16-bytes", "base64url-16-bytes", "base64url-mixed", "base64url-padded"],
)
async def test_nonce_of_16_bytes_hex_or_base64url_is_accepted(
    client: httpx.AsyncClient, nonce: str
) -> None:
    await open_link(client, link_with(topiic_payload(nonce=nonce)))


async def test_ref_of_exactly_200_chars_is_accepted(client: httpx.AsyncClient) -> None:
    opened = await open_link(client, link_with(topiic_payload(ref="r" * 200)))
    assert (await session_view(client, opened.session_id))["data"]["ref"] == "r" * 200


async def test_payload_field_order_does_not_matter(client: httpx.AsyncClient) -> None:
    payload = topiic_payload()
    await open_link(client, link_with(dict(reversed(list(payload.items())))))


@pytest.mark.parametrize(
    ("pad_d", "pad_s"), [(True, False), (False, True), (True, True)], ids=["d", "s", "both"]
)
async def test_padded_base64url_d_and_s_are_accepted(
    client: httpx.AsyncClient, pad_d: bool, pad_s: bool
) -> None:
    payload = topiic_payload()
    d = b64url(json.dumps(payload, separators=(",", ":")).encode())
    d = padded(d) if pad_d else d
    assert "=" in d or not pad_d
    s = sign_d(SANDBOX_SECRET, d)
    opened = await open_link(client, f"{BASE}/c?d={d}&s={padded(s) if pad_s else s}")
    assert (await session_view(client, opened.session_id))["data"]["nonce"] == payload["nonce"]


async def test_opening_a_link_creates_an_awaiting_payment_session_with_the_link_fields(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    payload = topiic_payload()
    opened = await open_link(client, link_with(payload))
    view = await session_view(client, opened.session_id)
    assert view["status"] == "created"
    assert view["provider_status"] == "AwaitingPayment"
    assert view["callback_url"] == payload["ret"]
    assert view["expires_at"] == "2026-01-27T00:13:20.000Z"
    assert {k: view["data"][k] for k in ("akid", "mid", "plan", "ref", "contact", "evts")} == {
        k: payload[k] for k in ("akid", "mid", "plan", "ref", "contact", "evts")
    }


@pytest.mark.parametrize(
    ("setting", "case", "status"),
    [
        ("bad_signature", "tampered-s", 403),
        ("unknown_key", "unknown-akid", 403),
        ("merchant_mismatch", "mid-mismatch", 401),
        ("inactive_plan", "inactive-plan", 400),
        ("malformed", "missing-ref", 422),
        ("malformed", "d-not-json", 422),
    ],
)
async def test_error_statuses_setting_changes_the_rejection_status(
    client: httpx.AsyncClient, setting: str, case: str, status: int
) -> None:
    await put_settings(client, error_statuses=ERROR_STATUSES | {setting: status})
    _, build = rejection(case)
    response = await client.get(build(topiic_payload()), headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.json()["status"] == status


async def test_error_statuses_setting_may_name_only_the_statuses_it_changes(
    client: httpx.AsyncClient,
) -> None:
    await put_settings(client, error_statuses={"bad_signature": 403})
    _, tampered = rejection("tampered-s")
    _, mismatch = rejection("mid-mismatch")
    assert (await client.get(tampered(topiic_payload()))).status_code == 403
    assert (await client.get(mismatch(topiic_payload()))).status_code == 403
    assert (await client.get(link_with(topiic_payload(ref="r" * 201)))).status_code == 400


async def test_expired_and_reused_statuses_are_fixed_by_the_docs(
    client: httpx.AsyncClient,
) -> None:
    await put_settings(client, error_statuses=dict.fromkeys(ERROR_STATUSES, 418))
    payload = topiic_payload()
    expired = link_with(payload | {"exp": int(payload["exp"]) - 1800})
    assert (await client.get(expired)).status_code == 410
    url = link_with(payload)
    await open_link(client, url)
    assert (await client.get(url)).status_code == 409


async def test_link_expiring_exactly_now_is_gone(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    response = await client.get(link_with(topiic_payload(exp=int(clock.now()))))
    assert response.status_code == 410


async def test_nonce_is_checked_last_so_a_valid_link_can_follow_an_expired_one(
    client: httpx.AsyncClient,
) -> None:
    payload = topiic_payload(nonce=secrets.token_urlsafe(16))
    assert (await client.get(link_with(payload | {"exp": 1}))).status_code == 410
    await open_link(client, link_with(payload))


async def test_hostile_plan_id_is_escaped_on_the_error_page(client: httpx.AsyncClient) -> None:
    response = await client.get(link_with(topiic_payload(plan="<script>alert(1)</script>")))
    assert response.status_code == 422
    assert "<script" not in response.text.lower()
    assert "plan &lt;script&gt;alert(1)&lt;/script&gt; is not an active plan" in response.text
