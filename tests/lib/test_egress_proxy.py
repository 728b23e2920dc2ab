"""The egress proxy: plain HTTP and CONNECT through the address policy, on 127.0.0.1."""

from __future__ import annotations

import gzip
import shutil
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.lib.egress_proxy import EgressProxy
from tests.lib.servers import (
    LocalServer,
    RequestHandler,
    endless,
    loopback_only_guard,  # noqa: F401  (provides the loopback_only fixture)
    redirect,
    respond,
    serve,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("loopback_only")


# --------------------------------------------------------------------------
# A tiny raw client: the proxy is tested at the byte level.
# --------------------------------------------------------------------------


def _recv_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def _split(response: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def ask(proxy: EgressProxy, request: str | bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one raw request to the proxy; return (status, headers, body)."""
    data = request.encode("latin-1") if isinstance(request, str) else request
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(data)
        return _split(_recv_all(sock))


def get(proxy: EgressProxy, url: str, host: str = "") -> tuple[int, dict[str, str], bytes]:
    host = host or url.split("/")[2]
    return ask(proxy, f"GET {url} HTTP/1.1\r\nHost: {host}\r\nProxy-Connection: keep-alive\r\n\r\n")


def open_tunnel(proxy: EgressProxy, target: str) -> tuple[socket.socket, bytes]:
    """CONNECT; returns the socket and the proxy's reply head (the caller closes it)."""
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        data = sock.recv(1)
        if not data:
            break
        reply += data
    return sock, reply


@pytest.fixture
def site() -> Iterator[LocalServer]:
    routes = {
        "/page": respond("<p>archived</p>", headers=[("X-Dup", "1"), ("X-Dup", "2")]),
        "/gz": respond(gzip.compress(b"zipped" * 100), headers=[("Content-Encoding", "gzip")]),
        "/forever": endless(),
        "/echo": _echo,
    }
    with serve(routes) as server:
        yield server


@pytest.fixture
def other() -> Iterator[LocalServer]:
    """Never allow-listed: must never see a connection."""
    with serve({"/": respond("private")}) as server:
        yield server


def _echo(handler: RequestHandler) -> None:
    handler.reply(200, handler.server.requests[-1].body, content_type="text/plain")


@pytest.fixture
def seen() -> list[tuple[str, int, Any, bytes]]:
    return []


@pytest.fixture
def proxy(site: LocalServer, seen: list[Any]) -> Iterator[EgressProxy]:
    def hook(url: str, status: int, headers: Any, body: bytes) -> None:
        seen.append((url, status, headers, body))

    with EgressProxy(allow_hosts=[site.host_port], on_response=hook, idle_timeout=5) as running:
        yield running


# --------------------------------------------------------------------------
# Plain HTTP
# --------------------------------------------------------------------------


def test_get_to_an_allowed_server_works(
    proxy: EgressProxy, site: LocalServer, seen: list[Any]
) -> None:
    status, headers, body = get(proxy, site.url_for("/page"))
    assert (status, body) == (200, b"<p>archived</p>")
    assert headers["Connection"] == "close"
    record = proxy.requests[-1]
    assert (record.kind, record.outcome, record.address, record.status) == (
        "http",
        "ok",
        "127.0.0.1",
        200,
    )
    # The hook saw the response, duplicates and order intact.
    url, hook_status, hook_headers, hook_body = seen[-1]
    assert (url, hook_status, hook_body) == (site.url_for("/page"), 200, b"<p>archived</p>")
    assert [v for k, v in hook_headers if k == "X-Dup"] == ["1", "2"]
    # The server got the request without proxy headers.
    sent = dict(site.requests[-1].headers)
    assert "Proxy-Connection" not in sent and sent["Host"] == site.host_port


def test_hook_gets_the_raw_encoded_body(
    proxy: EgressProxy, site: LocalServer, seen: list[Any]
) -> None:
    status, headers, body = get(proxy, site.url_for("/gz"))
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == b"zipped" * 100
    assert seen[-1][3] == body


def test_get_to_a_non_allowed_loopback_port_is_refused(
    proxy: EgressProxy, other: LocalServer
) -> None:
    status, _, body = get(proxy, other.url_for("/"))
    assert status == 403 and b"blocked by egress policy" in body
    assert proxy.refused == [("127.0.0.1", other.port, "loopback")]
    assert proxy.requests[-1].outcome == "blocked_address"
    time.sleep(0.2)  # give a stray connection every chance to show up
    assert other.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433:{port}/",
        "http://0x7f.1:{port}/",
        "http://localhost:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://10.0.0.1/",
    ],
)
def test_every_blocked_form_is_refused(proxy: EgressProxy, other: LocalServer, url: str) -> None:
    status, _, _ = get(proxy, url.format(port=other.port))
    assert status == 403 and len(proxy.refused) == 1
    assert other.connections == 0


def test_a_redirect_is_relayed_and_the_next_hop_checked(
    proxy: EgressProxy, site: LocalServer, other: LocalServer
) -> None:
    with serve({"/r": redirect(other.url_for("/"))}) as start:
        proxy._allow_hosts = [site.host_port, start.host_port]
        status, headers, _ = get(proxy, start.url_for("/r"))
        assert status == 302 and headers["Location"] == other.url_for("/")
        status, _, _ = get(proxy, headers["Location"])  # the client follows: a new request
    assert status == 403 and other.connections == 0


def test_post_body_is_forwarded(proxy: EgressProxy, site: LocalServer) -> None:
    request = (
        f"POST {site.url_for('/echo')} HTTP/1.1\r\nHost: {site.host_port}\r\n"
        "Content-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
    )
    status, _, body = ask(proxy, request)
    assert (status, body) == (200, b"hello")


def test_response_cap_cuts_the_connection(site: LocalServer, seen: list[Any]) -> None:
    with EgressProxy(allow_hosts=[site.host_port], max_response_bytes=256 * 1024) as small:
        status, _, body = get(small, site.url_for("/forever"))
        assert status == 200 and len(body) <= 256 * 1024
        assert wait_until(lambda: bool(small.requests))
        assert small.requests[-1].outcome == "too_large"


def test_allow_hosts_come_from_settings_when_not_given(site: LocalServer, settings: Any) -> None:
    settings.ARCHIVE_ALLOW_HOSTS = []
    with EgressProxy() as running:
        assert get(running, site.url_for("/page"))[0] == 403
        settings.ARCHIVE_ALLOW_HOSTS = [site.host_port]
        assert get(running, site.url_for("/page"))[0] == 200


@pytest.mark.parametrize(
    "request_text",
    [
        "GET /page HTTP/1.1\r\nHost: x\r\n\r\n",
        "NONSENSE\r\n\r\n",
        "GET ftp://example.com/ HTTP/1.1\r\n\r\n",
        "GET http://user@example.com/ HTTP/1.1\r\n\r\n",
        "CONNECT no-port HTTP/1.1\r\n\r\n",
    ],
)
def test_malformed_requests_get_400(proxy: EgressProxy, request_text: str) -> None:
    assert ask(proxy, request_text)[0] == 400


# --------------------------------------------------------------------------
# CONNECT tunnels
# --------------------------------------------------------------------------


def test_connect_to_an_allowed_server_tunnels(proxy: EgressProxy, site: LocalServer) -> None:
    sock, reply = open_tunnel(proxy, site.host_port)
    with sock:
        assert reply.startswith(b"HTTP/1.1 200")
        sock.sendall(
            f"GET /page HTTP/1.1\r\nHost: {site.host_port}\r\nConnection: close\r\n\r\n".encode()
        )
        status, _, body = _split(_recv_all(sock))
    assert (status, body) == (200, b"<p>archived</p>")
    assert wait_until(lambda: bool(proxy.requests))
    record = proxy.requests[-1]
    assert (record.kind, record.address, record.outcome) == ("connect", "127.0.0.1", "ok")
    assert record.bytes_up > 0 and record.bytes_down > 0


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("127.0.0.1:{port}", "loopback"),
        ("localhost:{port}", "loopback"),
        ("2130706433:{port}", "loopback"),
        ("[::1]:{port}", "loopback"),
        ("169.254.169.254:443", "metadata"),
        ("192.168.0.1:443", "private"),
        ("8.8.8.8:25", "bad port"),
    ],
)
def test_connect_to_a_blocked_address_is_refused(
    proxy: EgressProxy, other: LocalServer, target: str, reason: str
) -> None:
    sock, reply = open_tunnel(proxy, target.format(port=other.port))
    with sock:
        body = _recv_all(sock)
    assert reply.startswith(b"HTTP/1.1 403") and b"blocked by egress policy" in body
    assert len(proxy.refused) == 1 and reason in proxy.refused[0][2]
    assert other.connections == 0


