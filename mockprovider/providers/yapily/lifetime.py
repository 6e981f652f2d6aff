"""How long an authorised account consent lasts, and what a re-authorisation renews
(spec §5.3 [DOC S13][DOC S14]: an AIS consent is valid for up to 90 days in the UK)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.clock import iso_millis
from mockprovider.core.contract import EffectContext
from mockprovider.providers.yapily.lifecycle import RECONFIRM_AFTER


def lifetime_fields(data: Mapping[str, Any], ctx: EffectContext) -> dict[str, Any]:
    """On a successful AIS authorisation: `expiresAt` after `consent_lifetime` seconds (0:
    never); on a re-authorisation also `lastConfirmedAt` (the PSU authenticated again [DOC])
    and `reconfirmBy` 90 days on, as `extend` sets them."""
    if data.get("type") != "AIS" or data.get("hosted"):
        return {}
    fields: dict[str, Any] = {}
    lifetime = float(ctx.settings["consent_lifetime"])
    if lifetime > 0:
        fields["expiresAt"] = iso_millis(ctx.now + lifetime)
        fields["expiresAtEpoch"] = ctx.now + lifetime
    if data.get("reauthorises"):
        fields["lastConfirmedAt"] = iso_millis(ctx.now)
        fields["reconfirmBy"] = iso_millis(ctx.now + RECONFIRM_AFTER)
    return fields
