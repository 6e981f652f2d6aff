"""Consent tokens, one-time tokens and the callback's Base64 (spec §4.2, §4.3, §5.5).

JWTs are built with hmac/hashlib/base64 only: no JWT library is a runtime dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _compact(value: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False).encode()


def hs256_jwt(claims: Mapping[str, Any], key: str) -> str:
    """A compact JWS, `{"typ":"JWT","alg":"HS256"}` header (§5.5 sandbox choice: HS256)."""
    signing_input = (
        b64url(_compact({"typ": "JWT", "alg": "HS256"})) + "." + b64url(_compact(claims))
    )
    mac = hmac.new(key.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def read_jwt(token: str, key: str) -> dict[str, Any] | None:
    """The claims of an HS256 JWT signed with `key`, or None (bad shape or signature)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    expected = b64url(hmac.new(key.encode(), signing_input, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return None
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


def consent_token(
    institution: str, consent_id: str, application_user_id: str | None, user_uuid: str, key: str
) -> str:
    """The consent token: the four claims seen in Yapily's examples, in their order (§5.5)."""
    claims: dict[str, Any] = {"INSTITUTION": institution, "CONSENT": consent_id}
    if application_user_id is not None:
        claims["APPLICATION_USER_ID"] = application_user_id
    claims["USER"] = user_uuid
    return hs256_jwt(claims, key)


def one_time_token(consent_id: str) -> str:
    """A one-time token [GAP: format undocumented]: 32 hex of the consent id, then 32 random hex,
    so the exchange finds its consent without a lookup table."""
    return uuid.UUID(consent_id).hex + secrets.token_hex(16)


def consent_id_of(one_time: str) -> str | None:
    """The consent id a one-time token was minted for, or None when it is not one of ours."""
    if len(one_time) != 64:
        return None
    try:
        return str(uuid.UUID(hex=one_time[:32]))
    except ValueError:
        return None


def error_description(text: str) -> str:
    """Base64 (standard alphabet, `=` padding) wrapped every 76 characters with a bare LF, as in
    the captured callbacks (§4.2 [OBS S19b]); URL-encoding happens when the URL is built."""
    return base64.encodebytes(text.encode()).decode("ascii").rstrip("\n")
