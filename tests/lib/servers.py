"""Real HTTP servers for tests: 127.0.0.1, a free port, a daemon thread.

    from tests.lib.servers import serve, respond, redirect

    with serve({"/": respond("<p>hi</p>"), "/old": redirect("/")}) as server:
        result = fetch(server.url_for("/old"), allow_hosts=[server.host_port])
        assert server.connections == 1          # TCP connections accepted
        assert server.requests[0].path == "/old"

``serve(routes, directory=...)`` serves ``routes`` (exact paths; a key
ending in ``*`` matches a prefix; the query string is ignored) and falls back
to files from ``directory``, else 404. A route is any callable taking the
``RequestHandler``; ``respond``, ``redirect``, ``raw``, ``endless`` and
``trickle`` build the common ones. Long-running handlers should watch
``handler.stopping`` so the server shuts down promptly.

``serve(..., tls=server_context)`` speaks HTTPS; ``tls_contexts(tmp_path)``
makes a throwaway CA and a certificate for ``localhost`` with the openssl
command line tool (``pytest.skip`` when it is missing).

Nothing here fetches anything: the test servers only answer.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "LocalServer",
    "RecordedRequest",
    "RequestHandler",
    "Route",
    "endless",
    "loopback_only_guard",
    "raw",
    "redirect",
    "respond",
    "serve",
    "tls_contexts",
    "trickle",
]

Route = Callable[["RequestHandler"], None]
HeaderItems = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server saw it."""

    method: str
    path: str  # with the query string
    headers: list[tuple[str, str]]
    body: bytes


