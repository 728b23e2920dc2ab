"""Outbound address policy: which IP addresses the archiver may connect to.

Every outbound connection the project makes (``app.lib.http`` and the
``app.lib.egress_proxy`` that Chromium and yt-dlp go through) is decided here.
The rules, in order:

1. A host written as an IP literal is parsed *here*, the way browsers and
   ``inet_aton`` do (``2130706433``, ``0177.0.0.1``, ``0x7f.0.0.1``, ``127.1``
   all mean ``127.0.0.1``), so an odd spelling can never slip past the check.
2. A name is resolved exactly once with ``socket.getaddrinfo``. If *any*
   answer is blocked the whole name is refused (an attacker controlling DNS
   could otherwise order the answers), and the caller connects only to the
   addresses returned here (the "pinned" addresses), never to the name again,
   so DNS rebinding between check and connect is impossible.
3. An address is blocked unless it is ordinary global unicast. The tables
   below are explicit rather than relying on ``ipaddress.is_global`` alone,
   whose answers have changed between Python patch releases; ``is_global`` is
   kept as a final backstop.

``allow_hosts`` (the ``ARCHIVE_ALLOW_HOSTS`` setting, read lazily on every
call so tests can override it) exempts listed hosts from rule 3. It exists for
tests that serve pages on 127.0.0.1; it should be empty in production.

Surprises worth knowing:

- Every IPv4 address spelled in an IPv6 form (mapped ``::ffff:a.b.c.d``,
  NAT64 ``64:ff9b::a.b.c.d``, 6to4 ``2002:AABB:CCDD::``) is judged as the IPv4
  address it carries. 6to4 and Teredo are refused outright: they are
  deprecated tunnels with no legitimate use for a fetcher.
- A few well-known *public* addresses are also blocked because clouds use
  them as instance-metadata endpoints (Azure's 168.63.129.16).
- Some ports are refused on any host (SMTP, IRC, ...), as browsers do, to
  stop cross-protocol attacks through our requests.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

__all__ = [
    "BadURL",
    "BlockedAddress",
    "ClientError",
    "ConnectionFailed",
    "FetchError",
    "FetchTimeout",
    "Gone",
    "IPAddress",
    "NotFound",
    "RateLimited",
    "Resolution",
    "ServerError",
    "TooLarge",
    "TooManyRedirects",
    "Unsupported",
    "address_block_reason",
    "allowed_by",
    "check_address",
    "check_port",
    "default_allow_hosts",
    "normalize_host",
    "parse_allow_entry",
    "parse_ip_literal",
    "resolve_and_check",
    "resolve_checked",
]


# --------------------------------------------------------------------------
# Exceptions. They live here (the lowest layer) and are re-exported by
# app.lib.http, which is where callers should import them from.
# --------------------------------------------------------------------------


class FetchError(Exception):
    """Base of every failure to fetch something; ``error_class`` names the kind.

    ``error_class`` is a stable string the archiver stores (see the subclass
    list). ``url`` is the URL being fetched when it failed, ``hops`` the
    responses already received before the failure (for instance the redirects
    leading to a blocked address), so they can still be archived.
    """

    error_class: ClassVar[str] = "connection"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        # list[app.lib.http.Hop], filled in when a fetch fails mid-chain; typed
        # loosely so this module does not depend on the HTTP layer.
        self.hops: list[Any] = []

    def __str__(self) -> str:
        return self.message if self.url is None else f"{self.message} ({self.url})"


class BlockedAddress(FetchError):
    """The target resolves to (or is) an address the policy refuses."""

    error_class = "blocked_address"

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        host: str | None = None,
        port: int | None = None,
        address: str | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(message, url=url)
        self.host = host
        self.port = port
        self.address = address
        self.reason = reason or message


class BadURL(FetchError):
    """Not an http(s) URL we are willing to fetch (scheme, syntax, user info)."""

    error_class = "bad_url"


class FetchTimeout(FetchError):
    """Connect, read or total (wall-clock) timeout."""

    error_class = "timeout"


class TooLarge(FetchError):
    """The (decoded) body exceeded the byte cap."""

    error_class = "too_large"


class Gone(FetchError):
    """The name does not exist in DNS (NXDOMAIN / no address)."""

    error_class = "gone"


class ConnectionFailed(FetchError):
    """TCP or TLS failure, protocol error, or a temporary DNS failure."""

    error_class = "connection"


class NotFound(FetchError):
    """HTTP 404 or 410 (raised only on request, see ``FetchResult.raise_for_status``)."""

    error_class = "not_found"


class RateLimited(FetchError):
    """HTTP 429; ``retry_after`` is in seconds, or None if the server gave none."""

    error_class = "rate_limited"

    def __init__(
        self, message: str, *, url: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, url=url)
        self.retry_after = retry_after


class ServerError(FetchError):
    """HTTP 5xx."""

    error_class = "server_error"


class TooManyRedirects(ServerError):
    """More redirects than allowed: a loop or a misconfigured server.

    Classified as ``server_error`` (the server misbehaves; retrying later may
    help) since the archive's list of error classes has no dedicated value.
    """


class ClientError(FetchError):
    """HTTP 4xx other than 404, 410 and 429."""

    error_class = "client_error"


class Unsupported(FetchError):
    """Something we deliberately do not do (a method other than GET/HEAD, ...)."""

    error_class = "unsupported"


# --------------------------------------------------------------------------
# Address tables
# --------------------------------------------------------------------------

# Specific endpoints first, so the reason names them.
_METADATA: dict[IPAddress, str] = {
    ipaddress.ip_address("169.254.169.254"): "cloud metadata endpoint (AWS/GCP/Azure/OCI)",
    ipaddress.ip_address("169.254.170.2"): "cloud metadata endpoint (AWS ECS)",
    ipaddress.ip_address("fd00:ec2::254"): "cloud metadata endpoint (AWS IPv6)",
    ipaddress.ip_address("100.100.100.200"): "cloud metadata endpoint (Alibaba)",
    # Public address, but inside Azure it is the host's WireServer.
    ipaddress.ip_address("168.63.129.16"): "cloud host endpoint (Azure WireServer)",
}

_V4_BLOCKED: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple(
    (ipaddress.IPv4Network(net), reason)
    for net, reason in (
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "unspecified / 'this network'"),
        ("10.0.0.0/8", "private (10/8)"),
        ("100.64.0.0/10", "carrier-grade NAT (100.64/10)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private (172.16/12)"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private (192.168/16)"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved (240/4)"),
    )
)

_V6_BLOCKED: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.IPv6Network(net), reason)
    for net, reason in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("::ffff:0:0:0/96", "IPv4-translated (SIIT)"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/32", "Teredo tunnel"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("2002::/16", "6to4 tunnel"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing (SRv6)"),
        ("fc00::/7", "unique-local (fc00::/7)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
)

_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")

# WHATWG fetch "bad ports": protocols a crafted HTTP request could talk to.
BAD_PORTS: frozenset[int] = frozenset(
    {0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95}
    | {101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143}
    | {161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554}
    | {556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045}
    | {4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080}
)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is a mapped or NAT64 form."""
    if ip in _MAPPED:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _tunnel_note(ip: ipaddress.IPv6Address) -> str:
    """Name the IPv4 address inside a 6to4/Teredo address, for a clearer message."""
    inner = ip.sixtofour
    if inner is None and ip.teredo is not None:
        inner = ip.teredo[1]
    if inner is None:
        return ""
    inner_reason = _v4_reason(inner)
    return f" embedding {inner}" + (f" ({inner_reason})" if inner_reason else "")


