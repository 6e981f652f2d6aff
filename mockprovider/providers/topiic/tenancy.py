"""Topiic in a shared sandbox: the deep link's API key id (`akid`) picks the tenant.

The link `/c?d=…&s=…` is the only call an integrator makes (spec §2.2); `d` is base64url JSON
naming the key that signed it, so it is decoded (not verified: the tenant's keys do that) to
read `akid`. A new tenant gets its own API key id, merchant id and signing secret.
"""

from __future__ import annotations

import binascii
import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from mockprovider.providers.topiic.link import b64url_decode

#: Namespace of the ids that follow from a tenant's name (uuid5), so they stay valid UUIDs.
NAMESPACE = uuid.UUID("5f0c8a1e-3b7d-4c2a-9e61-7d4b2f9a0c13")
#: A link's `d` longer than this is not decoded here (the handler still answers it).
MAX_D = 16_384


def tenant_credential(request: Request) -> str | None:
    """The `akid` of the link's payload, if `d` decodes to an object that has one."""
    d = request.query_params.get("d")
    if not d or len(d) > MAX_D:
        return None
    try:
        payload = json.loads(b64url_decode(d))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    akid = payload.get("akid") if isinstance(payload, dict) else None
    return akid if isinstance(akid, str) and akid else None


def settings_credentials(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """`api_key_id` and the ids of `additional_keys` (several merchants in one account)."""
    extra = [k for k in settings.get("additional_keys") or [] if isinstance(k, dict)]
    ids = [settings.get("api_key_id"), *(k.get("api_key_id") for k in extra)]
    return tuple(dict.fromkeys(i for i in ids if isinstance(i, str) and i))


def tenant_defaults(tenant: str) -> dict[str, Any]:
    """UUID `akid` and `mid` derived from the name; a fresh `tss_<32 bytes base64url>` signing
    secret [DOC T2]. The default plans carry no merchant, so they are this merchant's."""
    return {
        "api_key_id": str(uuid.uuid5(NAMESPACE, f"akid:{tenant}")),
        "merchant_id": str(uuid.uuid5(NAMESPACE, f"mid:{tenant}")),
        "signing_secret": "tss_" + secrets.token_urlsafe(32),
        "additional_keys": [],
    }