class RequestHandler(SimpleHTTPRequestHandler):
    """Dispatches to the server's routes, then its directory, else 404."""

    protocol_version = "HTTP/1.1"
    server: LocalServer
    timeout = 30  # no test should hang on a silent client

    def __init__(self, request: Any, client_address: Any, server: LocalServer) -> None:
        super().__init__(request, client_address, server, directory=str(server.directory or "."))

    # All methods go through the same dispatch.
    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_GET

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record(
            RecordedRequest(self.command, self.path, list(self.headers.items()), body)
        )
        route = self.server.route_for(self.path.split("?", 1)[0])
        if route is not None:
            route(self)
        elif self.server.directory is not None and self.command in ("GET", "HEAD"):
            super().do_GET() if self.command == "GET" else super().do_HEAD()
        else:
            self.reply(404, b"not found", content_type="text/plain")

    @property
    def stopping(self) -> bool:
        """True once the server is shutting down: long handlers should return."""
        return self.server.stopping.is_set()

    def reply(
        self,
        status: int = 200,
        body: bytes | str = b"",
        *,
        headers: HeaderItems = (),
        content_type: str | None = "text/html; charset=utf-8",
    ) -> None:
        """A complete response with Content-Length (no body is sent for HEAD)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        items = headers.items() if isinstance(headers, Mapping) else headers
        names = set()
        for name, value in items:
            self.send_header(name, value)
            names.add(name.lower())
        if content_type and "content-type" not in names:
            self.send_header("Content-Type", content_type)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def start_stream(self, status: int = 200, headers: HeaderItems = ()) -> None:
        """Send a head with no length: the body ends when the connection closes."""
        self.send_response(status)
        items = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in items:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class LocalServer(ThreadingHTTPServer):
    """The running server, as yielded by ``serve``; see the module docstring."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(
        self,
        routes: Mapping[str, Route],
        directory: str | Path | None,
        tls: ssl.SSLContext | None,
        host: str,
    ) -> None:
        self.routes = dict(routes)
        self.directory = None if directory is None else Path(directory)
        self.tls = tls
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections = 0
        self._requests: list[RecordedRequest] = []
        self._open: set[socket.socket] = set()
        self.sni_names: list[str | None] = []
        self.tls_errors: list[str] = []
        super().__init__((host, 0), RequestHandler)

    # -- what tests look at ---------------------------------------------------

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT``: the entry that allow-lists exactly this server."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:40123``."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host_port}"

    def url_for(self, path: str = "/", *, host: str | None = None) -> str:
        """Absolute URL for ``path``; ``host`` swaps the name (``localhost``, ``127.1``)."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    @property
    def connections(self) -> int:
        """TCP connections accepted so far (proof that something did or did not connect)."""
        with self._lock:
            return self._connections

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def __str__(self) -> str:
        return self.url

    # -- plumbing -------------------------------------------------------------

    def route_for(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        for key, route in self.routes.items():
            if key.endswith("*") and path.startswith(key[:-1]):
                return route
        return None

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        with self._lock:
            self._connections += 1
            self._open.add(sock)
        return sock, address

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs in the handler thread, so a slow TLS handshake never blocks accept().
        if self.tls is not None:
            request.settimeout(10)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError) as exc:
                with self._lock:
                    self.tls_errors.append(str(exc))
                return
        super().finish_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-response is what half these tests do

    def close_all(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@contextmanager
def serve(
    routes: Mapping[str, Route] | None = None,
    *,
    directory: str | Path | None = None,
    tls: ssl.SSLContext | None = None,
    host: str = "127.0.0.1",
) -> Iterator[LocalServer]:
    """Run a ``LocalServer`` for the duration of the ``with`` block."""
    server = LocalServer(routes or {}, directory, tls, host)
    if tls is not None:

        def remember_sni(sock: Any, name: str | None, context: Any) -> None:
            with server._lock:
                server.sni_names.append(name)

        tls.sni_callback = remember_sni
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.close_all()
        thread.join(timeout=5)


# --------------------------------------------------------------------------
# Route builders
# --------------------------------------------------------------------------


def respond(
    body: bytes | str = b"",
    status: int = 200,
    *,
    headers: HeaderItems = (),
    content_type: str | None = "text/html; charset=utf-8",
) -> Route:
    """A fixed response."""
    fixed_headers = list(headers.items() if isinstance(headers, Mapping) else headers)

    def route(handler: RequestHandler) -> None:
        handler.reply(status, body, headers=fixed_headers, content_type=content_type)

    return route


def redirect(location: str, status: int = 302, body: bytes = b"") -> Route:
    """A redirect to ``location`` (relative or absolute)."""
    return respond(body, status, headers=[("Location", location)], content_type="text/plain")


def raw(data: bytes) -> Route:
    """Write ``data`` verbatim (status line included) and close: for malformed responses."""

    def route(handler: RequestHandler) -> None:
        handler.close_connection = True
        handler.wfile.write(data)

    return route


def endless(chunk: bytes = b"x" * 65536, headers: HeaderItems = ()) -> Route:
    """A 200 whose body never ends (until the client hangs up or the server stops)."""

    def route(handler: RequestHandler) -> None:
        handler.start_stream(200, headers or [("Content-Type", "application/octet-stream")])
        try:
            while not handler.stopping:
                handler.wfile.write(chunk)
        except OSError:
            pass

    return route


def trickle(interval: float = 1.0, byte: bytes = b"x", limit: int = 600) -> Route:
    """A 200 that sends one byte every ``interval`` seconds (``limit`` bytes at most)."""

    def route(handler: RequestHandler) -> None:
        handler.start_stream(200, [("Content-Type", "text/plain")])
        try:
            for _ in range(limit):
                handler.wfile.write(byte)
                handler.wfile.flush()
                if handler.server.stopping.wait(interval):
                    return
        except OSError:
            pass

    return route


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def tls_contexts(
    directory: Path, names: Iterable[str] = ("localhost",)
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting only a fresh test CA) for ``names``.

    The certificate has DNS names only (no IP addresses), so a client that
    verified against the IP it connected to instead of the URL's host fails.
    """
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    sans = ",".join(f"DNS:{name}" for name in names)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=TrainedOn test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)  # fmt: skip
    _openssl("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr",
             "-subj", "/CN=test server", cwd=directory)  # fmt: skip
    (directory / "leaf.ext").write_text(
        f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
    )
    _openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "leaf.pem", "-days", "2",
             "-extfile", "leaf.ext", cwd=directory)  # fmt: skip
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    client = ssl.create_default_context(cafile=str(directory / "ca.pem"))
    return server, client


# --------------------------------------------------------------------------
# Safety net
# --------------------------------------------------------------------------


@pytest.fixture(name="loopback_only")
def loopback_only_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Fixture ``loopback_only``: fail the test on any connect to a non-loopback address.

    Import ``loopback_only_guard`` into a test module (the name under which
    pytest finds it) and request ``loopback_only``; it yields the addresses
    connected to.

    A guard, not a mock: the network policy under test should refuse such
    targets before connecting, and this makes sure that no bug in it ever
    sends a packet off the machine.
    """
    attempts: list[Any] = []
    original = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            if not (host.startswith("127.") or host in ("::1", "localhost")):
                raise AssertionError(f"test tried to connect to non-loopback {address!r}")
        original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield attempts


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
