"""Bridge API v3 Connect sessions and the hosted Connect funnel (specs: bridge-finapi.md §1)."""

from __future__ import annotations

from mockprovider.providers.bridge.provider import BridgeProvider

__all__ = ["BridgeProvider"]
