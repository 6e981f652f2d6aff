"""Faults on a provider's API calls: latency, and errors (5xx, 429 with `Retry-After`) for the
first N calls or a fraction of them.

Scenarios describe one session's outcome, but API faults hit calls made before any session
exists, so they are *activated* per provider (`POST /_sandbox/providers/{provider}/faults`),
either from a scenario's `api` section or given directly. This module holds the description
and its validation (shared by the YAML loader and the control API); `web.api_faults` applies
it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from mockprovider.core.yamlcheck import parse_duration

#: The keys of an `api` section / of the control API's body, in documentation order.
KEYS = ("latency", "status", "retry_after", "first", "fraction")
#: The longest latency a call may be given (seconds): longer is a hung sandbox, not a fault.
MAX_LATENCY = 60.0


@dataclass(frozen=True)
class ApiFaults:
    """`latency` (seconds) delays each faulted call; `status` (429 or 500-599) answers it with an
    error instead (`retry_after` seconds in `Retry-After`, 429 and 503 only). `first` faults
    the first N calls after activation; `fraction` faults each call with that probability;
    with both, a call is faulted when either says so; with neither, every call is."""

    latency: float = 0.0
    status: int | None = None
    retry_after: int | None = None
    first: int | None = None
    fraction: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without unset keys (nor a zero latency)."""
        out = {k: v for k, v in asdict(self).items() if v is not None}
        if not self.latency:
            del out["latency"]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ApiFaults:
        """Rebuild from `to_dict` output (trusted: it was validated before it was stored)."""
        return cls(**{k: raw[k] for k in KEYS if k in raw})


def _latency(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds > MAX_LATENCY:
        raise ValueError(f"expected at most {MAX_LATENCY:g}s, got {value!r}")
    return seconds


def _status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an HTTP status code (429 or 500-599), got {value!r}")
    if value != 429 and not 500 <= value <= 599:
        raise ValueError(f"expected 429 or a status from 500 to 599, got {value}")
    return value


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected {what}, got {value!r}")
    return value


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number from 0 to 1, got {value!r}")
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ValueError(f"expected a number from 0 to 1, got {value}")
    return float(value)


def parse(values: Mapping[str, Any]) -> tuple[ApiFaults, list[tuple[str, str]]]:
    """The faults `values` describe, and (key, message) for every problem (empty when valid)."""
    problems: list[tuple[str, str]] = []
    found: dict[str, Any] = {}
    parsers = {
        "latency": _latency,
        "status": _status,
        "retry_after": lambda v: _count(v, "a whole number of seconds"),
        "first": lambda v: _count(v, "a whole number of calls"),
        "fraction": _fraction,
    }
    for key, value in values.items():
        parser = parsers.get(key)
        if parser is None:
            problems.append((key, f"unknown key; valid keys: {', '.join(KEYS)}"))
            continue
        try:
            found[key] = parser(value)
        except ValueError as exc:
            problems.append((key, str(exc)))
    if "retry_after" in found and found.get("status") not in (429, 503):
        problems.append(("retry_after", "only used with status 429 or 503"))
    if not problems and not found.get("latency") and "status" not in found:
        problems.append(("status", "give a status, a latency or both"))
    return (ApiFaults(**found) if not problems else ApiFaults()), problems
