"""A local HTTP/CONNECT proxy that applies ``app.lib.netpolicy`` to Chromium and yt-dlp.

Chromium (via Playwright) and yt-dlp make their own connections; pointing
them at this proxy makes every one of them pass the same address policy as
``app.lib.http.fetch``. For each request or tunnel the proxy resolves the
target once, refuses it with ``403`` if any answer is blocked (recording the
refusal), and otherwise connects to the checked address itself.

Usage::

    with EgressProxy(on_response=store) as proxy:
        browser = playwright.chromium.launch(
            proxy=proxy.playwright_proxy, args=proxy.chromium_args
        )
        ...
        ydl = yt_dlp.YoutubeDL({**proxy.ytdlp_options, ...})
    proxy.refused   # [(host, port, reason), ...]
    proxy.requests  # [ProxyRecord, ...]

Surprises:

- Chromium does not send loopback traffic through a proxy unless told:
  ``chromium_args`` carries ``--proxy-bypass-list=<-loopback>`` for that, and
  asks WebRTC not to send UDP around the proxy.
- HTTPS goes through ``CONNECT`` tunnels, which are opaque: the target
  address is checked, but ``on_response`` only sees plain-HTTP responses.
- A redirect is not followed here; the client's next request is a new
  request through the proxy, and is checked like the first.
- Limits: a plain-HTTP exchange gets ``total_timeout`` and
  ``max_response_bytes`` (the client sees the connection cut when either is
  hit); a tunnel gets ``idle_timeout`` and ``max_tunnel_bytes`` each way.
- One request per client connection (``Connection: close``): simple, and
  Chromium copes. Request bodies need ``Content-Length`` (no chunked uploads).
- yt-dlp may hand HLS/DASH downloads to ffmpeg, which only uses the proxy if
  yt-dlp passes it on (it does for ``http_proxy``-style proxies); check when
  changing downloaders.
- The proxy listens on 127.0.0.1 without authentication: any local process
  could use it, but only to reach what the policy allows anyway.
"""

from __future__ import annotations

import logging
import selectors
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

import httpx

from app.lib.http import (
    Deadline,
    PinnedTransport,
    canonical_host,
    peer_address,
    prepare_url,
    setting,
)
from app.lib.netpolicy import (
    BadURL,
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    TooLarge,
    Unsupported,
    resolve_checked,
)

__all__ = ["EgressProxy", "ProxyRecord", "ResponseHook"]

logger = logging.getLogger(__name__)

Headers = list[tuple[str, str]]
ResponseHook = Callable[[str, int, Headers, bytes], None]

MAX_HEAD_BYTES = 64 * 1024
MAX_REQUEST_BODY = 10 * 1024 * 1024
CHUNK = 64 * 1024
# Headers that describe one connection, not the message (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_ERROR_STATUS = {
    "blocked_address": (403, "Forbidden"),
    "bad_url": (400, "Bad Request"),
    "unsupported": (501, "Not Implemented"),
    "timeout": (504, "Gateway Timeout"),
    "too_large": (502, "Bad Gateway"),
}


@dataclass(frozen=True)
class ProxyRecord:
    """One request or tunnel handled by the proxy.

    ``outcome`` is ``"ok"`` or a ``FetchError.error_class`` (``blocked_address``,
    ``timeout``, ``too_large``, ...) or ``"idle"`` for a tunnel closed for
    inactivity. ``status`` is what the client was told (200 for a tunnel).
    """

    kind: str  # "http" or "connect"
    method: str
    target: str  # absolute URL, or host:port for CONNECT
    host: str
    port: int
    address: str | None  # the pinned IP actually connected to
    status: int | None
    outcome: str
    bytes_up: int = 0
    bytes_down: int = 0


class _ProxyError(Exception):
    """A reply the proxy itself gives (malformed request and the like)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


# --------------------------------------------------------------------------
# Request head parsing
# --------------------------------------------------------------------------


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read up to the blank line; return (head, bytes already read past it)."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        if len(buffer) > MAX_HEAD_BYTES:
            raise _ProxyError(431, "Request Header Fields Too Large", "request head too large")
        data = sock.recv(CHUNK)
        if not data:
            raise ConnectionError("client closed before sending a request")
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def _parse_head(head: bytes) -> tuple[str, str, Headers]:
    """(method, target, headers) of a request head; ``_ProxyError`` 400 if malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _ProxyError(400, "Bad Request", "malformed request line")
    headers: Headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip() or line[0] in " \t":
            raise _ProxyError(400, "Bad Request", "malformed header line")
        headers.append((name, value.strip()))
    return parts[0].upper(), parts[1], headers


