"""Topiic hosted checkout through a signed deep link (specs: gigs-topiic.md §2)."""

from __future__ import annotations

from mockprovider.providers.topiic.provider import TopiicProvider

__all__ = ["TopiicProvider"]
