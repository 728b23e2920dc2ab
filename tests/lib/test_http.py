"""The safe HTTP client, against real servers on 127.0.0.1 (no mocked client)."""

from __future__ import annotations

import gzip
import pickle
import socket
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from app.lib.http import (
    BadURL,
    BlockedAddress,
    ClientError,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    Gone,
    NotFound,
    PinnedTransport,
    RateLimited,
    ServerError,
    TooLarge,
    TooManyRedirects,
    Unsupported,
    classify_status,
    decode_text,
    fetch,
    fetch_conditional,
    parse_retry_after,
    prepare_url,
)
from tests.lib.servers import (
    LocalServer,
    RequestHandler,
    endless,
    loopback_only_guard,  # noqa: F401  (provides the loopback_only fixture)
    raw,
    redirect,
    respond,
    serve,
    tls_contexts,
    trickle,
)

pytestmark = pytest.mark.usefixtures("loopback_only")

ARTICLE = "<html><head><title>A claim</title></head><body><p>Evidence.</p></body></html>"


@pytest.fixture
def site() -> Iterator[LocalServer]:
    routes = {
        "/article": respond(
            ARTICLE,
            headers=[("X-Dup", "one"), ("Set-Cookie", "a=1"), ("X-Dup", "two")],
        ),
        "/a": redirect("/b", 301, body=b"moved to b"),
        "/b": redirect("c", 302),
        "/c": respond("done"),
        "/loop": redirect("/loop"),
    }
    with serve(routes) as server:
        yield server


@pytest.fixture
def other() -> Iterator[LocalServer]:
    """A second server that tests never allow-list: it must never be contacted."""
    with serve({"/": respond("secret")}) as server:
        yield server


def allow(server: LocalServer) -> list[str]:
    return [server.host_port]


# --------------------------------------------------------------------------
# A plain fetch and what it records
# --------------------------------------------------------------------------


def test_article_is_fetched_with_everything_a_warc_needs(site: LocalServer, settings: Any) -> None:
    settings.ARCHIVE_USER_AGENT = "TrainedOnTest/1.0"
    result = fetch(site.url_for("/article"), allow_hosts=allow(site))

    assert (result.status, result.reason, result.http_version) == (200, "OK", "HTTP/1.1")
    assert result.url == result.requested_url == site.url_for("/article")
    assert result.body == result.raw_body == ARTICLE.encode()
    assert result.text() == ARTICLE
    assert result.content_type == "text/html" and result.charset == "utf-8"
    # Order and duplicates preserved.
    names = [name for name, _ in result.headers]
    assert names.index("X-Dup") < names.index("Set-Cookie")
    assert result.header_values("x-dup") == ["one", "two"]
    assert result.ip == "127.0.0.1" and result.pinned_ips == ["127.0.0.1"]
    assert result.elapsed > 0 and result.started_at.tzinfo is not None
    assert len(result.hops) == 1 and result.redirect_chain == []

    sent = dict(result.request.headers)
    assert result.request.method == "GET" and result.request.url == result.url
    assert sent["Host"] == site.host_port
    assert sent["User-Agent"] == "TrainedOnTest/1.0"
    assert sent["Accept-Encoding"] == "gzip, deflate"
    assert dict(site.requests[0].headers)["User-Agent"] == "TrainedOnTest/1.0"


def test_allow_hosts_setting_is_read_at_call_time(site: LocalServer, settings: Any) -> None:
    settings.ARCHIVE_ALLOW_HOSTS = []
    with pytest.raises(BlockedAddress):
        fetch(site.url_for("/article"))
    assert site.connections == 0
    settings.ARCHIVE_ALLOW_HOSTS = [site.host_port]
    assert fetch(site.url_for("/article")).status == 200


def test_head_request(site: LocalServer) -> None:
    result = fetch(site.url_for("/article"), method="HEAD", allow_hosts=allow(site))
    assert result.status == 200 and result.body == b""
    assert result.header("content-length") == str(len(ARTICLE))


