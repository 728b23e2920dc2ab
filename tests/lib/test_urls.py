"""URL normalization: the identity of a source."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.lib.urls import InvalidURL, normalize_url

hosts = st.from_regex(
    r"[a-zA-Z][a-zA-Z0-9\-]{0,20}(\.[a-zA-Z][a-zA-Z0-9]{1,10}){1,3}", fullmatch=True
)
path_chars = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=" #?"),
    max_size=30,
)
paths = st.lists(path_chars, max_size=5).map(lambda parts: "/" + "/".join(parts))
query_items = st.lists(
    st.tuples(st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.text(max_size=10)), max_size=4
)
tracking = st.lists(
    st.sampled_from(["utm_source", "utm_medium", "UTM_Campaign", "fbclid", "gclid", "mc_eid"]),
    min_size=1,
    max_size=3,
)


def build(scheme: str, host: str, path: str, query: list[tuple[str, str]]) -> str:
    from urllib.parse import quote, urlencode

    qs = urlencode(query, quote_via=quote)
    return f"{scheme}://{host}{quote(path)}" + (f"?{qs}" if qs else "")


@given(st.sampled_from(["http", "https", "HTTP", "Https"]), hosts, paths, query_items)
def test_normalizing_twice_equals_normalizing_once(scheme, host, path, query):
    url = build(scheme, host, path, query)
    once = normalize_url(url)
    assert normalize_url(once) == once


@given(st.sampled_from(["http", "https"]), hosts, paths, query_items)
def test_the_normalized_url_still_parses(scheme, host, path, query):
    parts = urlsplit(normalize_url(build(scheme, host, path, query)))
    assert parts.scheme in {"http", "https"}
    assert parts.hostname
    assert parts.fragment == ""


@given(hosts, paths, query_items, tracking, st.from_regex(r"[A-Za-z0-9_-]{0,8}", fullmatch=True))
def test_tracking_variants_of_one_address_map_to_one_source(host, path, query, junk, fragment):
    plain = build("https", host, path, query)
    noisy = build("https", host.upper(), path, [*query, *((name, "x") for name in junk)])
    assert normalize_url(noisy + "#" + fragment) == normalize_url(plain)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTP://Example.COM:80/a/../b/?utm_source=x&b=2&a=1#frag",
            "http://example.com/b/?b=2&a=1",
        ),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://bücher.example/%7Euser", "https://xn--bcher-kva.example/~user"),
        ("https://example.com./a/", "https://example.com/a/"),
        ("https://example.com/a", "https://example.com/a"),
        ("https://[::FFFF:127.0.0.1]/x", "https://[::ffff:7f00:1]/x"),
        ("https://x.example/?fbclid=1&gclid=2", "https://x.example/"),
    ],
)
def test_normalization_examples(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.com/",
        "https://user:pass@example.com/",
        "not a url",
        "https://",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "https://" + "a" * 2100 + ".com/",
    ],
)
def test_what_is_not_an_http_address_is_refused(raw):
    with pytest.raises(InvalidURL):
        normalize_url(raw)


# The shortcut for addresses already in canonical form (dataset indexes hold millions)
# must give exactly what the rule-by-rule path gives, whenever it answers at all.
EDGE = "aZ09-._~/:@!$&'()*+,;=?%#"
edgy_hosts = st.from_regex(r"[a-z0-9_-]{1,6}(\.[a-z0-9_-]{1,6}){0,3}\.?", fullmatch=True)
edgy_rest = st.lists(
    st.sampled_from(
        [*EDGE, "/./", "/../", "/.", "/..", "utm_source=", "si=", "a=b", "&", "=", "?"]
    ),
    max_size=12,
).map("".join)


@given(st.sampled_from(["http", "https"]), edgy_hosts, edgy_rest)
def test_the_canonical_shortcut_agrees_with_the_full_rules(scheme, host, rest):
    from app.lib.urls import _canonical_as_is, _normalize_full

    text = f"{scheme}://{host}{rest}"
    shortcut = _canonical_as_is(text)
    if shortcut is not None:
        assert shortcut == _normalize_full(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://site1.example.org/bench/page/1?ref=1",
        "http://a.example",
        "https://a.example?x=1",
        "https://a.example/a//b/?x=&y=z",
        "https://img3.example.com/12.jpg",
    ],
)
def test_the_canonical_shortcut_answers_for_plain_addresses(text):
    from app.lib.urls import _canonical_as_is, _normalize_full

    assert _canonical_as_is(text) == _normalize_full(text)


@pytest.mark.parametrize(
    "text",
    ["https://A.example/", "https://a.example/./x", "https://a.example/?utm_source=x",
     "https://a.example/?a", "https://a.example/%7E", "https://a.example:443/", "https://a.example/#x",
     "https://a.example/?a=b+c", "https://a.example/?a=b=c", "https://a.example."],
)  # fmt: skip
def test_the_canonical_shortcut_leaves_the_rest_to_the_full_rules(text):
    from app.lib.urls import _canonical_as_is

    assert _canonical_as_is(text) is None
