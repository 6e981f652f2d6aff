"""Yapily redirect authorisation flow (specs: yapily.md)."""

from __future__ import annotations

from mockprovider.providers.yapily.provider import YapilyProvider

__all__ = ["YapilyProvider"]
