"""finAPI Web Form 2.0: tokens, web forms, update tasks and the hosted web form
(specs: bridge-finapi.md §2)."""

from __future__ import annotations

from mockprovider.providers.finapi.provider import FinapiProvider

__all__ = ["FinapiProvider"]
