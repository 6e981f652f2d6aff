"""Topiic's signed deep link `/c?d=<base64url JSON>&s=<base64url HMAC-SHA256 of d>` (spec §2.2).

`verify_link` applies the checks in the order a real verifier must: decode `d` to learn which
key signed it, check the signature in constant time, then the payload's rules. It raises
`LinkRejected` with the HTTP status the spec assigns to each failure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockprovider.errors import MockProviderError

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}
REQUIRED = ("akid", "mid", "plan", "ref", "ret", "evts", "nonce", "exp")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class LinkRejected(MockProviderError):
    """A deep link Topiic would refuse; rendered as HTML or RFC 7807 JSON (spec §3.2)."""

    def __init__(
        self, reason: str, status: int, detail: str, errors: Mapping[str, list[str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.reason = reason
        self.status_code = status
        self.title = TITLES.get(status, "Error")
        self.errors = dict(errors or {})

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "https://tools.ietf.org/html/rfc7807",
            "title": self.title,
            "status": self.status_code,
            "detail": self.message,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


@dataclass(frozen=True)
class SigningKey:
    api_key_id: str
    signing_secret: str
    merchant_id: str


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without `=` padding (spec §3.2: accept both)."""
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hmac_key(secret: str, mode: str) -> bytes:
    """The HMAC key: the whole `tss_…` string as UTF-8 [INF], or without the prefix."""
    if mode == "strip_prefix" and secret.startswith("tss_"):
        secret = secret[4:]
    return secret.encode()


def sign_d(secret: str, d: str, mode: str = "full_secret") -> str:
    return b64url(hmac.new(hmac_key(secret, mode), d.encode("ascii"), hashlib.sha256).digest())


def build_link(
    secret: str, payload: Mapping[str, Any], base: str, mode: str = "full_secret"
) -> str:
    """The signed link an integrator's server would build (spec §2.6 reference code)."""
    d = b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{base}/c?d={d}&s={sign_d(secret, d, mode)}"


def decode_payload(d: str, status: int = 400) -> dict[str, Any]:
    try:
        payload = json.loads(b64url_decode(d))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        message = "d is not base64url-encoded JSON"
        raise LinkRejected("malformed", status, message, {"d": [message]}) from None
    if not isinstance(payload, dict):
        message = "d must encode a JSON object"
        raise LinkRejected("malformed", status, message, {"d": [message]})
    return payload


def check_signature(d: str, s: str, key: SigningKey, mode: str, status: int) -> None:
    expected = hmac.new(
        hmac_key(key.signing_secret, mode), d.encode("ascii", "replace"), hashlib.sha256
    ).digest()
    try:
        given = b64url_decode(s)
    except (binascii.Error, ValueError):
        given = b""
    if not hmac.compare_digest(given, expected):
        raise LinkRejected(
            "bad_signature",
            status,
            "the signature s does not match d for this API key's signing secret",
        )


def _nonce_bytes(nonce: str) -> int:
    if _HEX.match(nonce) and len(nonce) % 2 == 0:
        return len(nonce) // 2
    try:
        return len(b64url_decode(nonce)) if re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", nonce) else 0
    except (binascii.Error, ValueError):
        return 0


def field_errors(payload: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per-field problems of a decoded payload (400 `errors` map)."""
    errors: dict[str, list[str]] = {}
    for name in REQUIRED:
        if name not in payload:
            errors.setdefault(name, []).append("is required")
    for name in ("akid", "mid", "plan", "ref", "ret", "nonce"):
        if name in payload and not isinstance(payload[name], str):
            errors.setdefault(name, []).append("must be a string")
    if isinstance(payload.get("ref"), str) and len(payload["ref"]) > 200:
        errors.setdefault("ref", []).append("must be at most 200 characters")
    if isinstance(payload.get("nonce"), str) and _nonce_bytes(payload["nonce"]) < 16:
        errors.setdefault("nonce", []).append("must be at least 16 bytes, hex or base64url")
    if "exp" in payload and (
        not isinstance(payload["exp"], int) or isinstance(payload["exp"], bool)
    ):
        errors.setdefault("exp", []).append("must be an integer (unix seconds)")
    evts = payload.get("evts")
    if "evts" in payload and not (isinstance(evts, list) and all(isinstance(e, str) for e in evts)):
        errors.setdefault("evts", []).append("must be a list of event type strings")
    contact = payload.get("contact")
    if contact is not None and not (
        isinstance(contact, dict) and all(isinstance(v, str) for v in contact.values())
    ):
        errors.setdefault("contact", []).append("must be an object of strings (fn, ln, em, ph)")
    return errors


def find_key(akid: Any, keys: Sequence[SigningKey]) -> SigningKey | None:
    return next(
        (k for k in keys if isinstance(akid, str) and hmac.compare_digest(k.api_key_id, akid)), None
    )
