"""THE outbound HTTP client. Every fetch the archiver makes goes through here.

``fetch(url)`` returns a ``FetchResult`` with everything a WARC writer needs;
failures raise a ``FetchError`` subclass whose ``error_class`` names the kind.

Safety (see ``app.lib.netpolicy`` for the address rules):

- only ``http``/``https``; no user info; odd IP spellings are canonicalized
  (``http://0x7f.1/`` is ``http://127.0.0.1/``) before anything else;
- every request, including every redirect hop, resolves its host once and
  is refused if any answer is blocked. The TCP connection is made to that
  checked ("pinned") address by a custom httpcore network backend, while TLS
  SNI and certificate verification still use the hostname, so DNS rebinding
  cannot redirect the connection and a certificate is checked for the name;
- the backend refuses any connection it was not told about, so nothing in
  httpx/httpcore can connect anywhere unchecked; environment proxies and
  ``.netrc`` are ignored;
- redirects are followed by hand (at most ``max_redirects``), each checked;
- the *decoded* body is capped (a gzip bomb stops at the cap, it is never
  inflated beyond it), and so is the raw body; a total wall-clock timeout is
  enforced on every socket operation, so a server trickling one byte per
  second is stopped too.

Surprises:

- HTTP error statuses are *not* exceptions; use ``classify_status`` or
  ``FetchResult.raise_for_status()``.
- ``raw_body`` is the body as received *minus the chunked transfer coding*
  (h11 removes it; content codings such as gzip are kept). ``headers`` still
  say ``Transfer-Encoding: chunked`` when the server sent that, so a WARC
  writer must either drop that header or re-chunk the body.
- HTTP/1.1 only (no HTTP/2), so every response fits a WARC record as is.
- Cookies set during a redirect chain are sent on later hops of the same
  fetch (like a browser), and then forgotten.
- Only ``GET`` and ``HEAD``: the archiver never sends request bodies.
"""

from __future__ import annotations

import codecs
import functools
import re
import ssl
import time
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, cast
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import certifi
import httpcore
import httpx

from app.lib.netpolicy import (
    BadURL,
    BlockedAddress,
    ClientError,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    Gone,
    NotFound,
    RateLimited,
    Resolution,
    ServerError,
    TooLarge,
    TooManyRedirects,
    Unsupported,
    parse_ip_literal,
    resolve_checked,
)

__all__ = [
    "BadURL",
    "BlockedAddress",
    "ClientError",
    "ConnectionFailed",
    "Deadline",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "Gone",
    "Hop",
    "NotFound",
    "PinnedTransport",
    "RateLimited",
    "SentRequest",
    "ServerError",
    "TooLarge",
    "TooManyRedirects",
    "Unsupported",
    "canonical_host",
    "classify_status",
    "decode_text",
    "detect_charset",
    "fetch",
    "fetch_conditional",
    "parse_retry_after",
    "peer_address",
    "prepare_url",
    "setting",
]

Headers = list[tuple[str, str]]
HeadersIn = Mapping[str, str] | Iterable[tuple[str, str]]

