from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprovider.core.redirects import MAX_URL_LENGTH, append_params, check_callback_url
from mockprovider.errors import UnsafeURL

# -- append_params ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        ("https://a.example/r", [("status", "ok")], "https://a.example/r?status=ok"),
        (
            "https://a.example/r?customer=42",
            [("status", "ok"), ("ref", "x")],
            "https://a.example/r?customer=42&status=ok&ref=x",
        ),
        (
            "https://a.example/r?a=1&a=2",
            [("a", "3")],
            "https://a.example/r?a=1&a=2&a=3",
        ),
        (
            "https://a.example/r?empty=&flag&b=x%20y&c=x+y&d=%2F",
            [("s", "ok")],
            "https://a.example/r?empty=&flag&b=x%20y&c=x+y&d=%2F&s=ok",
        ),
        ("https://a.example/r?", [("s", "ok")], "https://a.example/r?s=ok"),
        ("https://a.example/r?a=1&", [("s", "ok")], "https://a.example/r?a=1&s=ok"),
        (
            "https://a.example/r?a=1#top",
            [("s", "ok")],
            "https://a.example/r?a=1&s=ok#top",
        ),
        (
            "https://a.example/app#/route?tab=2&x=1",
            [("s", "ok")],
            "https://a.example/app?s=ok#/route?tab=2&x=1",
        ),
        ("https://a.example/r#", [("s", "ok")], "https://a.example/r?s=ok#"),
        (
            "myapp://deep-link",
            [("session_id", "csn_1"), ("status", "success")],
            "myapp://deep-link?session_id=csn_1&status=success",
        ),
        (
            "myapp://deep-link/done?x=1#frag",
            [("status", "ok")],
            "myapp://deep-link/done?x=1&status=ok#frag",
        ),
        (
            "com.example.app:/oauth2redirect",
            [("code", "c1")],
            "com.example.app:/oauth2redirect?code=c1",
        ),
        ("HTTP://A.EXAMPLE:8080/R?Q=1", [("s", "ok")], "HTTP://A.EXAMPLE:8080/R?Q=1&s=ok"),
    ],
    ids=[
        "no-query",
        "existing-query",
        "repeated-key",
        "empty-values-and-encodings-kept",
        "trailing-question-mark",
        "trailing-ampersand",
        "fragment",
        "fragment-with-query-like-text",
        "empty-fragment",
        "deep-link",
        "deep-link-with-query-and-fragment",
        "custom-scheme-without-slashes",
        "scheme-and-host-case-kept",
    ],
)
def test_append_params_keeps_everything_the_integrator_put_in_the_url(
    url: str, params: list[tuple[str, str]], expected: str
) -> None:
    assert append_params(url, params) == expected


def test_append_params_percent_encodes_names_and_values() -> None:
    result = append_params("https://a.example/r", [("msg", "a b&c=d#e/f?g+h~é%"), ("k y", "1")])
    assert result == "https://a.example/r?msg=a%20b%26c%3Dd%23e%2Ff%3Fg%2Bh~%C3%A9%25&k%20y=1"


@pytest.mark.parametrize("url", ["https://a.example/r?", "https://a.example/r?a=1#f", "myapp://x"])
def test_append_params_without_params_returns_the_url_unchanged(url: str) -> None:
    assert append_params(url, []) == url


# Text a URL can carry once percent-encoded; CR, LF and TAB are stripped by every URL parser
# and lone surrogates cannot be UTF-8 encoded, so neither can reach a callback URL.
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=12)
_names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8)
_pairs = st.lists(st.tuples(_names, _text), max_size=5)


@given(
    base=st.sampled_from(
        ["https://a.example/p", "http://127.0.0.1:3000/x/y", "myapp://deep-link", "app:/cb"]
    ),
    existing=_pairs,
    trailing=st.booleans(),
    fragment=st.none() | _text,
    added=_pairs,
)
def test_append_params_result_parses_to_original_params_then_added_ones(
    base: str,
    existing: list[tuple[str, str]],
    trailing: bool,
    fragment: str | None,
    added: list[tuple[str, str]],
) -> None:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in existing)
    url = base
    if query or trailing:
        url += "?" + query + ("&" if trailing and query else "")
    if fragment is not None:
        url += "#" + fragment

    result = append_params(url, added)

    before, after = urlsplit(url), urlsplit(result)
    assert (after.scheme, after.netloc, after.path) == (before.scheme, before.netloc, before.path)
    assert parse_qsl(after.query, keep_blank_values=True) == existing + added
    assert after.fragment == before.fragment
    assert ("#" in result) is (fragment is not None)
    assert result.startswith(url.partition("#")[0])