def test_environment_proxies_are_ignored(site: LocalServer, monkeypatch: Any) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    assert fetch(site.url_for("/article"), allow_hosts=allow(site)).status == 200


# --------------------------------------------------------------------------
# Text decoding
# --------------------------------------------------------------------------

CP1252 = b"Caf\xe9 \x93quoted\x94 \x80 5"
CP1252_TEXT = "Café “quoted” € 5"


@pytest.fixture
def charsets() -> Iterator[LocalServer]:
    html = "text/html"
    routes = {
        "/header": respond(CP1252, content_type="text/html; charset=windows-1252"),
        "/latin1-label": respond(CP1252, content_type="text/html; charset=ISO-8859-1"),
        "/meta": respond(b'<meta charset="windows-1252"><p>' + CP1252, content_type=html),
        "/http-equiv": respond(
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">' + CP1252,
            content_type=html,
        ),
        "/guess": respond(CP1252, content_type=html),
        "/bom": respond(b"\xef\xbb\xbfCaf\xc3\xa9", content_type="text/html; charset=cp1252"),
        "/utf16": respond("\ufeffCafé".encode("utf-16-le"), content_type="text/plain"),
    }
    with serve(routes) as server:
        yield server


@pytest.mark.parametrize("path", ["/header", "/latin1-label", "/meta", "/http-equiv", "/guess"])
def test_windows_1252_pages_decode_right(charsets: LocalServer, path: str) -> None:
    result = fetch(charsets.url_for(path), allow_hosts=allow(charsets))
    assert CP1252_TEXT in result.text()
    assert result.charset == "windows-1252"


def test_bom_beats_the_header(charsets: LocalServer) -> None:
    assert fetch(charsets.url_for("/bom"), allow_hosts=allow(charsets)).text() == "Café"
    assert fetch(charsets.url_for("/utf16"), allow_hosts=allow(charsets)).text() == "Café"


def test_decode_text_ignores_bytes_to_bytes_codecs() -> None:
    assert decode_text(b"abc", [("Content-Type", "text/plain; charset=base64")]) == "abc"


# --------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------


def test_redirects_are_followed_and_recorded(site: LocalServer) -> None:
    result = fetch(site.url_for("/a"), allow_hosts=allow(site))
    assert result.status == 200 and result.body == b"done"
    assert result.url == site.url_for("/c")
    assert result.requested_url == site.url_for("/a")
    assert result.redirect_chain == [
        {"url": site.url_for("/a"), "status": 301, "location": site.url_for("/b")},
        {"url": site.url_for("/b"), "status": 302, "location": site.url_for("/c")},
    ]
    first = result.hops[0]
    assert first.location == "/b" and first.raw_body == b"moved to b"
    assert ("Location", "/b") in first.headers
    assert [r.url for r in result.requests] == [site.url_for(p) for p in ("/a", "/b", "/c")]
    assert result.pinned_ips == ["127.0.0.1"] * 3


def test_redirects_not_followed_on_request(site: LocalServer) -> None:
    result = fetch(site.url_for("/a"), allow_hosts=allow(site), follow_redirects=False)
    assert result.status == 301 and result.raw_body == b"moved to b"
    assert result.redirect_chain == [] and len(site.requests) == 1


def test_redirect_to_a_non_allowed_loopback_port_is_refused(
    site: LocalServer, other: LocalServer
) -> None:
    with serve({"/go": redirect(other.url_for("/"))}) as start:
        with pytest.raises(BlockedAddress) as caught:
            fetch(start.url_for("/go"), allow_hosts=[start.host_port, site.host_port])
    assert other.connections == 0
    assert caught.value.port == other.port
    assert [hop.status for hop in caught.value.hops] == [302]


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://0xa9.0xfe.0xa9.0xfe/",
        "http://100.100.100.200/",
        "http://10.0.0.1/",
    ],
)
def test_redirect_to_metadata_and_private_addresses_is_refused(
    target: str, loopback_only: list[Any]
) -> None:
    with serve({"/go": redirect(target)}) as start:
        with pytest.raises(BlockedAddress) as caught:
            fetch(start.url_for("/go"), allow_hosts=allow(start))
    assert caught.value.error_class == "blocked_address"
    assert all(str(a[0]).startswith("127.") for a in loopback_only)