def _split_authority(target: str) -> tuple[str, int]:
    """``host:port`` / ``[v6]:port`` of a CONNECT request, host canonicalized."""
    host, sep, port_text = target.rpartition(":")
    if not sep or not port_text.isdigit() or not host:
        raise BadURL(f"CONNECT target must be host:port, not {target!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port = int(port_text)
    if not 0 < port < 65536:
        raise BadURL(f"port {port} is out of range")
    return canonical_host(host), port


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _end_to_end(headers: Iterable[tuple[str, str]]) -> Headers:
    """Drop hop-by-hop headers, including any the Connection header names."""
    items = list(headers)
    named = {
        token.strip().lower()
        for key, value in items
        if key.lower() == "connection"
        for token in value.split(",")
    }
    return [(k, v) for k, v in items if k.lower() not in HOP_BY_HOP and k.lower() not in named]


# --------------------------------------------------------------------------
# One client connection
# --------------------------------------------------------------------------


class _Connection:
    """Handles one client connection: one plain-HTTP request, or one CONNECT tunnel."""

    def __init__(self, proxy: EgressProxy, sock: socket.socket) -> None:
        self.proxy = proxy
        self.sock = sock

    def run(self) -> None:
        self.sock.settimeout(self.proxy.idle_timeout)
        try:
            head, rest = _read_head(self.sock)
            method, target, headers = _parse_head(head)
            if method == "CONNECT":
                self._tunnel(target, rest)
            elif target.lower().startswith(("http://", "https://")):
                self._forward(method, target, headers, rest)
            else:
                raise _ProxyError(400, "Bad Request", "use an absolute URL or CONNECT")
        except _ProxyError as exc:
            self._reply(exc.status, exc.reason, exc.message)
        except (OSError, ConnectionError):
            pass  # the client went away; nothing to tell it

    def _reply(self, status: int, reason: str, message: str) -> None:
        body = (message + "\n").encode("utf-8", "replace")
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        try:
            self.sock.sendall(head.encode("latin-1") + body)
        except OSError:
            pass

    def _fail(self, record: ProxyRecord, exc: FetchError) -> None:
        """Tell the client why, and log it (refusals also in ``proxy.refused``)."""
        status, reason = _ERROR_STATUS.get(exc.error_class, (502, "Bad Gateway"))
        if isinstance(exc, BlockedAddress):
            self.proxy._refuse(record.host, record.port, exc.reason)
            message = f"blocked by egress policy: {exc.message}"
        else:
            message = f"egress proxy: {exc.error_class}: {exc.message}"
        # Log before replying, so a client that has its answer sees the log entry.
        self.proxy._record(replace(record, status=status, outcome=exc.error_class))
        self._reply(status, reason, message)

    # -- CONNECT ------------------------------------------------------------

    def _tunnel(self, target: str, rest: bytes) -> None:
        record = ProxyRecord("connect", "CONNECT", target, target, 0, None, None, "ok")
        try:
            host, port = _split_authority(target)
            record = replace(record, host=host, port=port)
            resolution = resolve_checked(
                host, port, self.proxy.allow_hosts(), timeout=self.proxy.connect_timeout
            )
            upstream = _connect(resolution.addresses, port, self.proxy.connect_timeout)
        except FetchError as exc:
            self._fail(record, exc)
            return
        record = replace(record, address=upstream.getpeername()[0], status=200)
        with self.proxy._tracked(upstream):
            self.sock.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            up, down, outcome = _Relay(self.proxy, self.sock, upstream).run(rest)
        self.proxy._record(replace(record, outcome=outcome, bytes_up=up, bytes_down=down))

    # -- plain HTTP ---------------------------------------------------------

    def _request_body(self, headers: Headers, rest: bytes) -> bytes | None:
        if _header(headers, "transfer-encoding"):
            raise _ProxyError(411, "Length Required", "chunked request bodies are not supported")
        length_text = _header(headers, "content-length")
        if length_text is None:
            return None
        if not length_text.isdigit() or int(length_text) > MAX_REQUEST_BODY:
            raise _ProxyError(413, "Content Too Large", "bad or too large Content-Length")
        body, length = rest, int(length_text)
        while len(body) < length:
            data = self.sock.recv(CHUNK)
            if not data:
                raise ConnectionError("client closed mid-body")
            body += data
        return body[:length]

    def _forward(self, method: str, target: str, headers: Headers, rest: bytes) -> None:
        record = ProxyRecord("http", method, target, "", 0, None, None, "ok")
        transport = PinnedTransport(
            allow_hosts=self.proxy.allow_hosts(), deadline=Deadline(self.proxy.total_timeout)
        )
        try:
            try:
                if method in ("CONNECT", "TRACE"):
                    raise Unsupported(f"method {method} is not proxied")
                url = prepare_url(target)
                host = url.raw_host.decode("ascii")
                record = replace(record, target=str(url), host=host, port=_port(url))
                request = httpx.Request(
                    method,
                    url,
                    headers=[h for h in _end_to_end(headers) if h[0].lower() != "host"],
                    content=self._request_body(headers, rest),
                    extensions={"timeout": self.proxy.timeouts()},
                )
                response = transport.handle_request(request)
            except FetchError as exc:
                self._fail(record, exc)
                return
            try:
                self.proxy._record(self._relay_response(record, response))
            finally:
                response.close()
        finally:
            transport.close()

    def _relay_response(self, record: ProxyRecord, response: httpx.Response) -> ProxyRecord:
        """Stream the upstream response to the client; call the hook if it completed."""
        address, _ = peer_address(response)
        received = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        head = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in _end_to_end(received))
        self.sock.sendall((head + "Connection: close\r\n\r\n").encode("latin-1"))
        cap, body, outcome = self.proxy.max_response_bytes, bytearray(), "ok"
        try:
            for chunk in response.iter_raw():
                if len(body) + len(chunk) > cap:
                    raise TooLarge(f"response larger than {cap} bytes")
                body += chunk
                self.sock.sendall(chunk)
        except FetchError as exc:
            outcome = exc.error_class  # head already sent: all we can do is close
        record = replace(
            record,
            address=address,
            status=response.status_code,
            outcome=outcome,
            bytes_down=len(body),
        )
        if outcome == "ok":
            self.proxy._notify(record.target, response.status_code, received, bytes(body))
        return record


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _connect(addresses: Iterable[str], port: int, timeout: float) -> socket.socket:
    """A TCP connection to the first of the (already checked) addresses that answers."""
    failure: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=timeout)
        except TimeoutError as exc:
            raise FetchTimeout(f"connect to {address}:{port} timed out") from exc
        except OSError as exc:
            failure = exc
    raise ConnectionFailed(f"cannot connect to port {port}: {failure}")


