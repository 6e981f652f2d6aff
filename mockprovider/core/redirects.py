"""Building the URL a browser is sent back to.

Providers append their parameters to the integrator's callback URL. Everything the integrator
put there stays as it was: scheme (deep links like `myapp://done`), existing query parameters
in their order and encoding, and the fragment.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from mockprovider.errors import UnsafeURL

#: Schemes that would run code or smuggle content instead of navigating.
REFUSED_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about"})
MAX_URL_LENGTH = 2048


def check_callback_url(url: str, *, field: str = "callback URL") -> str:
    """Return `url` if a browser may safely be redirected there, else raise `UnsafeURL`."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"{field} is {len(url)} characters long; the limit is {MAX_URL_LENGTH}")
    if any(ch in url for ch in "\r\n\t\x00") or any(ord(ch) < 0x20 for ch in url):
        raise UnsafeURL(f"{field} contains control characters (CR, LF, TAB or NUL)")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsafeURL(f"{field} is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise UnsafeURL(f"{field} must be absolute (https://… or an app scheme like myapp://…)")
    if scheme in REFUSED_SCHEMES:
        raise UnsafeURL(f"{field} uses the {scheme}: scheme, which the sandbox refuses")
    if scheme in {"http", "https"} and not parts.hostname:  # `https://:443/` has a netloc
        raise UnsafeURL(f"{field} has no host")
    return url


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def append_params(url: str, params: Iterable[tuple[str, str]]) -> str:
    """Append `params` after any existing query of `url`, keeping its fragment.

    >>> append_params("https://a.example/r?customer=42#top", [("status", "ok")])
    'https://a.example/r?customer=42&status=ok#top'
    >>> append_params("myapp://deep-link", [("session_id", "csn_1"), ("status", "success")])
    'myapp://deep-link?session_id=csn_1&status=success'
    """
    base, hash_mark, fragment = url.partition("#")
    added = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in params)
    if not added:
        return url
    if "?" not in base:
        joined = f"{base}?{added}"
    elif base.endswith(("?", "&")):
        joined = base + added
    else:
        joined = f"{base}&{added}"
    return joined + hash_mark + fragment