# -- check_callback_url ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("javascript:alert(1)", "javascript: scheme"),
        ("JAVASCRIPT:alert(1)", "javascript: scheme"),
        ("JaVaScRiPt:alert(document.cookie)", "javascript: scheme"),
        ("  javascript:alert(1)", "javascript: scheme"),
        ("data:text/html,<script>alert(1)</script>", "data: scheme"),
        ("DATA:text/html;base64,PHNjcmlwdD4=", "data: scheme"),
        ("vbscript:msgbox(1)", "vbscript: scheme"),
        ("file:///etc/passwd", "file: scheme"),
        ("https://a.example/r\r\nSet-Cookie: x=1", "control characters"),
        ("https://a.example/r\nx", "control characters"),
        ("https://a.example/r\rx", "control characters"),
        ("java\tscript:alert(1)", "control characters"),
        ("https://a.example/r\x00", "control characters"),
        ("https://a.example/r\x1b", "control characters"),
        ("/relative/path", "must be absolute"),
        ("relative/path?x=1", "must be absolute"),
        ("//evil.example/x", "must be absolute"),
        ("", "must be absolute"),
        ("http:///path", "has no host"),
        ("http:/path", "has no host"),
        ("https://", "has no host"),
        ("https://:443/x", "has no host"),
        ("https://user@/x", "has no host"),
        ("https://a.example/" + "a" * (MAX_URL_LENGTH - 17), "the limit is 2048"),
        ("https://[::1/x", "not a valid URL"),
    ],
    ids=lambda v: v[:40].encode("unicode_escape").decode() if isinstance(v, str) else "",
)
def test_check_callback_url_refuses_unsafe_urls(url: str, problem: str) -> None:
    with pytest.raises(UnsafeURL, match=problem) as caught:
        check_callback_url(url, field="ret")
    assert caught.value.message.startswith("ret ")
    assert caught.value.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example/done",
        "http://localhost:3000/cb?customer=42#top",
        "http://127.0.0.1/cb",
        "http://[::1]:8080/cb",
        "HTTPS://APP.EXAMPLE/X",
        "myapp://deep-link",
        "myapp://deep-link?x=1#y",
        "com.example.app:/oauth2redirect",
        "https://a.example/" + "a" * (MAX_URL_LENGTH - 19),
    ],
)
def test_check_callback_url_accepts_web_and_app_urls(url: str) -> None:
    assert check_callback_url(url) == url


def test_check_callback_url_limit_is_inclusive() -> None:
    at_limit = "https://a.example/" + "a" * (MAX_URL_LENGTH - len("https://a.example/"))
    assert len(at_limit) == MAX_URL_LENGTH
    assert check_callback_url(at_limit) == at_limit
    with pytest.raises(UnsafeURL, match="2049 characters long"):
        check_callback_url(at_limit + "a")


_schemes = st.from_regex(r"[a-z][a-z0-9+.\-]{0,10}", fullmatch=True)
_hosts = st.from_regex(r"[a-z0-9]([a-z0-9\-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){0,2}", fullmatch=True)
_paths = st.lists(st.from_regex(r"[A-Za-z0-9._~\-]{1,8}", fullmatch=True), max_size=3)


@given(
    scheme=_schemes,
    host=_hosts,
    path=_paths,
    existing=_pairs,
    fragment=st.none() | _text,
    added=_pairs,
)
def test_append_params_keeps_any_scheme_host_path_and_the_fragment(
    scheme: str,
    host: str,
    path: list[str],
    existing: list[tuple[str, str]],
    fragment: str | None,
    added: list[tuple[str, str]],
) -> None:
    """Any scheme (web or deep link): nothing the integrator wrote moves, the added parameters
    come after theirs in order, and the fragment is kept byte for byte at the end."""
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in existing)
    url = f"{scheme}://{host}/" + "/".join(path) + (f"?{query}" if query else "")
    if fragment is not None:
        url += "#" + fragment

    result = append_params(url, added)

    before, after = urlsplit(url), urlsplit(result)
    assert (after.scheme, after.netloc, after.path) == (before.scheme, before.netloc, before.path)
    assert parse_qsl(after.query, keep_blank_values=True) == existing + added
    assert after.fragment == before.fragment
    assert result.startswith(url.partition("#")[0])
    if fragment is not None:
        assert result.endswith("#" + fragment)