class _Relay:
    """Copies bytes both ways until either side closes, idles out, or a cap is hit."""

    def __init__(self, proxy: EgressProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.peers = {client: upstream, upstream: client}
        self.client = client
        self.counts = {client: 0, upstream: 0}  # bytes received from each side

    def run(self, pending: bytes) -> tuple[int, int, str]:
        """Returns (bytes up, bytes down, outcome)."""
        upstream = self.peers[self.client]
        with selectors.DefaultSelector() as selector:
            for sock in self.peers:
                sock.settimeout(self.proxy.idle_timeout)  # bounds a stuck sendall
                selector.register(sock, selectors.EVENT_READ)
            outcome = self._pump(selector, pending)
        return self.counts[self.client], self.counts[upstream], outcome

    def _pump(self, selector: selectors.BaseSelector, pending: bytes) -> str:
        try:
            if pending:
                self._send(self.client, pending)
            last_activity = time.monotonic()
            while not self.proxy._stopping.is_set():
                events = selector.select(timeout=min(0.25, self.proxy.idle_timeout))
                if not events:
                    if time.monotonic() - last_activity > self.proxy.idle_timeout:
                        return "idle"
                    continue
                for key, _mask in events:
                    data = key.fileobj.recv(CHUNK)  # type: ignore[union-attr]
                    if not data:
                        return "ok"
                    self._send(key.fileobj, data)  # type: ignore[arg-type]
                last_activity = time.monotonic()
        except TooLarge:
            return "too_large"
        except OSError:
            return "ok"  # one side reset the connection: the tunnel is over
        return "stopped"

    def _send(self, source: socket.socket, data: bytes) -> None:
        self.counts[source] += len(data)
        if self.counts[source] > self.proxy.max_tunnel_bytes:
            raise TooLarge("tunnel byte cap reached")
        self.peers[source].sendall(data)


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], proxy: EgressProxy) -> None:
        self.proxy = proxy
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("egress proxy: unexpected error for %s", client_address)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        proxy = self.server.proxy
        if not proxy._slots.acquire(blocking=False):
            _Connection(proxy, self.request)._reply(503, "Service Unavailable", "proxy busy")
            return
        try:
            with proxy._tracked(self.request):
                _Connection(proxy, self.request).run()
        finally:
            proxy._slots.release()


