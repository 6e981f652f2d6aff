"""Gigs Connect: Connect Sessions and the hosted Connect flow (specs: gigs-topiic.md §1)."""

from __future__ import annotations

from mockprovider.providers.gigs.provider import GigsProvider

__all__ = ["GigsProvider"]