def test_tunnel_byte_cap(site: LocalServer) -> None:
    with EgressProxy(allow_hosts=[site.host_port], max_tunnel_bytes=200_000) as small:
        sock, reply = open_tunnel(small, site.host_port)
        with sock:
            sock.sendall(f"GET /forever HTTP/1.1\r\nHost: {site.host_port}\r\n\r\n".encode())
            received = _recv_all(sock)
        assert reply.startswith(b"HTTP/1.1 200") and len(received) <= 200_000
        assert wait_until(lambda: bool(small.requests))
        assert small.requests[-1].outcome == "too_large"


def test_idle_tunnel_is_closed(site: LocalServer) -> None:
    with EgressProxy(allow_hosts=[site.host_port], idle_timeout=0.5) as quick:
        sock, reply = open_tunnel(quick, site.host_port)
        started = time.monotonic()
        with sock:
            assert reply.startswith(b"HTTP/1.1 200")
            assert _recv_all(sock) == b""  # nothing sent, so the proxy gives up
        assert time.monotonic() - started < 10
        assert wait_until(lambda: bool(quick.requests))
        assert quick.requests[-1].outcome == "idle"


def test_stop_closes_open_tunnels(site: LocalServer) -> None:
    running = EgressProxy(allow_hosts=[site.host_port], idle_timeout=60).start()
    port = running.port
    sock, reply = open_tunnel(running, site.host_port)
    with sock:
        assert reply.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        running.stop()
        assert _recv_all(sock) == b""
        assert time.monotonic() - started < 10
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)  # no longer listening


