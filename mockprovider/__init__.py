"""mockprovider: a local sandbox for payment and open-banking providers' hosted flows."""

from __future__ import annotations

__version__ = "0.1.0"
