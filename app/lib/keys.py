"""Normalized keys of works: ISBNs, YouTube videos and channels, web addresses.

One function per kind of key; each returns the canonical form or ``None``
for text that is not one. They are idempotent: the key of a key is itself.
Dataset indexes are stored under these keys and lookups normalize the
reader's input the same way, so "0-306-40615-2", "978-0-306-40615-7" and
"9780306406157" meet in one row (docs/graph.md).

- ISBN: always ISBN-13 digits, check digit verified; an ISBN-10 (``X`` as
  check digit allowed) becomes the 978- ISBN-13 of the same book.
- YouTube video: the 11-character id from ``watch?v=``, ``youtu.be/``,
  ``/shorts/``, ``/embed/``, ``/live/``, ``/v/``, on ``www.``, ``m.``,
  ``music.`` and ``youtube-nocookie.com``, with any extra parameters; a bare
  id is accepted as is.
- YouTube channel: ``UC`` + 22 characters from ``/channel/``; a handle
  (``/@name``) becomes ``@name`` lower-cased; legacy ``/c/name`` and
  ``/user/name`` become ``c/name`` and ``user/name``. A handle cannot be
  turned into a ``UC`` id without asking YouTube, so an index that lists
  handles is matched by handle.
- Twitch channel: ``twitch.tv/<name>`` (lower-cased) of the channel's address
  or of any page under it (``/<name>/clip/...``, ``/<name>/videos``), so an
  index's clip pages are matched by the channel they belong to.
- Web address: `app.lib.urls.normalize_url`; a bare ``example.org/page``
  is read as ``https://``. The site of an address is its host without
  ``www.``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from app.lib.urls import InvalidURL, normalize_url

_ISBN_CLEAN = re.compile(r"[\s\-\u2010-\u2015.]")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_HANDLE = re.compile(r"^@[A-Za-z0-9._\-\u00b7\u0080-\uffff]{3,100}$")
_LEGACY_NAME = re.compile(r"^[A-Za-z0-9._\-\u0080-\uffff]{1,100}$")
_YOUTUBE_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "gaming.youtube.com",
        "youtube-nocookie.com",
        "www.youtube-nocookie.com",
    }
)
_SHORT_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
_VIDEO_PATHS = frozenset({"shorts", "embed", "live", "v", "e"})
TWITCH_SITE = "twitch.tv"  # `site_of` every Twitch address
_TWITCH_HOSTS = frozenset({"twitch.tv", "www.twitch.tv", "m.twitch.tv"})
_TWITCH_NAME = re.compile(r"^[a-z0-9_]{3,25}$")
# First path segments of twitch.tv pages that are not channels.
_TWITCH_PAGES = frozenset(
    {
        "directory", "videos", "p", "settings", "search", "downloads", "jobs", "turbo",
        "store", "prime", "login", "signup", "team", "u", "subscriptions", "inventory",
        "wallet", "drops", "friends", "messages", "moderator", "popout", "embed", "user",
        "broadcast", "creatorcamp", "legal", "security", "privacy",
    }
)  # fmt: skip


# --- ISBN --------------------------------------------------------------------


def _isbn13_check(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _isbn10_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        value = 10 if ch == "X" else int(ch)
        total += value * (10 - i)
    return total % 11 == 0


def isbn13(raw: str) -> str | None:
    """The ISBN-13 digits of an ISBN-10 or ISBN-13 (hyphens, spaces, prefix ignored)."""
    text = _ISBN_CLEAN.sub("", raw.strip()).upper()
    if text.startswith("ISBN"):
        text = text[4:].lstrip(":")
    if len(text) == 13 and text.isdigit():
        if text[:3] not in {"978", "979"} or _isbn13_check(text[:12]) != text[12]:
            return None
        return text
    if len(text) == 10 and text[:9].isdigit() and (text[9].isdigit() or text[9] == "X"):
        if not _isbn10_valid(text):
            return None
        first12 = "978" + text[:9]
        return first12 + _isbn13_check(first12)
    return None


def isbn10_of(isbn: str) -> str | None:
    """The ISBN-10 of a 978- ISBN-13 (979- books have none); for tests and display."""
    digits = isbn13(isbn)
    if digits is None or not digits.startswith("978"):
        return None
    body = digits[3:12]
    total = sum(int(d) * (10 - i) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


# --- YouTube -----------------------------------------------------------------


def _split(raw: str) -> tuple[str, list[str], dict[str, list[str]]] | None:
    text = raw.strip()
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    return host, segments, parse_qs(parts.query)


def youtube_video_id(raw: str) -> str | None:
    """The video id of any YouTube video address, or of a bare 11-character id."""
    text = raw.strip()
    if _VIDEO_ID.match(text):
        return text
    split = _split(text)
    if split is None:
        return None
    host, segments, query = split
    candidate = ""
    if host in _SHORT_HOSTS:
        candidate = segments[0] if segments else ""
    elif host in _YOUTUBE_HOSTS:
        if segments[:1] == ["watch"] or not segments:
            candidate = (query.get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in _VIDEO_PATHS:
            candidate = segments[1]
        elif segments[:1] == ["attribution_link"]:
            inner = (query.get("u") or [""])[0]
            return youtube_video_id("https://www.youtube.com" + inner) if inner else None
    return candidate if _VIDEO_ID.match(candidate) else None


def youtube_channel(raw: str) -> str | None:
    """``UC...``, ``@handle``, ``c/name`` or ``user/name`` of a channel address or id."""
    text = raw.strip()
    if _CHANNEL_ID.match(text):
        return text
    if _HANDLE.match(text):
        return text.lower()
    if text.startswith(("c/", "user/")):
        prefix, _, name = text.partition("/")
        return f"{prefix}/{name.lower()}" if _LEGACY_NAME.match(name) else None
    split = _split(text)
    if split is None:
        return None
    host, segments, _query = split
    if host not in _YOUTUBE_HOSTS or not segments:
        return None
    first = segments[0]
    if first == "channel" and len(segments) >= 2 and _CHANNEL_ID.match(segments[1]):
        return segments[1]
    if first.startswith("@") and _HANDLE.match(first):
        return first.lower()
    if first in {"c", "user"} and len(segments) >= 2 and _LEGACY_NAME.match(segments[1]):
        return f"{first}/{segments[1].lower()}"
    return None


def twitch_channel(raw: str, *, whole: bool = False) -> str | None:
    """``twitch.tv/<name>`` of a Twitch channel's address or of a page under it (a clip,
    its videos); with ``whole``, only of the channel's own address (``/<name>``)."""
    split = _split(raw)
    if split is None:
        return None
    host, segments, _query = split
    if host not in _TWITCH_HOSTS or not segments or (whole and len(segments) > 1):
        return None
    name = segments[0].lower()
    if name in _TWITCH_PAGES or not _TWITCH_NAME.match(name):
        return None
    return f"{TWITCH_SITE}/{name}"


def channel_key(raw: str) -> str | None:
    """The channel of a channel column: a YouTube channel (`youtube_channel`) or a Twitch
    one (`twitch_channel`)."""
    return youtube_channel(raw) or twitch_channel(raw)


# --- Web addresses -----------------------------------------------------------


def url_key(raw: str) -> str | None:
    """The normalized address (`normalize_url`), reading a bare host/path as https."""
    text = raw.strip()
    if not text:
        return None
    if "://" not in text:
        if " " in text or "." not in text.split("/", 1)[0]:
            return None
        text = "https://" + text
    try:
        return normalize_url(text)
    except InvalidURL:
        return None


def site_of(raw: str) -> str | None:
    """The site (host without ``www.``) of an address or a bare host."""
    key = url_key(raw)
    if key is None:
        return None
    return site_of_key(key)


def site_of_key(key: str) -> str | None:
    """`site_of` an address already normalized by `url_key` (the importer's inner loop)."""
    netloc = key.split("/", 3)[2] if key.count("/") >= 2 else ""
    if not netloc or any(ch in netloc for ch in ":@[?#"):
        host = urlsplit(key).hostname or ""
    else:
        host = netloc
    return host.removeprefix("www.") or None