def test_client_settings_helpers(proxy: EgressProxy) -> None:
    assert proxy.url == f"http://127.0.0.1:{proxy.port}"
    assert proxy.playwright_proxy["server"] == proxy.url
    assert "--proxy-bypass-list=<-loopback>" in proxy.chromium_args
    assert proxy.ytdlp_options == {"proxy": proxy.url}


# --------------------------------------------------------------------------
# The real clients
# --------------------------------------------------------------------------


def test_yt_dlp_goes_through_the_proxy(
    proxy: EgressProxy, site: LocalServer, other: LocalServer
) -> None:
    yt_dlp = pytest.importorskip("yt_dlp")
    from yt_dlp.networking.exceptions import HTTPError

    with yt_dlp.YoutubeDL({**proxy.ytdlp_options, "quiet": True, "no_warnings": True}) as ydl:
        assert ydl.urlopen(site.url_for("/page")).read() == b"<p>archived</p>"
        with pytest.raises(HTTPError) as caught:
            ydl.urlopen(other.url_for("/"))
    assert caught.value.status == 403
    assert other.connections == 0
    assert wait_until(lambda: len(proxy.requests) == 2)
    assert sorted(r.outcome for r in proxy.requests) == ["blocked_address", "ok"]


@pytest.mark.browser
def test_chromium_loads_through_the_proxy_and_cannot_reach_blocked_hosts(
    settings: Any, other: LocalServer
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    browser_path = shutil.which(settings.ARCHIVE_BROWSER) or shutil.which("chromium")
    if browser_path is None:
        pytest.skip("no Chromium installed")
    page_html = (
        f'<p id="t">hello</p><img src="{other.url_for("/pixel.png")}">'
        f'<script>fetch("{other.url_for("/api")}").catch(() => {{}})</script>'
    )
    with (
        serve({"/": respond(page_html)}) as site,
        EgressProxy(allow_hosts=[site.host_port]) as proxy,
    ):
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=browser_path, proxy=proxy.playwright_proxy, args=proxy.chromium_args
            )
            try:
                page = browser.new_page()
                page.goto(site.url_for("/"), wait_until="networkidle", timeout=30_000)
                assert page.inner_text("#t") == "hello"
            finally:
                browser.close()
        assert site.connections >= 1
        assert any(r.target == site.url_for("/") and r.outcome == "ok" for r in proxy.requests)
        assert {port for _, port, _ in proxy.refused} == {other.port}
    assert other.connections == 0