def _v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    if ip in _METADATA:
        return _METADATA[ip]
    for net, reason in _V4_BLOCKED:
        if ip in net:
            return reason
    if not ip.is_global:  # backstop for anything the table missed
        return "not globally routable"
    return None


def _v6_reason(ip: ipaddress.IPv6Address) -> str | None:
    embedded = _embedded_v4(ip)
    if embedded is not None:
        inner = _v4_reason(embedded)
        return None if inner is None else f"{inner} (as {embedded} inside {ip})"
    if ip in _METADATA:
        return _METADATA[ip]
    for net, reason in _V6_BLOCKED:
        if ip in net:
            return reason + _tunnel_note(ip)
    if ip not in _GLOBAL_UNICAST_V6:
        return "reserved (outside global unicast 2000::/3)"
    if not ip.is_global:
        return "not globally routable"
    return None


def address_block_reason(ip: str | IPAddress) -> str | None:
    """Why ``ip`` may not be contacted, or None if it is an ordinary public address.

    Accepts canonical text forms only (use ``parse_ip_literal`` for odd
    spellings). An IPv6 scope (``fe80::1%eth0``) is ignored for the decision.
    Raises ``ValueError`` for text that is not an IP address.
    """
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id:
        addr = ipaddress.IPv6Address(str(addr).split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv4Address):
        return _v4_reason(addr)
    return _v6_reason(addr)


