"""Keys of works: ISBNs, YouTube ids and channels, addresses (app/lib/keys.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.lib.keys import (
    isbn10_of,
    isbn13,
    site_of,
    site_of_key,
    url_key,
    youtube_channel,
    youtube_video_id,
)

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
video_ids = st.text(alphabet=ID_ALPHABET, min_size=11, max_size=11)
channel_ids = st.text(alphabet=ID_ALPHABET, min_size=22, max_size=22).map(lambda s: "UC" + s)
extra_params = st.lists(
    st.tuples(
        st.sampled_from(["t", "list", "feature", "si", "index", "ab_channel", "pp"]),
        st.text(alphabet="abcXYZ0123456789", min_size=1, max_size=8),
    ),
    max_size=3,
)
isbn9 = st.text(alphabet="0123456789", min_size=9, max_size=9)


def _query(params: list[tuple[str, str]]) -> str:
    return "".join(f"&{k}={v}" for k, v in params)


VIDEO_FORMS = [
    "https://www.youtube.com/watch?v={id}{q}",
    "http://youtube.com/watch?feature=share&v={id}{q}",
    "https://m.youtube.com/watch?v={id}{q}",
    "https://music.youtube.com/watch?v={id}{q}",
    "www.youtube.com/watch?v={id}{q}",
    "https://youtu.be/{id}?si=abc{q}",
    "youtu.be/{id}",
    "https://www.youtube.com/shorts/{id}?feature=share{q}",
    "https://www.youtube.com/embed/{id}?start=30{q}",
    "https://www.youtube-nocookie.com/embed/{id}",
    "https://www.youtube.com/live/{id}?si=x{q}",
    "https://www.youtube.com/v/{id}",
    "https://WWW.YOUTUBE.COM/watch?v={id}#t=1m",
    "  https://www.youtube.com/watch?v={id}  ",
]


@given(video_ids, extra_params, st.sampled_from(VIDEO_FORMS))
def test_every_youtube_video_form_maps_to_one_id(vid: str, params: list, form: str) -> None:
    address = form.format(id=vid, q=_query(params))
    assert youtube_video_id(address) == vid
    assert youtube_video_id(vid) == vid  # idempotent: the key of the key


@given(
    channel_ids,
    st.sampled_from(
        [
            "https://www.youtube.com/channel/{c}",
            "https://m.youtube.com/channel/{c}/videos",
            "youtube.com/channel/{c}?view=0",
            "{c}",
        ]
    ),
)
def test_every_channel_id_form_maps_to_the_id(cid: str, form: str) -> None:
    assert youtube_channel(form.format(c=cid)) == cid
    assert youtube_channel(cid) == cid


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("https://www.youtube.com/@AuronPlay", "@auronplay"),
        ("https://youtube.com/@auronplay/videos", "@auronplay"),
        ("@AuronPlay", "@auronplay"),
        ("https://www.youtube.com/c/AuronPlay", "c/auronplay"),
        ("https://www.youtube.com/user/auronplay/featured", "user/auronplay"),
    ],
)
def test_handles_and_legacy_names_are_lower_cased(address: str, key: str) -> None:
    assert youtube_channel(address) == key
    assert youtube_channel(key) == key


@pytest.mark.parametrize(
    "text",
    [
        "https://vimeo.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/feed/trending",
        "not a url",
        "",
        "dQw4w9WgXc",
    ],
)
def test_other_text_is_not_a_video(text: str) -> None:
    assert youtube_video_id(text) is None


def test_a_channel_address_is_not_a_video_and_vice_versa() -> None:
    assert youtube_video_id("https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv") is None
    assert youtube_channel("https://www.youtube.com/watch?v=dQw4w9WgXcQ") is None
    assert youtube_channel("https://example.org/channel/UCabcdefghijklmnopqrstuv") is None


def test_known_isbns() -> None:
    assert isbn13("0-306-40615-2") == "9780306406157"
    assert isbn13("978-0-306-40615-7") == "9780306406157"
    assert isbn13("ISBN 0 8044 2957 X") == "9780804429573"
    assert isbn13("0-306-40615-3") is None  # wrong check digit
    assert isbn13("978-0-306-40615-8") is None
    assert isbn13("123") is None
    assert isbn13("1234567890123") is None  # neither 978 nor 979


@given(isbn9)
def test_isbn10_and_isbn13_of_one_book_match(body: str) -> None:
    total = sum(int(d) * (10 - i) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    isbn10 = body + ("X" if check == 10 else str(check))
    thirteen = isbn13(isbn10)
    assert thirteen is not None and thirteen.startswith("978")
    hyphenated = f"{thirteen[:3]}-{thirteen[3]}-{thirteen[4:8]}-{thirteen[8:12]}-{thirteen[12]}"
    assert isbn13(hyphenated) == thirteen
    assert isbn13(thirteen) == thirteen  # idempotent
    assert isbn10_of(thirteen) == isbn10


@given(isbn9, st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=9))
def test_a_changed_digit_is_refused(body: str, delta: int, position: int) -> None:
    first12 = "978" + body
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    good = first12 + str((10 - total % 10) % 10)
    digits = list(good)
    digits[3 + position] = str((int(digits[3 + position]) + delta) % 10)
    assert isbn13("".join(digits)) is None


hosts = st.from_regex(r"\A[a-z][a-z0-9]{0,10}\.(org|com|example)\Z")
paths = st.lists(st.text(alphabet="abcxyz019-_~%é", min_size=1, max_size=6), max_size=3)


@given(
    st.sampled_from(["http", "https", "HTTPS"]),
    hosts,
    paths,
    st.sampled_from(["", "?a=1", "?utm_source=x&b=2", "#frag"]),
)
def test_url_keys_are_idempotent(scheme: str, host: str, segments: list[str], tail: str) -> None:
    address = f"{scheme}://{host.upper()}/" + "/".join(segments) + tail
    key = url_key(address)
    assert key is not None
    assert url_key(key) == key
    assert "utm_source" not in key
    site = site_of(address)
    assert site == host and site_of(site) == site
    assert site_of_key(key) == site


@pytest.mark.parametrize(
    "address",
    ["https://www.example.org:8080/a", "http://[::1]/x", "example.org",
     "https://WWW.Example.org/?a=1", "https://xn--bcher-kva.example/b"],
)  # fmt: skip
def test_the_site_of_a_key_is_the_site_of_its_address(address: str) -> None:
    key = url_key(address)
    assert key is not None and site_of_key(key) == site_of(address)


def test_bare_hosts_and_www_share_a_site() -> None:
    assert url_key("example.org/books/1") == "https://example.org/books/1"
    assert site_of("https://www.example.org/a") == site_of("example.org") == "example.org"
    assert url_key("just words") is None
    assert url_key("ftp://example.org/") is None