MAX_URL_LENGTH = 8192
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A redirect's own body is only kept for the WARC; nobody needs a big one.
REDIRECT_BODY_CAP = 1024 * 1024
# fetch_conditional's GET fallback reads this much and stops: it checks health.
CONDITIONAL_PEEK_BYTES = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Only codings we can inflate with a hard output limit (zlib's max_length).
ACCEPT_ENCODING = "gzip, deflate"
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_HOST_CHARS = re.compile(r"^[a-z0-9_.-]+$")


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

_FALLBACKS: dict[str, Any] = {
    "ARCHIVE_MAX_BYTES": 50 * 1024 * 1024,
    "ARCHIVE_CONNECT_TIMEOUT": 10.0,
    "ARCHIVE_READ_TIMEOUT": 20.0,
    "ARCHIVE_TOTAL_TIMEOUT": 60.0,
    "ARCHIVE_USER_AGENT": "TrainedOnArchiver/0.1",
    "ARCHIVE_ALLOW_HOSTS": [],
}


def setting(name: str) -> Any:
    """An ``ARCHIVE_*`` setting, read at call time (tests override them)."""
    from django.conf import settings

    if not settings.configured:
        return _FALLBACKS[name]
    return getattr(settings, name, _FALLBACKS[name])


@functools.lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """Verifying TLS context with certifi's roots, TLS >= 1.2; built once."""
    context = ssl.create_default_context(cafile=certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------


def canonical_host(hostname: str) -> str:
    """Host as it will be connected to: IPs canonical, names NFKC + lower case.

    NFKC first, as browsers do, so full-width ``１２７.０.０.１`` is seen for
    what it is. Percent-escapes are decoded for the same reason.
    """
    host = unicodedata.normalize("NFKC", unquote(hostname)).lower()
    ip = parse_ip_literal(host)
    if ip is not None:
        return str(ip)
    if not host or any(c in host for c in "%/\\@:[] "):
        raise BadURL(f"invalid host {hostname!r}")
    return host


def _authority(host: str, port: int | None, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    if port is None or port == DEFAULT_PORTS[scheme]:
        return shown
    return f"{shown}:{port}"


def prepare_url(url: str | httpx.URL) -> httpx.URL:
    """Validate and canonicalize a URL to fetch; raise ``BadURL`` if it is not acceptable.

    Refuses non-http(s) schemes, user info, backslashes and control
    characters (each a classic parser-differential trick), bad ports and
    malformed hosts. Drops the fragment. The returned URL's host is exactly
    what will be resolved and pinned.
    """
    text = str(url).strip()
    if len(text) > MAX_URL_LENGTH:
        raise BadURL(f"URL longer than {MAX_URL_LENGTH} characters")
    if "\\" in text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise BadURL("URL contains a backslash or control character", url=text[:200])
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadURL(f"malformed URL: {exc}", url=text[:200]) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BadURL(f"only http and https URLs can be fetched, not {scheme or 'relative'!r}")
    if "@" in parts.netloc:
        raise BadURL("URLs with user info are not fetched", url=text[:200])
    if not parts.hostname:
        raise BadURL("URL has no host", url=text[:200])
    if port is not None and not 0 < port < 65536:
        raise BadURL(f"port {port} is out of range", url=text[:200])
    host = canonical_host(parts.hostname)
    rebuilt = urlunsplit(
        (scheme, _authority(host, port, scheme), parts.path or "/", parts.query, "")
    )
    return _checked_httpx_url(rebuilt)


def _checked_httpx_url(text: str) -> httpx.URL:
    """Parse with httpx (which applies IDNA) and re-check the host it will use."""
    try:
        result = httpx.URL(text)
        raw_host = result.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise BadURL(f"malformed URL: {exc}", url=text[:200]) from None
    ip = parse_ip_literal(raw_host)
    if ip is not None and str(ip) != raw_host:
        # IDNA produced a numeric host; rebuild once around the real address.
        return _checked_httpx_url(str(result.copy_with(host=str(ip))))
    if ip is None and not _HOST_CHARS.match(raw_host):
        raise BadURL(f"invalid host {raw_host!r}", url=text[:200])
    return result


def _effective_port(url: httpx.URL) -> int:
    return url.port or DEFAULT_PORTS[url.scheme]


# --------------------------------------------------------------------------
# Transport: pinned connections with a wall-clock deadline
# --------------------------------------------------------------------------


class Deadline:
    """A wall-clock budget; ``clamp`` shortens socket timeouts to what is left."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self._end is None else self._end - time.monotonic()

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def clamp(self, timeout: float | None) -> float | None:
        """``timeout`` cut to the time left; raises ``FetchTimeout`` when none is."""
        left = self.remaining()
        if left is None:
            return timeout
        if left <= 0:
            raise FetchTimeout(f"total timeout of {self.seconds:g}s exceeded")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read/write/handshake respects the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # server_hostname is the URL's host (httpcore passes it), never the
        # pinned IP: SNI and certificate checks are for the name.
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.clamp(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects only to addresses that ``PinnedTransport`` checked for that host:port."""

    def __init__(self, deadline: Deadline) -> None:
        self.pins: dict[tuple[str, int], Resolution] = {}
        self.deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        resolution = self.pins.get((host, port))
        if resolution is None:
            raise BlockedAddress(f"refusing unchecked connection to {host}:{port}")
        failure: Exception | None = None
        for address in resolution.addresses:  # all were checked; later ones are fallbacks
            try:
                stream = self._inner.connect_tcp(
                    address, port, self.deadline.clamp(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # refused/unreachable: try the next
                failure = exc
                continue
            return _DeadlineStream(stream, self.deadline)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedAddress("unix sockets are never used for outbound requests")


@contextmanager
def _mapped_errors(deadline: Deadline, url: str) -> Iterator[None]:
    """Turn httpcore's exceptions into ``FetchError`` subclasses."""
    try:
        yield
    except FetchError:
        raise
    except httpcore.TimeoutException as exc:
        if deadline.expired():
            message = f"total timeout of {deadline.seconds:g}s exceeded"
        else:
            message = f"{type(exc).__name__}: {exc or 'no response in time'}"
        raise FetchTimeout(message, url=url) from exc
    except httpcore.UnsupportedProtocol as exc:
        raise BadURL(str(exc), url=url) from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
        if deadline.expired():
            raise FetchTimeout("total timeout exceeded", url=url) from exc
        raise ConnectionFailed(f"{type(exc).__name__}: {exc}", url=url) from exc


class _CoreStream(httpx.SyncByteStream):
    """httpcore's response body as an httpx stream, with our error mapping."""

    def __init__(self, response: httpcore.Response, deadline: Deadline, url: str) -> None:
        self._response = response
        self._deadline = deadline
        self._url = url

    def __iter__(self) -> Iterator[bytes]:
        with _mapped_errors(self._deadline, self._url):
            yield from cast(Iterable[bytes], self._response.stream)

    def close(self) -> None:
        self._response.close()


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that resolves, checks and pins every request's host.

    Each ``handle_request`` resolves the URL's host once via
    ``netpolicy.resolve_checked`` and lets the connection pool connect only
    to those addresses. One instance per fetch (or per proxied request); not
    meant to be shared between threads.
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.allow_hosts = list(
            setting("ARCHIVE_ALLOW_HOSTS") if allow_hosts is None else allow_hosts
        )
        self.deadline = deadline or Deadline(None)
        self._backend = _PinnedBackend(self.deadline)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or default_ssl_context(),
            max_connections=8,
            # A fresh connection per request: each hop then connects to the
            # address checked for it, and there is no race with servers that
            # close idle keep-alive connections (httpcore does not retry).
            max_keepalive_connections=0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=self._backend,
        )

    def _pin(self, request: httpx.Request) -> None:
        url = request.url
        if url.scheme not in DEFAULT_PORTS:
            raise BadURL(f"unsupported scheme {url.scheme!r}", url=str(url))
        host, port = url.raw_host.decode("ascii"), _effective_port(url)
        connect = request.extensions.get("timeout", {}).get("connect")
        try:
            resolution = resolve_checked(
                host, port, self.allow_hosts, timeout=self.deadline.clamp(connect)
            )
        except FetchError as exc:
            exc.url = exc.url or str(url)
            raise
        self._backend.pins[(host, port)] = resolution

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._pin(request)
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=cast(Iterable[bytes], request.stream),
            extensions=request.extensions,
        )
        with _mapped_errors(self.deadline, str(url)):
            core_response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_CoreStream(core_response, self.deadline, str(url)),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def peer_address(response: httpx.Response) -> tuple[str | None, int | None]:
    """The IP and port the response actually came from (read while still connected)."""
    stream = response.extensions.get("network_stream")
    try:
        addr = stream.get_extra_info("server_addr") if stream is not None else None
    except OSError:
        addr = None
    if not addr:
        return None, None
    return str(addr[0]), int(addr[1])


# --------------------------------------------------------------------------
# Body decoding with a hard output cap
# --------------------------------------------------------------------------

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_CODINGS = frozenset({"gzip", "x-gzip", "deflate"})


def _deflate_wbits(data: bytes) -> int:
    """'deflate' is zlib-wrapped by the spec but raw in practice; sniff the header."""
    if len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS


class _ZlibStage:
    """One content coding, inflated incrementally, never more than limit+1 bytes per feed."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._d: Any = None if coding == "deflate" else zlib.decompressobj(_GZIP_WBITS)
        self.eof = False

    def _restart(self, data: bytes) -> bool:
        """After a stream ends: start the next gzip member, or ignore trailing junk."""
        if self.coding != "deflate" and data[:2] == b"\x1f\x8b":
            self._d, self.eof = zlib.decompressobj(_GZIP_WBITS), False
            return True
        return False

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        while data and len(out) <= limit:
            if self._d is None:
                self._d = zlib.decompressobj(_deflate_wbits(data))
            if self.eof and not self._restart(data):
                break  # bytes after the end of the stream: browsers ignore them too
            # max_length bounds the output: this is what defuses a gzip bomb.
            out += self._d.decompress(data, limit + 1 - len(out))
            if self._d.eof:
                self.eof, data = True, self._d.unused_data
            else:
                data = self._d.unconsumed_tail
        return bytes(out)


class _ContentDecoder:
    """Undo ``Content-Encoding`` (possibly stacked) under a cap on the decoded size."""

    def __init__(self, encodings: list[str], cap: int) -> None:
        codings = [c.strip().lower() for value in encodings for c in value.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self.cap = cap
        self.error: str | None = None
        unknown = [c for c in codings if c not in _CODINGS]
        if unknown or len(codings) > 3:
            self.error = f"unsupported content-coding {', '.join(codings)!r}"
        self._stages = [] if self.error else [_ZlibStage(c) for c in reversed(codings)]
        self._out = bytearray()

    def feed(self, data: bytes) -> bool:
        """Decode more; False once the decoded size is over the cap."""
        if self.error is not None or not self._stages:
            return True  # identity or undecodable: only the raw cap applies
        try:
            for i, stage in enumerate(self._stages):
                last = i == len(self._stages) - 1
                limit = self.cap - len(self._out) if last else self.cap
                data = stage.feed(data, limit)
                if len(data) > limit:
                    return False
        except zlib.error as exc:
            self.error = f"cannot decode {stage.coding} body: {exc}"
            return True
        self._out += data
        return True

    def finish(self, raw: bytes) -> tuple[bytes, str | None]:
        """(decoded body, problem). An undecodable body is returned raw, with the problem."""
        if self.error is not None:
            return raw, self.error
        if not self._stages:
            return raw, None
        unfinished = [s.coding for s in self._stages if not s.eof]
        problem = f"{unfinished[0]} stream is truncated" if unfinished and raw else None
        return bytes(self._out), problem


@dataclass
class _Body:
    raw: bytes
    decoded: bytes
    decode_error: str | None
    truncated: bool


def _declared_length(response: httpx.Response) -> int | None:
    if response.request.method == "HEAD" or response.status_code in (204, 304):
        return None
    try:
        return int(response.headers.get("content-length", ""))
    except ValueError:
        return None


def _read_body(response: httpx.Response, cap: int, truncate_ok: bool) -> _Body:
    """Read the whole body (raw and decoded), enforcing ``cap`` on both."""
    url = str(response.request.url)
    declared = _declared_length(response)
    if declared is not None and declared > cap and not truncate_ok:
        raise TooLarge(f"Content-Length {declared} exceeds the cap of {cap} bytes", url=url)
    decoder = _ContentDecoder(response.headers.get_list("content-encoding"), cap)
    raw = bytearray()
    truncated = False
    for chunk in response.iter_raw():
        room = cap - len(raw)
        fits = len(chunk) <= room
        raw += chunk if fits else chunk[:room]
        if not decoder.feed(chunk if fits else chunk[:room]) or not fits:
            if not truncate_ok:
                raise TooLarge(f"body exceeds the cap of {cap} bytes", url=url)
            truncated = True
            break
    decoded, problem = decoder.finish(bytes(raw))
    return _Body(bytes(raw), decoded, problem, truncated)


# --------------------------------------------------------------------------
# Text decoding
# --------------------------------------------------------------------------

# WHATWG Encoding Standard: labels browsers treat as something else.
_CHARSET_ALIASES = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "cp819": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "iso-8859-9": "windows-1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "x-sjis": "shift_jis",
    "ks_c_5601-1987": "euc-kr",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""")


def _charset(label: str | bytes | None) -> str | None:
    """A decodable encoding name for ``label``, following browser aliases; None if unknown."""
    if label is None:
        return None
    text = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    name = _CHARSET_ALIASES.get(text.strip().lower(), text.strip().lower())
    try:
        # Non-empty on purpose: b"".decode() skips the check that rejects
        # bytes-to-bytes codecs such as "base64".
        b"x".decode(name, "ignore")
    except LookupError:
        return None
    return name


def _header_value(headers: HeadersIn, name: str) -> str | None:
    """The last value of header ``name`` (case-insensitive), as browsers use for Content-Type."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    found = None
    for key, value in items:
        if key.lower() == name:
            found = value
    return found


def detect_charset(body: bytes, headers: HeadersIn = ()) -> str:
    """The encoding a browser would use: BOM, then Content-Type, then <meta>/XML, then a guess.

    The guess is UTF-8 if the body is valid UTF-8, else windows-1252 (which
    is also what ``iso-8859-1`` and ``us-ascii`` labels mean on the web).
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    content_type = _header_value(headers, "content-type") or ""
    match = _CT_CHARSET.search(content_type)
    declared = _charset(match.group(1)) if match else None
    if declared:
        return declared
    head = body[:4096]
    sniffed = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    found = _charset(sniffed.group(1)) if sniffed else None
    if found:
        # A <meta> cannot really declare UTF-16: the bytes it is in are ASCII.
        return "utf-8" if found.startswith("utf-16") else found
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def decode_text(body: bytes, headers: HeadersIn = ()) -> str:
    """``body`` as text, decoded per ``detect_charset``; bad bytes become U+FFFD."""
    name = detect_charset(body, headers)
    for bom, bom_name in _BOMS:
        if name == bom_name and body.startswith(bom):
            body = body[len(bom) :]
    return body.decode(name, errors="replace")


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SentRequest:
    """A request exactly as sent: method, URL, and headers in order (Host, Cookie included)."""

    method: str
    url: str
    headers: Headers


@dataclass
class Hop:
    """One request/response exchange; a redirect chain is a list of these.

    ``raw_body`` is as received (content-encoded, de-chunked), ``body`` is
    decoded. ``ip``/``port`` is the peer actually connected to (the pinned
    address). ``location`` is the raw Location header, ``redirect_to`` the
    absolute URL followed (None for the last hop).
    """

    request: SentRequest
    url: str
    status: int
    reason: str
    http_version: str
    headers: Headers
    raw_body: bytes
    body: bytes
    ip: str | None
    port: int | None
    started_at: datetime
    elapsed: float
    decode_error: str | None = None
    truncated: bool = False
    location: str | None = None
    redirect_to: str | None = None


@dataclass
class FetchResult:
    """The final response of a fetch, with the whole redirect chain in ``hops``.

    ``hops[-1]`` is the final exchange; ``hops[:-1]`` are the redirects,
    complete (headers and raw body) so a WARC can record them too.
    ``truncated`` is only True for ``fetch_conditional``'s GET peek and a
    ``media_peek`` fetch of a video.
    """

    url: str
    requested_url: str
    status: int
    reason: str
    http_version: str
    headers: Headers
    raw_body: bytes
    body: bytes
    hops: list[Hop]
    started_at: datetime
    elapsed: float
    decode_error: str | None = None
    truncated: bool = False
    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_hops(cls, requested_url: str, hops: list[Hop], elapsed: float) -> FetchResult:
        last = hops[-1]
        return cls(
            url=last.url,
            requested_url=requested_url,
            status=last.status,
            reason=last.reason,
            http_version=last.http_version,
            headers=last.headers,
            raw_body=last.raw_body,
            body=last.body,
            hops=hops,
            started_at=hops[0].started_at,
            elapsed=elapsed,
            decode_error=last.decode_error,
            truncated=last.truncated,
        )

    @property
    def request(self) -> SentRequest:
        """The request that produced the final response."""
        return self.hops[-1].request

    @property
    def requests(self) -> list[SentRequest]:
        return [hop.request for hop in self.hops]

    @property
    def redirects(self) -> list[Hop]:
        return self.hops[:-1]

    @property
    def redirect_chain(self) -> list[dict[str, Any]]:
        """``[{url, status, location}]`` for each redirect followed (location is absolute)."""
        return [
            {"url": h.url, "status": h.status, "location": h.redirect_to or h.location}
            for h in self.hops[:-1]
        ]

    @property
    def ip(self) -> str | None:
        return self.hops[-1].ip

    @property
    def pinned_ips(self) -> list[str | None]:
        return [hop.ip for hop in self.hops]

    def header(self, name: str) -> str | None:
        """First value of a response header (case-insensitive), or None."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self.headers if key.lower() == lower]

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' if absent)."""
        value = _header_value(self.headers, "content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str:
        return detect_charset(self.body, self.headers)

    def text(self) -> str:
        """The decoded body as text (charset from BOM, headers, <meta>, or a guess)."""
        if self._text is None:
            self._text = decode_text(self.body, self.headers)
        return self._text

    @property
    def etag(self) -> str | None:
        return self.header("etag")

    @property
    def last_modified(self) -> str | None:
        return self.header("last-modified")

    def classify(self) -> tuple[str | None, float | None]:
        """``classify_status`` for this response."""
        return classify_status(self.status, self.headers)

    def raise_for_status(self) -> FetchResult:
        """Raise the ``FetchError`` matching an error status; return self otherwise."""
        error_class, retry_after = self.classify()
        if error_class is None:
            return self
        message = f"HTTP {self.status} {self.reason}".strip()
        if error_class == "rate_limited":
            raise RateLimited(message, url=self.url, retry_after=retry_after)
        raise _STATUS_ERRORS[error_class](message, url=self.url)


_STATUS_ERRORS: dict[str, type[FetchError]] = {
    "not_found": NotFound,
    "server_error": ServerError,
    "client_error": ClientError,
    "unsupported": Unsupported,
}


# --------------------------------------------------------------------------
# Status classification
# --------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if unusable.

    A date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_status(status: int, headers: HeadersIn = ()) -> tuple[str | None, float | None]:
    """``(error_class or None, retry_after seconds or None)`` for an HTTP status.

    404/410 -> not_found; 429 -> rate_limited; 5xx -> server_error; other
    4xx -> client_error; 1xx-3xx -> None. ``retry_after`` comes from the
    Retry-After header on 429 and 503 only. A status outside 100-599 is
    ``unsupported``.
    """
    retry = None
    if status in (429, 503):
        retry = parse_retry_after(_header_value(headers, "retry-after"))
    if not 100 <= status <= 599:
        return "unsupported", None
    if status < 400:
        return None, None
    if status in (404, 410):
        return "not_found", None
    if status == 429:
        return "rate_limited", retry
    if status >= 500:
        return "server_error", retry
    return "client_error", None


# --------------------------------------------------------------------------
# fetch
# --------------------------------------------------------------------------


@dataclass
class _Options:
    method: str
    headers: Headers
    max_bytes: int
    connect_timeout: float
    read_timeout: float
    total_timeout: float
    follow_redirects: bool
    max_redirects: int
    allow_hosts: list[str]
    ssl_context: ssl.SSLContext | None
    truncate_ok: bool = False
    media_peek: bool = False

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.read_timeout,
            pool=self.connect_timeout,
        )


def _headers_list(headers: HeadersIn | None) -> Headers:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), str(v)) for k, v in items]


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> Headers:
    # latin-1 maps every byte to one character, so nothing is lost.
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


