"""URL normalization: the identity of a `Source`.

Rules (documented in docs/urls.md):

- only ``http`` and ``https``; scheme and host lower-cased; the host is
  IDNA-encoded (``bücher.example`` -> ``xn--bcher-kva.example``); a trailing
  dot on the host is dropped;
- user info is refused (an address with a password is not a citation);
- default ports (80 for http, 443 for https) are dropped;
- the fragment is dropped;
- tracking parameters (``utm_*``, ``fbclid``, ``gclid`` and the others in
  ``TRACKING_PARAMS``) are removed; every other query parameter is kept, in
  its original order, since order can matter to the server;
- the path is percent-encoded canonically (unreserved characters decoded,
  everything else encoded with upper-case hex), dot segments resolved, and an
  empty path becomes ``/``. A trailing slash on a longer path is kept: to
  many servers ``/a`` and ``/a/`` are different resources.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 2000

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "ref_src",
        "ref_url",
        "si",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_SAFE_QUERY = "/:@!$'()*,;-._~?"
_HOST_RE = re.compile(r"^[a-z0-9.\-_]+$|^\[[0-9a-f:.]+\]$")


class InvalidURL(ValueError):
    """The text is not an http(s) address we can cite."""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _normalize_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        raise InvalidURL("The address has no host.")
    if ":" in host:
        try:
            return "[" + ipaddress.IPv6Address(host.strip("[]")).compressed + "]"
        except ValueError as exc:
            raise InvalidURL(f"The host {host!r} is not a valid IPv6 address.") from exc
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError:
        try:
            labels = [
                label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
                for label in host.split(".")
            ]
        except UnicodeError as exc:
            raise InvalidURL(f"The host {host!r} is not a valid domain name.") from exc
        encoded = ".".join(labels)
    encoded = encoded.lower()
    if not _HOST_RE.match(encoded) or ".." in encoded or len(encoded) > 253:
        raise InvalidURL(f"The host {host!r} is not a valid domain name.")
    return encoded


def _normalize_path(path: str) -> str:
    if not path:
        return "/"
    # Decode once, then encode canonically: %7E and ~ are the same path.
    decoded = unquote(path, errors="surrogateescape")
    segments: list[str] = []
    for segment in decoded.split("/")[1:] if decoded.startswith("/") else decoded.split("/"):
        if segment == ".":
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    trailing = decoded.endswith("/") or decoded.endswith("/.") or decoded.endswith("/..")
    rebuilt = "/" + "/".join(segments)
    if trailing and not rebuilt.endswith("/"):
        rebuilt += "/"
    return quote(rebuilt.encode("utf-8", errors="surrogateescape"), safe=_SAFE_PATH)


def _normalize_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
    return urlencode(kept, quote_via=quote, safe=_SAFE_QUERY)


# An address already in canonical form, which `normalize_url` would return as is
# (an empty path gains "/"): lower-case http(s), a lower-case ASCII host of
# non-empty labels and no port or user, a path of characters that need no
# percent-encoding and no "." or ".." segment, name=value query pairs of safe
# characters, no fragment. Dataset indexes hold millions of such addresses; the
# property test in tests/lib/test_urls.py checks the shortcut against the full path.
_CANONICAL = re.compile(
    r"https?://[a-z0-9_-]+(?:\.[a-z0-9_-]+)*"
    r"(?P<path>/[A-Za-z0-9/:@!$&'()*+,;=._~-]*)?"
    r"(?:\?(?P<query>[A-Za-z0-9/:@!$'()*,;?._~-]+=[A-Za-z0-9/:@!$'()*,;?._~-]*"
    r"(?:&[A-Za-z0-9/:@!$'()*,;?._~-]+=[A-Za-z0-9/:@!$'()*,;?._~-]*)*))?"
)
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")


def _canonical_as_is(text: str) -> str | None:
    """``text`` itself (or with "/" for an empty path) when it is already canonical."""
    match = _CANONICAL.fullmatch(text)
    if match is None or len(text) >= MAX_URL_LENGTH:
        return None
    path, query = match.group("path"), match.group("query")
    if path is not None and _DOT_SEGMENT.search(path):
        return None
    if query is not None and any(_is_tracking(pair.partition("=")[0]) for pair in query.split("&")):
        return None
    host_end = text.find("/", 8)
    host = text[text.index("//") + 2 : host_end if host_end >= 0 else len(text)]
    host = host.split("?", 1)[0]
    if len(host) > 253:
        return None
    return text if path is not None else text.replace("?", "/?", 1) if query else text + "/"


def normalize_url(raw: str) -> str:
    """Return the canonical form of an http(s) address, or raise `InvalidURL`."""
    if not isinstance(raw, str):
        raise InvalidURL("The address must be text.")
    text = raw.strip()
    if not text:
        raise InvalidURL("The address is empty.")
    if (canonical := _canonical_as_is(text)) is not None:
        return canonical
    return _normalize_full(text)


def _normalize_full(text: str) -> str:
    """`normalize_url` of stripped, non-empty text, rule by rule."""
    if any(ch in text for ch in "\x00\r\n\t") or " " in text:
        raise InvalidURL("The address contains spaces or control characters.")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL(f"The address is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"The address cannot be parsed: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise InvalidURL("Only http:// and https:// addresses can be sources.")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL("Addresses with a user name or password are not accepted.")
    host = _normalize_host(parts.hostname or "")
    netloc = host
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        netloc = f"{host}:{port}"
    normalized = urlunsplit(
        (scheme, netloc, _normalize_path(parts.path), _normalize_query(parts.query), "")
    )
    if len(normalized) > MAX_URL_LENGTH:
        raise InvalidURL(f"The address is longer than {MAX_URL_LENGTH} characters.")
    return normalized
