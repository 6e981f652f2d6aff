"""Each provider's webhook signature, checked by an independent verifier written here from the
provider's documentation (hmac + base64 only): the untouched message verifies, and flipping any
single byte of the body or of the signature header makes verification fail."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprovider.app.registry import all_providers
from mockprovider.core.webhooks.policy import SigningInput

EVENT_ID = "evt_0123456789"
TIMESTAMP = 1_769_471_000
Verifier = Callable[[Mapping[str, Any], dict[str, str], bytes], bool]


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _same(expected: str, given_: str) -> bool:
    """Constant-time text comparison (a header may hold any byte, so compare UTF-8 bytes)."""
    return hmac.compare_digest(expected.encode(), given_.encode())


def verify_topiic(conf: Mapping[str, Any], headers: dict[str, str], body: bytes) -> bool:
    """`Topiic-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>." + body)>`, key: the whole secret."""
    parts = dict(p.split("=", 1) for p in headers["Topiic-Signature"].split(",") if "=" in p)
    if set(parts) != {"t", "v1"} or not parts["t"].isascii() or not parts["t"].isdigit():
        return False
    expected = _mac(str(conf["signing_secret"]).encode(), parts["t"].encode() + b"." + body)
    return _same(expected.hex(), parts["v1"])


def verify_gigs(conf: Mapping[str, Any], headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks: `v1,<base64 HMAC-SHA256("id.ts." + body)>`, key: base64 after
    `whsec_`; compared as base64 text, as the reference libraries do."""
    key = base64.b64decode(str(conf["webhook_secret"]).removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(_mac(key, signed)).decode()
    return any(_same(expected, s) for s in headers["webhook-signature"].split(" "))


def verify_bridge(conf: Mapping[str, Any], headers: dict[str, str], body: bytes) -> bool:
    """`BridgeApi-Signature: v1=<UPPER hex HMAC-SHA256(body)>[,v1=…]`."""
    expected = "v1=" + _mac(str(conf["webhook_secret"]).encode(), body).hex().upper()
    given_ = headers["BridgeApi-Signature"].split(",")
    return any(_same(expected, s) for s in given_)


def verify_yapily(conf: Mapping[str, Any], headers: dict[str, str], body: bytes) -> bool:
    """`<signature_header>: sha256=<hex HMAC-SHA256(body)>` (the default format)."""
    expected = "sha256=" + _mac(str(conf["webhook_secret"]).encode(), body).hex()
    return _same(expected, headers[str(conf["signature_header"])])


def verify_finapi(conf: Mapping[str, Any], headers: dict[str, str], body: bytes) -> bool:
    """The sandbox's debug header: `sha256=<hex HMAC-SHA256(body)>`."""
    expected = "sha256=" + _mac(str(conf["debug_signature_secret"]).encode(), body).hex()
    return _same(expected, headers["X-Mockprovider-Debug-Signature"])


@dataclass(frozen=True)
class Case:
    provider: str
    verify: Verifier
    header: str
    overrides: Mapping[str, Any]


CASES = [
    Case("topiic", verify_topiic, "Topiic-Signature", {}),
    Case("gigs", verify_gigs, "webhook-signature", {}),
    Case("bridge", verify_bridge, "BridgeApi-Signature", {}),
    Case("yapily", verify_yapily, "X-Yapily-Signature", {"signature_format": "sha256_hex"}),
    Case("finapi", verify_finapi, "X-Mockprovider-Debug-Signature", {"debug_signature": True}),
]
PROVIDERS = {p.name: p for p in all_providers()}


def signed(case: Case, body: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """The provider's default settings (with the case's overrides) and its signed headers."""
    provider = PROVIDERS[case.provider]
    conf = {s.name: s.default for s in provider.settings} | dict(case.overrides)
    attempt = SigningInput(body, {}, EVENT_ID, TIMESTAMP, conf, {})
    return conf, provider.delivery.sign(attempt)


def flip(data: bytes, index: int, mask: int) -> bytes:
    position = index % len(data)
    return data[:position] + bytes([data[position] ^ mask]) + data[position + 1 :]


BODIES = st.binary(min_size=1, max_size=300)
MASKS = st.integers(min_value=1, max_value=255)
INDEXES = st.integers(min_value=0, max_value=10_000)
IDS = [c.provider for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(body=BODIES)
def test_untouched_messages_verify(case: Case, body: bytes) -> None:
    conf, headers = signed(case, body)
    assert case.verify(conf, headers, body)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(body=BODIES, index=INDEXES, mask=MASKS)
def test_any_flipped_body_byte_is_rejected(case: Case, body: bytes, index: int, mask: int) -> None:
    conf, headers = signed(case, body)
    assert not case.verify(conf, headers, flip(body, index, mask))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(body=BODIES, index=INDEXES, mask=MASKS)
def test_any_flipped_signature_byte_is_rejected(
    case: Case, body: bytes, index: int, mask: int
) -> None:
    conf, headers = signed(case, body)
    tampered = flip(headers[case.header].encode("latin-1"), index, mask).decode("latin-1")
    assert not case.verify(conf, {**headers, case.header: tampered}, body)


def test_every_provider_has_a_verifier() -> None:
    assert sorted(IDS) == sorted(PROVIDERS)
