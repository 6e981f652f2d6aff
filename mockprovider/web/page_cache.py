"""The hosted page's HTML, kept per session state and re-rendered only when that state changes.

A plain hosted page (no problem shown, no submitted form) is a function of the session, the
provider's effective settings and the base URL: the form token is deterministic for the
session's form nonce. Every change to a session (a status move, a step of a funnel, new data)
records a `history` entry, so (id, creation and expiry time, status, form nonce, history
length) names one state of it;
the settings are compared by value, since the control API (or another worker) may change them
at any time. Each entry carries its `ETag`, so a reload with `If-None-Match` gets a 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from mockprovider.core.sessions import Session

#: Pages kept at most (about 10 KB each); the oldest entry goes first.
MAX_PAGES = 512
_HTML = b"text/html; charset=utf-8"

Key = tuple[str, float, float, str, str, int, str]


class _Prepared(Response):
    """A response whose status, headers and body were built beforehand."""

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], body: bytes):
        self.status_code = status_code
        self.raw_headers = raw_headers
        self.body = body
        self.background = None


@dataclass(frozen=True)
class CachedPage:
    """One rendered page, its encoded body and headers, and its `ETag` (quoted)."""

    settings: Mapping[str, Any]
    body: bytes
    etag: str
    headers: list[tuple[bytes, bytes]]
    not_modified: list[tuple[bytes, bytes]]

    @classmethod
    def build(cls, settings: Mapping[str, Any], html: str) -> CachedPage:
        body = html.encode()
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        tag = (b"etag", etag.encode())
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", _HTML), tag]
        return cls(settings, body, etag, headers, [tag])

    def response(self, if_none_match: str | None) -> Response:
        """200 with the page, or 304 when the browser already holds this version."""
        if if_none_match is not None and _matches(if_none_match, self.etag):
            return _Prepared(304, list(self.not_modified), b"")
        return _Prepared(200, list(self.headers), self.body)


def _matches(header: str, etag: str) -> bool:
    """RFC 9110 `If-None-Match`: `*` or a list of tags, compared weakly (`W/` ignored)."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


class PageCache:
    """Rendered hosted pages by session state and base URL (bounded, oldest out first)."""

    def __init__(self, limit: int = MAX_PAGES) -> None:
        self.limit = limit
        self._pages: dict[Key, CachedPage] = {}

    @staticmethod
    def _key(session: Session, base_url: str) -> Key:
        state = session.status.value
        nonce, steps = session.form_nonce, len(session.history)
        return (session.id, session.created_at, session.expires_at, state, nonce, steps, base_url)

    def get(
        self, session: Session, base_url: str, settings: Mapping[str, Any]
    ) -> CachedPage | None:
        """The page rendered for this very state and these settings, if it is kept."""
        page = self._pages.get(self._key(session, base_url))
        if page is None or page.settings != settings:
            return None
        return page

    def put(
        self, session: Session, base_url: str, settings: Mapping[str, Any], html: str
    ) -> CachedPage:
        """Keep `html` as this state's page; returns the entry."""
        page = CachedPage.build(dict(settings), html)
        key = self._key(session, base_url)
        self._pages.pop(key, None)
        self._pages[key] = page
        while len(self._pages) > self.limit:
            del self._pages[next(iter(self._pages))]
        return page
