"""How the Redis store writes its values and reads them back: the store URL's options, floats
Lua compares exactly, and deliveries as script arguments and as stored documents."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockprovider.core.webhooks.messages import Delivery
from mockprovider.errors import InvalidInput

DEFAULT_PREFIX = "mockprovider:"
#: Seconds a session outlives its expiry, and a finished delivery its last attempt.
DEFAULT_RETENTION = 7 * 86_400


def parse_url(url: str) -> tuple[str, str, int]:
    """Split a store URL into (the URL redis-py gets, key prefix, retention seconds)."""
    parts = urlsplit(url)
    kept, prefix, retention = [], DEFAULT_PREFIX, DEFAULT_RETENTION
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == "prefix":
            prefix = value
        elif name == "retention":
            try:
                retention = int(value)
            except ValueError as exc:
                raise InvalidInput(f"retention={value!r} in {url!r}: expected seconds") from exc
        else:
            kept.append((name, value))
    if not prefix:
        raise InvalidInput(f"prefix= in {url!r} must not be empty: reset deletes by prefix")
    return urlunsplit(parts._replace(query=urlencode(kept))), prefix, max(retention, 0)


def num(value: float | None) -> str:
    """A float as Redis (and Lua's tonumber) reads it back exactly; '' for None."""
    return "" if value is None else repr(float(value))


def delivery_arg(d: Delivery) -> str:
    return json.dumps(
        {
            "id": d.id,
            "provider": d.provider,
            "session_id": d.session_id or "",
            "status": d.status.value,
            "next": num(d.next_attempt_at),
            "created": num(d.created_at),
            "lease_until": num(d.lease_until),
            "lease_owner": d.lease_owner or "",
            "doc": json.dumps(d.to_dict()),
        }
    )


def read_delivery(doc: str, lease_owner: str | None, lease_until: str | None) -> Delivery:
    """A delivery from its doc and lease fields; the lease fields win over `doc`."""
    delivery = Delivery.from_dict(json.loads(doc))
    delivery.lease_owner = lease_owner or None
    delivery.lease_until = float(lease_until) if lease_until else None
    return delivery


def escape_glob(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def unleased_doc(delivery: Delivery) -> str:
    doc = delivery.to_dict()
    doc["lease_owner"] = doc["lease_until"] = None
    return json.dumps(doc)