class EgressProxy:
    """A threaded HTTP/CONNECT proxy on 127.0.0.1 that enforces ``netpolicy``.

    ``None`` limits take the ``ARCHIVE_*`` settings at construction;
    ``allow_hosts=None`` reads ``ARCHIVE_ALLOW_HOSTS`` on every request.
    ``on_response(url, status, headers, raw_body)`` is called for each
    complete plain-HTTP response (headers as received, body still
    content-encoded but de-chunked); its exceptions are logged, not raised.
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] | None = None,
        on_response: ResponseHook | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        total_timeout: float | None = None,
        idle_timeout: float | None = None,
        max_response_bytes: int | None = None,
        max_tunnel_bytes: int | None = None,
        max_connections: int = 128,
    ) -> None:
        self._allow_hosts = None if allow_hosts is None else list(allow_hosts)
        self.on_response = on_response
        self.bind = (host, port)
        self.connect_timeout = connect_timeout or setting("ARCHIVE_CONNECT_TIMEOUT")
        self.read_timeout = read_timeout or setting("ARCHIVE_READ_TIMEOUT")
        self.total_timeout = total_timeout or setting("ARCHIVE_TOTAL_TIMEOUT")
        self.idle_timeout = idle_timeout or self.read_timeout
        self.max_response_bytes = max_response_bytes or setting("ARCHIVE_MAX_BYTES")
        # Tunnels carry media (yt-dlp), so their cap is the media one.
        self.max_tunnel_bytes = max_tunnel_bytes or _media_cap()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._refused: list[tuple[str, int, str]] = []
        self._requests: list[ProxyRecord] = []
        self._sockets: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> EgressProxy:
        """Bind (ephemeral port by default) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("EgressProxy already started")
        self._stopping.clear()
        self._server = _Server(self.bind, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"egress-proxy:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every client and upstream socket, wait for the thread."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _close(sock)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EgressProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses for clients ----------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("EgressProxy is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the proxy URL for any client."""
        return f"http://{self.bind[0]}:{self.port}"

    @property
    def playwright_proxy(self) -> dict[str, str]:
        """For ``chromium.launch(proxy=...)``; use with ``chromium_args``."""
        return {"server": self.url, "bypass": "<-loopback>"}

    @property
    def chromium_args(self) -> list[str]:
        """Chromium flags so nothing goes around the proxy (loopback, WebRTC UDP)."""
        return [
            "--proxy-bypass-list=<-loopback>",
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp",
            "--disable-quic",
        ]

    @property
    def ytdlp_options(self) -> dict[str, str]:
        """For ``yt_dlp.YoutubeDL({...})``."""
        return {"proxy": self.url}

    # -- logs ---------------------------------------------------------------

    @property
    def refused(self) -> list[tuple[str, int, str]]:
        """A snapshot of refusals: ``(host, port, reason)``."""
        with self._lock:
            return list(self._refused)

    @property
    def requests(self) -> list[ProxyRecord]:
        """A snapshot of every request and tunnel handled, refused ones included.

        A refusal is logged before the client gets its 403; a relayed
        exchange only once it is over, which can be just after the client
        has read the whole response.
        """
        with self._lock:
            return list(self._requests)

    # -- used by the connection handlers --------------------------------------

    def allow_hosts(self) -> list[str]:
        if self._allow_hosts is not None:
            return self._allow_hosts
        return list(setting("ARCHIVE_ALLOW_HOSTS"))

    def timeouts(self) -> dict[str, float]:
        return {
            "connect": self.connect_timeout,
            "read": self.read_timeout,
            "write": self.read_timeout,
            "pool": self.connect_timeout,
        }

    def _record(self, record: ProxyRecord) -> None:
        with self._lock:
            self._requests.append(record)

    def _refuse(self, host: str, port: int, reason: str) -> None:
        logger.info("egress proxy refused %s:%s: %s", host, port, reason)
        with self._lock:
            self._refused.append((host, port, reason))

    def _notify(self, url: str, status: int, headers: Headers, body: bytes) -> None:
        if self.on_response is None:
            return
        try:
            self.on_response(url, status, headers, body)
        except Exception:
            logger.exception("egress proxy: on_response hook failed for %s", url)

    def _tracked(self, sock: socket.socket) -> _Tracked:
        return _Tracked(self, sock)


class _Tracked:
    """Registers a socket so ``stop()`` can close it; closes it on exit."""

    def __init__(self, proxy: EgressProxy, sock: socket.socket) -> None:
        self.proxy, self.sock = proxy, sock

    def __enter__(self) -> socket.socket:
        with self.proxy._lock:
            self.proxy._sockets.add(self.sock)
        if self.proxy._stopping.is_set():
            _close(self.sock)
        return self.sock

    def __exit__(self, *exc_info: object) -> None:
        with self.proxy._lock:
            self.proxy._sockets.discard(self.sock)
        _close(self.sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _media_cap() -> int:
    from django.conf import settings

    default = 500 * 1024 * 1024
    if not settings.configured:
        return default
    return int(getattr(settings, "ARCHIVE_MEDIA_MAX_BYTES", default))
