"""Tenants: named namespaces of one sandbox, each with its own store, settings and token.

The registry keeps every tenant as a record of its own store (never reset by a tenant's reset)
and indexes the provider credentials each tenant claims, so an API call carrying a credential
finds its tenant. It knows no provider: what settings claim is asked of `claims`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockprovider.core.limits import Limits
from mockprovider.errors import InvalidInput

DEFAULT = "default"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
RECORD = ("_sandbox", "tenant")

#: `settings by provider -> [(provider, credential)]`: the credentials the settings claim.
Claims = Callable[[Mapping[str, Mapping[str, Any]]], list[tuple[str, str]]]


def check_name(name: object) -> str:
    """`name` if it is a valid tenant name, else `InvalidInput` saying what is."""
    if not isinstance(name, str) or NAME.fullmatch(name) is None:
        raise InvalidInput(
            "a tenant name is 1 to 40 lower-case letters, digits and '-', starting with a"
            f" letter or digit (got {name!r})"
        )
    return name


def hash_token(token: str, salt: str | None = None) -> str:
    """`salt$sha256(salt + token)`: what the registry stores instead of the token."""
    salt = salt or secrets.token_hex(16)
    return f"{salt}${hashlib.sha256((salt + token).encode()).hexdigest()}"


def token_matches(token: str, stored: str | None) -> bool:
    """Whether `token` hashes to `stored`, compared in constant time."""
    if not stored or "$" not in stored:
        return False
    salt = stored.partition("$")[0]
    return hmac.compare_digest(hash_token(token, salt).encode(), stored.encode())


@dataclass
class Tenant:
    name: str
    token_hash: str | None = None
    #: Settings by provider over the embedded defaults (credentials included).
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    shared_credentials: bool = False
    limits: Limits = field(default_factory=Limits.named_default)
    created_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "token_hash": self.token_hash,
            "settings": self.settings,
            "shared_credentials": self.shared_credentials,
            "limits": self.limits.as_dict(),
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Tenant:
        limits = doc.get("limits") or {}
        return cls(
            name=doc["name"],
            token_hash=doc.get("token_hash"),
            settings={k: dict(v) for k, v in (doc.get("settings") or {}).items()},
            shared_credentials=bool(doc.get("shared_credentials")),
            limits=Limits(limits.get("sessions"), limits.get("deliveries")),
            created_at=float(doc.get("created_at", 0.0)),
        )
