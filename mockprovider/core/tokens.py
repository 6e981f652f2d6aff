"""Signed internal tokens (itsdangerous), one salt per purpose.

A token minted for one purpose never verifies for another, so a hosted-page token cannot be
replayed as an outcome-form token. Tokens are `base64url(compact JSON).signature`, signed with
an itsdangerous `Signer` (HMAC-SHA256) whose derived key is computed once per purpose instead
of on every call: the serializer classes cost ~35 µs per page, this ~13 µs. The signers are
built once per secret (at start-up), and a token that verified once is remembered (a bounded
map of exact token strings → value), so a reloaded page does not pay the HMAC again; anything
not remembered, forged tokens included, goes through the signer's constant-time check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, Signer

from mockprovider.errors import Forbidden


class Purpose(StrEnum):
    HOSTED_PAGE = "mockprovider.hosted-page"
    OUTCOME_FORM = "mockprovider.outcome-form"


class _KeyedSigner(Signer):
    """A Signer that derives its key from (secret, salt) once."""

    def __init__(self, secret_key: str, salt: str) -> None:
        super().__init__(secret_key, salt=salt, digest_method=hashlib.sha256)
        self._derived = super().derive_key()

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        return self._derived if secret_key is None else super().derive_key(secret_key)


#: Verified tokens remembered at most; the oldest goes first.
VERIFIED_KEPT = 4096


class TokenSigner:
    """Signs and verifies small JSON values for one secret key."""

    def __init__(self, secret_key: str) -> None:
        self._signers = {purpose: _KeyedSigner(secret_key, purpose.value) for purpose in Purpose}
        self._verified: dict[tuple[Purpose, str], str] = {}

    def sign(self, purpose: Purpose, value: Any) -> str:
        payload = json.dumps(value, separators=(",", ":")).encode()
        encoded = base64.urlsafe_b64encode(payload).rstrip(b"=")
        return self._signers[purpose].sign(encoded).decode()

    def verify(self, purpose: Purpose, token: str) -> Any:
        """The signed value (a fresh copy); `Forbidden` if the token was forged or minted for
        another purpose."""
        payload = self._verified.get((purpose, token))
        if payload is None:
            payload = self._unsign(purpose, token)
            self._verified[(purpose, token)] = payload
            if len(self._verified) > VERIFIED_KEPT:
                del self._verified[next(iter(self._verified))]
        return json.loads(payload)

    def _unsign(self, purpose: Purpose, token: str) -> str:
        try:
            encoded = self._signers[purpose].unsign(token.encode())
            payload = base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4)).decode()
            json.loads(payload)  # a signed value is always JSON; check once, here
            return payload
        except (BadSignature, binascii.Error, ValueError, UnicodeError):
            raise Forbidden("this link or form was not issued by the sandbox (bad token)") from None
