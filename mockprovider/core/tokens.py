"""Signed internal tokens (itsdangerous), one salt per purpose.

A token minted for one purpose never verifies for another, so a hosted-page token cannot be
replayed as an outcome-form token.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from mockprovider.errors import Forbidden


class Purpose(StrEnum):
    HOSTED_PAGE = "mockprovider.hosted-page"
    OUTCOME_FORM = "mockprovider.outcome-form"


class TokenSigner:
    """Signs and verifies small JSON values for one secret key."""

    def __init__(self, secret_key: str) -> None:
        self._serializers = {
            purpose: URLSafeSerializer(secret_key, salt=purpose.value) for purpose in Purpose
        }

    def sign(self, purpose: Purpose, value: Any) -> str:
        token = self._serializers[purpose].dumps(value)
        return token if isinstance(token, str) else token.decode()

    def verify(self, purpose: Purpose, token: str) -> Any:
        """The signed value; `Forbidden` if the token was forged or minted for another purpose."""
        try:
            return self._serializers[purpose].loads(token)
        except BadSignature:
            raise Forbidden("this link or form was not issued by the sandbox (bad token)") from None