def test_redirect_loop_stops_after_ten(site: LocalServer) -> None:
    with pytest.raises(TooManyRedirects) as caught:
        fetch(site.url_for("/loop"), allow_hosts=allow(site))
    assert len(site.requests) == 11  # the first request plus ten redirects
    assert len(caught.value.hops) == 11
    assert caught.value.error_class == "server_error"


def test_max_redirects_is_honoured(site: LocalServer) -> None:
    with pytest.raises(TooManyRedirects):
        fetch(site.url_for("/a"), allow_hosts=allow(site), max_redirects=1)
    assert fetch(site.url_for("/a"), allow_hosts=allow(site), max_redirects=2).status == 200


@pytest.mark.parametrize(
    "location",
    ["ftp://example.com/file", "file:///etc/passwd", "javascript:alert(1)", "data:,hi"],
)
def test_redirect_to_other_schemes_is_a_bad_url(location: str) -> None:
    with serve({"/go": redirect(location)}) as start:
        with pytest.raises(BadURL):
            fetch(start.url_for("/go"), allow_hosts=allow(start))


def test_odd_location_headers() -> None:
    routes = {
        "/broken": redirect("http://[not-an-ip/"),
        "/utf8": raw(b"HTTP/1.1 302 Found\r\nLocation: /caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n"),
        "/caf%C3%A9": respond("arrived"),
        "/empty-location": respond(b"", 302, headers=[("Location", "")]),
        "/no-location": respond(b"odd", 302),
    }
    with serve(routes) as server:
        with pytest.raises(BadURL):
            fetch(server.url_for("/broken"), allow_hosts=allow(server))
        utf8 = fetch(server.url_for("/utf8"), allow_hosts=allow(server))
        assert utf8.body == b"arrived" and utf8.url.endswith("/caf%C3%A9")
        no_location = fetch(server.url_for("/no-location"), allow_hosts=allow(server))
        assert no_location.status == 302 and no_location.redirect_chain == []


def test_credentials_do_not_follow_a_redirect_to_another_origin() -> None:
    with serve({"/see": respond("ok")}) as target:
        routes = {"/go": redirect("/same"), "/same": redirect(target.url_for("/see"))}
        with serve(routes) as start:
            fetch(
                start.url_for("/go"),
                headers={"Authorization": "Bearer s3cret", "X-Keep": "1"},
                allow_hosts=[start.host_port, target.host_port],
            )
            same_origin = [dict(r.headers) for r in start.requests]
        across = dict(target.requests[0].headers)
    assert all(h.get("Authorization") == "Bearer s3cret" for h in same_origin)
    assert "Authorization" not in across and across["X-Keep"] == "1"


def test_cookies_set_by_a_redirect_are_sent_on_the_next_hop() -> None:
    set_cookie = respond(
        b"", 302, headers=[("Set-Cookie", "consent=yes; Path=/"), ("Location", "/in")]
    )
    with serve({"/start": set_cookie, "/in": respond("inside")}) as server:
        result = fetch(server.url_for("/start"), allow_hosts=allow(server))
    assert dict(server.requests[1].headers).get("Cookie") == "consent=yes"
    assert ("Cookie", "consent=yes") in result.request.headers