def check_address(ip: str | IPAddress) -> IPAddress:
    """Return ``ip`` as an address object, or raise ``BlockedAddress`` with the reason."""
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    reason = address_block_reason(addr)
    if reason is not None:
        raise BlockedAddress(
            f"refusing to connect to {addr}: {reason}", address=str(addr), reason=reason
        )
    return addr


def check_port(port: int) -> None:
    """Refuse ports outside 1..65535 (``BadURL``) and browsers' bad ports (``BlockedAddress``)."""
    if not 0 < port < 65536:
        raise BadURL(f"port {port} is out of range")
    if port in BAD_PORTS:
        raise BlockedAddress(
            f"refusing port {port}: reserved for a non-HTTP protocol",
            port=port,
            reason=f"bad port {port}",
        )


# --------------------------------------------------------------------------
# Host parsing
# --------------------------------------------------------------------------

_V4_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")


def _parse_v4_part(part: str) -> int | None:
    """One inet_aton component: ``0x..`` hex, ``0..`` octal, else decimal."""
    if not _V4_PART.match(part):
        return None
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part[0] == "0":
        return int(part, 8) if all(c in "01234567" for c in part) else None
    return int(part)


def _parse_ipv4_like(host: str) -> ipaddress.IPv4Address | None:
    """inet_aton / WHATWG IPv4 parsing: 1-4 numeric parts, the last fills the rest.

    Raises ``BadURL`` for a host that *ends in a number* but is not a valid
    address (``1.2.3.4.5``, ``256.0.0.1``): browsers reject those too, and
    handing them to a resolver would invite a parser differential.
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]  # WHATWG allows one trailing dot: "127.0.0.1."
    if not parts or not _V4_PART.match(parts[-1]):
        return None  # a domain name, not an IPv4 literal
    values = [_parse_v4_part(p) for p in parts]
    if len(parts) > 4 or any(v is None for v in values):
        raise BadURL(f"invalid IPv4 address {host!r}")
    nums = [v for v in values if v is not None]
    if any(v > 255 for v in nums[:-1]) or nums[-1] >= 256 ** (5 - len(nums)):
        raise BadURL(f"invalid IPv4 address {host!r}")
    value = nums[-1]
    for i, v in enumerate(nums[:-1]):
        value += v << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form a resolver or browser accepts, else None.

    Handles bracketed or bare IPv6 (a zone ``%eth0`` is refused with
    ``BadURL``: a fetcher has no business with interface-scoped addresses) and
    every inet_aton IPv4 form. Returns None for an ordinary domain name.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        if "%" in text:
            raise BadURL(f"IPv6 zone identifiers are not allowed: {host!r}")
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            raise BadURL(f"invalid IPv6 address {host!r}") from None
    return _parse_ipv4_like(text)


def normalize_host(host: str) -> str:
    """Canonical comparison form: lower case, no brackets or trailing dot, IPs canonical."""
    ip = parse_ip_literal(host)
    if ip is not None:
        return str(ip)
    return host.strip().lower().rstrip(".")


# --------------------------------------------------------------------------
# Allow list
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AllowEntry:
    """One ``ARCHIVE_ALLOW_HOSTS`` entry; ``port`` None means any port."""

    host: str
    port: int | None

    def matches(self, host: str, port: int, address: str | None = None) -> bool:
        """True if this entry exempts ``host``:``port`` (or the resolved ``address``)."""
        if self.port is not None and self.port != port:
            return False
        return self.host == normalize_host(host) or (
            address is not None and self.host == normalize_host(address)
        )


def parse_allow_entry(entry: str) -> AllowEntry:
    """Parse ``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address."""
    text = entry.strip()
    host, port = text, None
    if text.startswith("["):
        close = text.find("]")
        if close < 0 or (close + 1 < len(text) and text[close + 1] != ":"):
            raise ValueError(f"bad ARCHIVE_ALLOW_HOSTS entry {entry!r}")
        host, rest = text[: close + 1], text[close + 2 :]
        port = int(rest) if rest else None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        port = int(port_text)
    if not host:
        raise ValueError(f"bad ARCHIVE_ALLOW_HOSTS entry {entry!r}")
    return AllowEntry(normalize_host(host), port)


def default_allow_hosts() -> list[str]:
    """``settings.ARCHIVE_ALLOW_HOSTS``, read now (not at import) so tests can override it.

    Returns an empty list when Django settings are not configured.
    """
    from django.conf import settings  # local: keep this module importable without Django

    if not settings.configured:
        return []
    return list(getattr(settings, "ARCHIVE_ALLOW_HOSTS", []) or [])


def allowed_by(
    host: str, port: int, allow_hosts: Iterable[str] | None, address: str | None = None
) -> bool:
    """True if an ``allow_hosts`` entry exempts this host (or resolved address) and port.

    An entry matches on the *name asked for* or on the *address it resolved
    to*; ``127.0.0.1:8001`` exempts only port 8001. ``None`` means "read
    ``settings.ARCHIVE_ALLOW_HOSTS``"; pass ``[]`` for "exempt nothing".
    """
    entries = default_allow_hosts() if allow_hosts is None else allow_hosts
    return any(parse_allow_entry(e).matches(host, port, address) for e in entries)


# --------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """The checked answer for one host:port. Connect only to ``addresses``, in order."""

    host: str
    port: int
    addresses: tuple[str, ...]
    exempt: bool = False  # some answer was blocked but allowed by allow_hosts

    @property
    def pinned(self) -> str:
        """The first (preferred) address; the others are checked fallbacks."""
        return self.addresses[0]


_GONE_ERRNOS = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def _getaddrinfo(host: str, port: int, timeout: float | None) -> list[str]:
    """All addresses for ``host``, in resolver order; bounded by ``timeout``.

    ``getaddrinfo`` has no timeout of its own, so with a timeout it runs in a
    daemon thread that is abandoned (not killed) if it is too slow.
    """
    result: list[object] = []

    def lookup() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:  # handed to the caller below
            result.append(exc)

    if timeout is None:
        lookup()
    else:
        worker = threading.Thread(target=lookup, name=f"dns {host}", daemon=True)
        worker.start()
        worker.join(timeout)
        if not result:
            raise FetchTimeout(f"DNS lookup of {host} took longer than {timeout:.1f}s")
    answer = result[0]
    if isinstance(answer, socket.gaierror):
        if answer.errno in _GONE_ERRNOS:
            raise Gone(f"DNS: no such host {host!r}")
        raise ConnectionFailed(f"DNS lookup of {host!r} failed: {answer}")
    if isinstance(answer, BaseException):
        raise ConnectionFailed(f"DNS lookup of {host!r} failed: {answer}")
    assert isinstance(answer, list)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in answer:
        seen.setdefault(str(sockaddr[0]).split("%", 1)[0], None)
    if not seen:
        raise Gone(f"DNS: no address for {host!r}")
    return list(seen)


def _judge(host: str, port: int, addresses: Sequence[str], allow: Sequence[str]) -> bool:
    """Raise ``BlockedAddress`` unless every address is public or exempt; True if any was exempt."""
    exempt = False
    for address in addresses:
        reason = address_block_reason(address)
        if reason is None:
            continue
        if not allowed_by(host, port, allow, address):
            shown = host if host == address else f"{host} ({address})"
            raise BlockedAddress(
                f"refusing {shown}:{port}: {reason}",
                host=host,
                port=port,
                address=address,
                reason=reason,
            )
        exempt = True
    return exempt


def resolve_checked(
    host: str,
    port: int,
    allow_hosts: Iterable[str] | None = None,
    *,
    timeout: float | None = None,
) -> Resolution:
    """Resolve ``host`` once, check every answer, return them all (pinned first).

    IP literals in any spelling are parsed without DNS. Raises
    ``BlockedAddress`` if any answer is blocked and not exempt, ``Gone`` if
    the name does not exist, ``ConnectionFailed`` for a temporary DNS
    failure, ``FetchTimeout`` if the lookup outlives ``timeout`` seconds, and
    ``BadURL`` for a malformed host or port.
    """
    allow = default_allow_hosts() if allow_hosts is None else list(allow_hosts)
    name = host.strip()
    literal = parse_ip_literal(name)
    if not literal and not name:
        raise BadURL("empty host")
    if not allowed_by(name, port, allow):
        check_port(port)
    if literal is not None:
        addresses = [str(literal)]
    else:
        addresses = _getaddrinfo(name, port, timeout)
    exempt = _judge(normalize_host(name), port, addresses, allow)
    return Resolution(normalize_host(name), port, tuple(addresses), exempt)


def resolve_and_check(
    host: str,
    port: int,
    allow_hosts: Iterable[str] | None = None,
    *,
    timeout: float | None = None,
) -> str:
    """Resolve once, refuse if ANY answer is blocked, return the pinned IP to connect to.

    See ``resolve_checked`` for the errors, and for the fallback addresses.
    """
    return resolve_checked(host, port, allow_hosts, timeout=timeout).pinned