def _client(opts: _Options, transport: PinnedTransport) -> httpx.Client:
    return httpx.Client(
        transport=transport,
        trust_env=False,  # no proxies or .netrc from the environment
        follow_redirects=False,
        timeout=opts.timeout(),
        headers={
            "User-Agent": setting("ARCHIVE_USER_AGENT"),
            "Accept": DEFAULT_ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )


def _exchange(
    client: httpx.Client, transport: PinnedTransport, method: str, url: httpx.URL, opts: _Options
) -> Hop:
    """Send one request, read its whole response; the hop's URL is ``url``.

    The client builds the request (default headers, cookie jar) but it goes
    straight to the transport: ``Client.send`` would run httpx's redirect
    logic, which parses Location itself and raises on odd values.
    """
    request = client.build_request(method, url, headers=opts.headers)
    sent = SentRequest(method, str(request.url), _decode_headers(request.headers.raw))
    started_at, t0 = datetime.now(UTC), time.monotonic()
    response = transport.handle_request(request)
    response.request = request
    try:
        client.cookies.extract_cookies(response)
        ip, port = peer_address(response)
        location = response.headers.get("location")
        is_redirect = response.status_code in REDIRECT_STATUSES and location is not None
        cap = min(opts.max_bytes, REDIRECT_BODY_CAP) if is_redirect else opts.max_bytes
        truncate = opts.truncate_ok
        if opts.media_peek and not is_redirect and _is_media(response.headers.get("content-type")):
            # Video and playlists are downloaded by the media step; the page
            # fetch keeps only their first bytes instead of failing on size.
            cap, truncate = min(cap, MEDIA_PEEK_BYTES), True
        body = _read_body(response, cap, truncate)
    finally:
        response.close()
    return Hop(
        request=sent,
        url=str(url),
        status=response.status_code,
        reason=response.reason_phrase,
        http_version=response.http_version,
        headers=_decode_headers(response.headers.raw),
        raw_body=body.raw,
        body=body.decoded,
        ip=ip,
        port=port,
        started_at=started_at,
        elapsed=time.monotonic() - t0,
        decode_error=body.decode_error,
        truncated=body.truncated,
        location=location if is_redirect else None,
    )


MEDIA_PEEK_BYTES = 1024 * 1024
_MEDIA_TYPES = ("video/", "audio/")
_PLAYLIST_TYPES = frozenset(
    {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"}
)


def _is_media(content_type: str | None) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind.startswith(_MEDIA_TYPES) and kind not in _PLAYLIST_TYPES


def _redirect_target(hop: Hop) -> httpx.URL:
    """The absolute URL a redirect points to, validated like any URL we fetch."""
    location = (hop.location or "").strip()
    try:
        # Header bytes arrive latin-1 decoded; browsers read Location as UTF-8.
        location = location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    try:
        # Plain string resolution (RFC 3986); prepare_url then judges the result.
        joined = urljoin(hop.url, location)
    except ValueError as exc:
        raise BadURL(f"bad redirect Location {location!r}: {exc}", url=hop.url) from None
    return prepare_url(joined)


def _next_request(hop: Hop, opts: _Options) -> tuple[_Options, httpx.URL] | None:
    """Where to go after ``hop``, with method/headers adjusted; None to stop."""
    if not opts.follow_redirects or hop.location is None:
        return None
    target = _redirect_target(hop)
    hop.redirect_to = str(target)
    method = opts.method
    if (hop.status == 303 and method != "HEAD") or (hop.status in (301, 302) and method == "POST"):
        method = "GET"
    headers = opts.headers
    old = httpx.URL(hop.url)
    if (old.scheme, old.raw_host, _effective_port(old)) != (
        target.scheme,
        target.raw_host,
        _effective_port(target),
    ):
        # Like browsers: caller-supplied credentials never follow to another origin.
        headers = [(k, v) for k, v in headers if k.lower() not in _CREDENTIAL_HEADERS]
    return replace(opts, method=method, headers=headers), target


def _run(url: str, opts: _Options) -> FetchResult:
    """Fetch ``url``, following redirects by hand; failures carry the hops so far."""
    t0 = time.monotonic()
    transport = PinnedTransport(
        allow_hosts=opts.allow_hosts,
        ssl_context=opts.ssl_context,
        deadline=Deadline(opts.total_timeout),
    )
    hops: list[Hop] = []
    current: httpx.URL | None = None
    try:
        current = prepare_url(url)
        with _client(opts, transport) as client:
            while True:
                hops.append(_exchange(client, transport, opts.method, current, opts))
                following = _next_request(hops[-1], opts)
                if following is None:
                    break
                if len(hops) > opts.max_redirects:
                    raise TooManyRedirects(f"more than {opts.max_redirects} redirects")
                opts, current = following
    except FetchError as exc:
        exc.hops = list(hops)
        exc.url = exc.url or (str(current) if current is not None else url)
        raise
    return FetchResult.from_hops(url, hops, time.monotonic() - t0)


def _options(
    method: str,
    headers: HeadersIn | None,
    max_bytes: int | None,
    timeouts: tuple[float | None, float | None, float | None],
    follow_redirects: bool,
    max_redirects: int,
    allow_hosts: Iterable[str] | None,
    ssl_context: ssl.SSLContext | None,
) -> _Options:
    method = method.upper()
    if method not in ("GET", "HEAD"):
        raise Unsupported(f"method {method} is not supported (only GET and HEAD)")
    connect, read, total = timeouts
    return _Options(
        method=method,
        headers=_headers_list(headers),
        max_bytes=max_bytes if max_bytes is not None else setting("ARCHIVE_MAX_BYTES"),
        connect_timeout=connect if connect is not None else setting("ARCHIVE_CONNECT_TIMEOUT"),
        read_timeout=read if read is not None else setting("ARCHIVE_READ_TIMEOUT"),
        total_timeout=total if total is not None else setting("ARCHIVE_TOTAL_TIMEOUT"),
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        allow_hosts=list(setting("ARCHIVE_ALLOW_HOSTS") if allow_hosts is None else allow_hosts),
        ssl_context=ssl_context,
    )


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: HeadersIn | None = None,
    max_bytes: int | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    total_timeout: float | None = None,
    follow_redirects: bool = True,
    max_redirects: int = 10,
    allow_hosts: Iterable[str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    media_peek: bool = False,
) -> FetchResult:
    """Fetch ``url`` safely and completely; see the module docstring for the guarantees.

    With ``media_peek``, a video or audio response (not a playlist) is read
    only up to ``MEDIA_PEEK_BYTES`` and marked ``truncated`` instead of
    raising `TooLarge`: the media step downloads such files itself.

    ``None`` arguments take the ``ARCHIVE_*`` settings (read at call time).
    ``total_timeout`` is wall-clock for the whole fetch, redirects included.
    ``ssl_context`` replaces the default verifying context (tests, private
    CAs); never pass one that skips verification. HTTP error statuses are
    returned, not raised. Raises a ``FetchError`` subclass on failure; its
    ``hops`` holds the responses received before the failure.
    """
    opts = _options(
        method,
        headers,
        max_bytes,
        (connect_timeout, read_timeout, total_timeout),
        follow_redirects,
        max_redirects,
        allow_hosts,
        ssl_context,
    )
    return _run(url, replace(opts, media_peek=media_peek))


# Statuses after which a HEAD is retried as GET: servers that mishandle HEAD.
_HEAD_FALLBACK = frozenset({400, 403, 405, 406, 501})


def fetch_conditional(
    url: str,
    etag: str | None = None,
    last_modified: str | datetime | None = None,
    *,
    head_first: bool = True,
    headers: HeadersIn | None = None,
    allow_hosts: Iterable[str] | None = None,
    total_timeout: float | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchResult:
    """A cheap link-health check: HEAD (then GET if HEAD is refused) with validators.

    Sends ``If-None-Match``/``If-Modified-Since`` when given; a 304 means
    unchanged. The GET fallback reads at most ``CONDITIONAL_PEEK_BYTES`` and
    then stops *without* error (``result.truncated`` tells), so never archive
    its body. Redirects are followed and checked as in ``fetch``.
    """
    conditional = _headers_list(headers)
    if etag:
        conditional.append(("If-None-Match", etag))
    if isinstance(last_modified, datetime):
        moment = last_modified if last_modified.tzinfo else last_modified.replace(tzinfo=UTC)
        last_modified = format_datetime(moment.astimezone(UTC), usegmt=True)
    if last_modified:
        conditional.append(("If-Modified-Since", last_modified))
    timeouts = (None, None, total_timeout)
    args = (conditional, None, timeouts, True, 10, allow_hosts, ssl_context)
    if head_first:
        result = _run(url, _options("HEAD", *args))
        if result.status not in _HEAD_FALLBACK:
            return result
    opts = replace(_options("GET", *args), max_bytes=CONDITIONAL_PEEK_BYTES, truncate_ok=True)
    return _run(url, opts)