def test_every_hop_is_resolved_and_checked_again(monkeypatch: Any) -> None:
    """A name that is fine for the first hop but resolves privately later is refused."""
    answers = iter(["127.0.0.1", "10.0.0.9"])
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hop.test":
            return real(next(answers), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with serve({"/r": redirect("/final"), "/final": respond("x")}) as server:
        url = f"http://hop.test:{server.port}/r"
        with pytest.raises(BlockedAddress, match=r"10\.0\.0\.9"):
            fetch(url, allow_hosts=[f"127.0.0.1:{server.port}"])
        assert len(server.requests) == 1


# --------------------------------------------------------------------------
# Address policy through fetch
# --------------------------------------------------------------------------

LOOPBACK_FORMS = [
    "2130706433",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "0x7f000001",
    "127.1",
    "127.0.0.1.",
    "１２７.０.０.１",
    "127.0.0.%31",
    "localhost",
    "[::1]",
    "[::ffff:7f00:1]",
    "[::ffff:127.0.0.1]",
]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_every_spelling_of_loopback_is_refused(site: LocalServer, host: str) -> None:
    with pytest.raises(BlockedAddress):
        fetch(f"http://{host}:{site.port}/article", allow_hosts=[])
    assert site.connections == 0


@pytest.mark.parametrize(
    "host", ["2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "１２７.０.０.１"]
)
def test_odd_ipv4_spellings_are_canonicalized(site: LocalServer, host: str) -> None:
    """Recognized as 127.0.0.1, so the allow entry for 127.0.0.1:port applies."""
    result = fetch(f"http://{host}:{site.port}/article", allow_hosts=allow(site))
    assert result.url == site.url_for("/article")
    assert dict(result.request.headers)["Host"] == site.host_port


def test_localhost_is_refused_unless_allowed(site: LocalServer) -> None:
    url = site.url_for("/article", host="localhost")
    with pytest.raises(BlockedAddress, match="loopback"):
        fetch(url, allow_hosts=[])
    with pytest.raises(BlockedAddress):
        fetch(url, allow_hosts=[f"localhost:{site.port + 1}"])
    assert site.connections == 0
    assert fetch(url, allow_hosts=["localhost"]).status == 200
    assert fetch(url, allow_hosts=[f"localhost:{site.port}"]).ip == "127.0.0.1"


def test_allow_entry_port_is_exact(site: LocalServer, other: LocalServer) -> None:
    with pytest.raises(BlockedAddress):
        fetch(other.url_for("/"), allow_hosts=[site.host_port])
    assert other.connections == 0


def test_dns_answer_is_pinned_not_looked_up_again(monkeypatch: Any, site: LocalServer) -> None:
    """The name is resolved once; a second lookup would have answered the metadata address."""
    calls: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            calls.append(host)
            return real(
                "127.0.0.1" if len(calls) == 1 else "169.254.169.254", port, *args, **kwargs
            )
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    result = fetch(f"http://rebind.test:{site.port}/article", allow_hosts=[site.host_port])
    assert result.status == 200 and result.ip == "127.0.0.1"
    assert calls == ["rebind.test"]
    assert dict(site.requests[0].headers)["Host"] == f"rebind.test:{site.port}"


def test_transport_refuses_connections_it_did_not_check(site: LocalServer) -> None:
    transport = PinnedTransport(allow_hosts=[site.host_port])
    with pytest.raises(BlockedAddress, match="unchecked"):
        transport._backend.connect_tcp("127.0.0.1", site.port)
    assert site.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,hi",
        "gopher://example.com/",
        "//example.com/",
        "/relative",
        "http:///no-host",
        "http://user:pw@example.com/",
        "http://example.com\\@127.0.0.1/",
        "http://exa mple.com/",
        "http://1.2.3.4.5/",
        "http://example.com:99999/",
        "http://[fe80::1%25eth0]/",
        "http://example.com/\r\nX-Injected: 1",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(BadURL) as caught:
        fetch(url, allow_hosts=[])
    assert caught.value.error_class == "bad_url"


def test_prepare_url_canonicalizes() -> None:
    assert str(prepare_url("HTTP://Bücher.Example:80/a b?q=1#frag")) == (
        "http://xn--bcher-kva.example/a%20b?q=1"
    )


def test_only_get_and_head() -> None:
    with pytest.raises(Unsupported) as caught:
        fetch("http://example.com/", method="POST")
    assert caught.value.error_class == "unsupported"


def test_unknown_host_is_gone() -> None:
    with pytest.raises(Gone) as caught:
        fetch("http://no-such-host.invalid/", allow_hosts=[])
    assert caught.value.error_class == "gone"


def test_nothing_listening_is_a_connection_error() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]  # bound but not listening: refused
        with pytest.raises(ConnectionFailed) as caught:
            fetch(f"http://127.0.0.1:{port}/", allow_hosts=[f"127.0.0.1:{port}"])
    assert caught.value.error_class == "connection"


# --------------------------------------------------------------------------
# Size caps
# --------------------------------------------------------------------------


def _gzip_bomb(decoded: int = 1 << 30, block: int = 1 << 20) -> bytes:
    """~1 MB of gzip that inflates to ``decoded`` bytes of zeros (a repeated flushed block)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(block)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + repeat * (decoded // block - 1) + compressor.flush()


def test_gzip_bomb_stops_at_the_cap() -> None:
    bomb = _gzip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    headers = [("Content-Encoding", "gzip")]
    with serve({"/bomb": respond(bomb, headers=headers, content_type="text/html")}) as server:
        with pytest.raises(TooLarge) as caught:
            fetch(server.url_for("/bomb"), allow_hosts=allow(server), max_bytes=10 * 1024 * 1024)
    assert caught.value.error_class == "too_large"


def test_gzip_and_deflate_bodies_are_decoded_and_kept_raw() -> None:
    text = ARTICLE.encode() * 50
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    routes = {
        "/gzip": respond(gzip.compress(text), headers=[("Content-Encoding", "gzip")]),
        "/zlib": respond(zlib.compress(text), headers=[("Content-Encoding", "deflate")]),
        "/raw-deflate": respond(
            raw_deflate.compress(text) + raw_deflate.flush(),
            headers=[("Content-Encoding", "deflate")],
        ),
        "/double": respond(
            zlib.compress(gzip.compress(text)), headers=[("Content-Encoding", "gzip, deflate")]
        ),
    }
    with serve(routes) as server:
        for path in routes:
            result = fetch(server.url_for(path), allow_hosts=allow(server))
            assert result.body == text, path
            assert result.raw_body != text and result.decode_error is None
            assert result.header("content-encoding") is not None


def test_undecodable_bodies_are_kept_raw_with_a_note() -> None:
    routes = {
        "/lying": respond(b"plain text", headers=[("Content-Encoding", "gzip")]),
        "/br": respond(b"\x8b\x02\x80hi\x03", headers=[("Content-Encoding", "br")]),
        "/cut": respond(gzip.compress(b"x" * 10000)[:40], headers=[("Content-Encoding", "gzip")]),
    }
    with serve(routes) as server:
        lying = fetch(server.url_for("/lying"), allow_hosts=allow(server))
        br = fetch(server.url_for("/br"), allow_hosts=allow(server))
        cut = fetch(server.url_for("/cut"), allow_hosts=allow(server))
    assert lying.body == b"plain text" and "gzip" in (lying.decode_error or "")
    assert br.body == br.raw_body and "br" in (br.decode_error or "")
    assert "truncated" in (cut.decode_error or "")


def test_endless_body_stops_at_the_cap() -> None:
    with serve({"/forever": endless()}) as server:
        with pytest.raises(TooLarge):
            fetch(server.url_for("/forever"), allow_hosts=allow(server), max_bytes=1024 * 1024)


def test_declared_length_over_the_cap_is_refused_before_reading() -> None:
    with serve({"/big": respond(b"x" * 200_000)}) as server:
        with pytest.raises(TooLarge, match="Content-Length"):
            fetch(server.url_for("/big"), allow_hosts=allow(server), max_bytes=100_000)
        assert fetch(server.url_for("/big"), allow_hosts=allow(server), max_bytes=200_000).body


def test_chunked_body_is_dechunked_and_headers_say_so() -> None:
    response = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    with serve({"/chunked": raw(response)}) as server:
        result = fetch(server.url_for("/chunked"), allow_hosts=allow(server))
    assert result.raw_body == result.body == b"hello world"
    assert result.header("transfer-encoding") == "chunked"


# --------------------------------------------------------------------------
# Timeouts
# --------------------------------------------------------------------------


def test_a_trickling_server_is_stopped_by_the_total_timeout() -> None:
    with serve({"/slow": trickle(interval=1.0)}) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout, match="total") as caught:
            fetch(
                server.url_for("/slow"),
                allow_hosts=allow(server),
                read_timeout=5,
                total_timeout=2,
            )
        assert time.monotonic() - started < 10
    assert caught.value.error_class == "timeout"


def _stall(handler: RequestHandler) -> None:
    handler.server.stopping.wait(30)


def test_a_silent_server_is_stopped_by_the_read_timeout() -> None:
    with serve({"/silent": _stall}) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetch(server.url_for("/silent"), allow_hosts=allow(server), read_timeout=0.5)
        assert time.monotonic() - started < 10


# --------------------------------------------------------------------------
# Status classification
# --------------------------------------------------------------------------

SOON = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
STATUSES = {
    "/200": (200, [], (None, None), None),
    "/404": (404, [], ("not_found", None), NotFound),
    "/410": (410, [], ("not_found", None), NotFound),
    "/429s": (429, [("Retry-After", "120")], ("rate_limited", 120.0), RateLimited),
    "/429d": (429, [("Retry-After", SOON)], ("rate_limited", "date"), RateLimited),
    "/429": (429, [], ("rate_limited", None), RateLimited),
    "/500": (500, [], ("server_error", None), ServerError),
    "/503": (503, [("Retry-After", "30")], ("server_error", 30.0), ServerError),
    "/403": (403, [], ("client_error", None), ClientError),
    "/418": (418, [], ("client_error", None), ClientError),
}


@pytest.fixture
def statuses() -> Iterator[LocalServer]:
    # The HTTP-date is computed now, not at import: a long suite would age it.
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    fresh = {"/429d": [("Retry-After", soon)]}
    routes = {
        path: respond("x", status, headers=fresh.get(path, h))
        for path, (status, h, _, _) in STATUSES.items()
    }
    with serve(routes) as server:
        yield server


@pytest.mark.parametrize("path", sorted(STATUSES))
def test_error_statuses_are_returned_and_classified(statuses: LocalServer, path: str) -> None:
    status, _, (error_class, retry), exc_type = STATUSES[path]
    result = fetch(statuses.url_for(path), allow_hosts=allow(statuses))  # never raises
    assert result.status == status
    found_class, found_retry = classify_status(result.status, result.headers)
    assert found_class == error_class
    if retry == "date":
        assert found_retry is not None and 100 < found_retry <= 120
    else:
        assert found_retry == retry
    if exc_type is None:
        assert result.raise_for_status() is result
    else:
        with pytest.raises(exc_type) as caught:
            result.raise_for_status()
        assert caught.value.error_class == error_class
        if exc_type is RateLimited:
            assert caught.value.retry_after == pytest.approx(found_retry, abs=5)  # type: ignore[attr-defined]


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(" 3600 ") == 3600.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after(None) is None


def test_errors_survive_pickling(site: LocalServer) -> None:
    """Celery moves exceptions between processes."""
    with pytest.raises(BlockedAddress) as caught:
        fetch(site.url_for("/a"), allow_hosts=[])
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.error_class, copy.reason, copy.port, str(copy)) == (
        "blocked_address",
        "loopback",
        site.port,
        str(caught.value),
    )


def test_the_loopback_guard_is_armed(loopback_only: list[Any]) -> None:
    with pytest.raises(AssertionError, match="non-loopback"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    assert loopback_only == [("192.0.2.1", 80)]


def test_every_error_is_a_fetch_error_with_its_class() -> None:
    expected = {
        BlockedAddress: "blocked_address",
        BadURL: "bad_url",
        FetchTimeout: "timeout",
        TooLarge: "too_large",
        Gone: "gone",
        ConnectionFailed: "connection",
        NotFound: "not_found",
        RateLimited: "rate_limited",
        ServerError: "server_error",
        ClientError: "client_error",
        Unsupported: "unsupported",
    }
    for cls, name in expected.items():
        assert issubclass(cls, FetchError) and cls.error_class == name


# --------------------------------------------------------------------------
# Conditional requests
# --------------------------------------------------------------------------


def _conditional(handler: RequestHandler) -> None:
    if handler.headers.get("If-None-Match") == '"v1"' or handler.headers.get("If-Modified-Since"):
        handler.reply(304, headers=[("ETag", '"v1"')], content_type=None)
    else:
        handler.reply(200, "fresh", headers=[("ETag", '"v1"')])


def _no_head(inner: Any) -> Any:
    def route(handler: RequestHandler) -> None:
        if handler.command == "HEAD":
            handler.reply(405, headers=[("Allow", "GET")])
        else:
            inner(handler)

    return route


@pytest.fixture
def validators() -> Iterator[LocalServer]:
    routes = {
        "/page": _conditional,
        "/no-head": _no_head(_conditional),
        "/no-head-big": _no_head(endless()),
    }
    with serve(routes) as server:
        yield server


def test_conditional_head_gets_304(validators: LocalServer) -> None:
    result = fetch_conditional(
        validators.url_for("/page"), etag='"v1"', allow_hosts=allow(validators)
    )
    assert result.status == 304 and result.etag == '"v1"'
    assert [r.method for r in validators.requests] == ["HEAD"]


def test_conditional_falls_back_to_get(validators: LocalServer) -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    result = fetch_conditional(
        validators.url_for("/no-head"), last_modified=since, allow_hosts=allow(validators)
    )
    assert result.status == 304
    assert [r.method for r in validators.requests] == ["HEAD", "GET"]
    sent = dict(validators.requests[1].headers)
    assert sent["If-Modified-Since"] == "Thu, 01 Jan 2026 00:00:00 GMT"


def test_conditional_get_only_peeks(validators: LocalServer) -> None:
    result = fetch_conditional(validators.url_for("/no-head-big"), allow_hosts=allow(validators))
    assert result.status == 200 and result.truncated
    assert len(result.raw_body) <= 64 * 1024


# --------------------------------------------------------------------------
# TLS: connect to the pinned IP, verify the certificate for the name
# --------------------------------------------------------------------------


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[LocalServer, Any]]:
    server_context, client_context = tls_contexts(tmp_path, names=("localhost", "archive.test"))
    with serve({"/": respond("secure")}, tls=server_context) as server:
        yield server, client_context


def test_https_uses_the_hostname_for_sni_and_verification(
    tls_site: tuple[LocalServer, Any], monkeypatch: Any
) -> None:
    server, client_context = tls_site
    calls: list[str] = []
    real = socket.getaddrinfo

    def dns(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(host)
        return real("127.0.0.1" if host == "archive.test" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    result = fetch(
        f"https://archive.test:{server.port}/",
        allow_hosts=[f"127.0.0.1:{server.port}"],
        ssl_context=client_context,
    )
    assert result.status == 200 and result.body == b"secure"
    assert result.ip == "127.0.0.1"
    assert server.sni_names == ["archive.test"]
    assert calls.count("archive.test") == 1  # only our check resolved the name


def test_https_certificate_is_checked_against_the_url_host(
    tls_site: tuple[LocalServer, Any],
) -> None:
    server, client_context = tls_site
    # The certificate names localhost, not 127.0.0.1: verification must fail.
    with pytest.raises(ConnectionFailed, match=r"(?i)certificate|mismatch|match"):
        fetch(server.url_for("/"), allow_hosts=allow(server), ssl_context=client_context)
    # An unknown CA fails with the default (certifi) trust store.
    with pytest.raises(ConnectionFailed, match=r"(?i)certificate"):
        fetch(server.url_for("/", host="localhost"), allow_hosts=["localhost"])
    ok = fetch(
        server.url_for("/", host="localhost"), allow_hosts=["localhost"], ssl_context=client_context
    )
    assert ok.status == 200
