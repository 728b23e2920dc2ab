"""Request bodies over a real socket, through gunicorn as production runs it.

gunicorn (gthread, as in the Dockerfile) is started on this test session's
database with ``BODY_READ_TIMEOUT=1``; the requests are written by hand on a
socket, so a chunked body and a lying Content-Length are exactly what a client
sends.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.accounts.services import token_create
from app.catalog.models import Source
from tests.conftest import ROOT, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(transactional_db: None) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = worker_env({"BODY_READ_TIMEOUT": "1", "DEBUG": "1", "RATELIMIT_ENABLE": "0"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "app.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--worker-class", "gthread"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            status, _headers, _body = exchange(("127.0.0.1", port), b"GET /healthz HTTP/1.1\r\n")
            if status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            output = proc.communicate()[0].decode(errors="replace")
            pytest.fail(f"gunicorn did not start:\n{output[-3000:]}")
        time.sleep(0.3)
    yield ("127.0.0.1", port)
    proc.terminate()
    proc.wait(timeout=20)


def exchange(
    address: tuple[str, int],
    head: bytes,
    body: bytes = b"",
    *,
    timeout: float = 30,
    half_close: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """Send the request line and headers (without the blank line), then ``body``; keep our
    side open, read the whole answer."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(head + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    header_blob, _sep, payload = data.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _s, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        payload = _dechunk(payload)
    return status, headers, payload


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _sep, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


def chunked(payload: bytes, piece: int = 7) -> bytes:
    parts = [payload[i : i + piece] for i in range(0, len(payload), piece)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


@pytest.fixture
def secret(alice: Any) -> str:
    return token_create(user=alice, name="bot").secret


def test_a_chunked_json_body_is_read_whole(server, secret: str) -> None:
    payload = json.dumps({"url": "https://news.example/chunked"}).encode()
    head = (
        b"POST /api/v1/sources HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nAuthorization: Bearer " + secret.encode() + b"\r\n"
    )
    status, _headers, body = exchange(server, head, chunked(payload))
    assert status == 201, body
    assert json.loads(body)["normalized_url"] == "https://news.example/chunked"
    assert Source.objects.filter(url="https://news.example/chunked").count() == 1


def test_a_chunked_body_over_the_limit_is_a_413(server, secret: str, settings) -> None:
    payload = b'{"url": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    head = (
        b"POST /api/v1/sources HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nAuthorization: Bearer " + secret.encode() + b"\r\n"
    )
    status, _headers, body = exchange(server, head, chunked(payload, 64 * 1024))
    assert status == 413
    assert "Content-Length" in json.loads(body)["error"]["message"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/sources", b"application/json"),
        ("/api/v1/sources/{pk}/uploads?filename=a.png", b"image/png"),
        ("/suggest/", b"application/x-www-form-urlencoded"),
    ],
)
def test_a_body_shorter_than_its_content_length_is_a_quick_400(
    server, secret: str, path: str, content_type: bytes
) -> None:
    source = Source.objects.create(
        url="https://news.example/s", normalized_url="https://news.example/s"
    )
    target = path.format(pk=source.pk).encode()
    head = (
        b"POST " + target + b" HTTP/1.1\r\nContent-Type: " + content_type + b"\r\n"
        b"Content-Length: 1000\r\nAuthorization: Bearer " + secret.encode() + b"\r\n"
    )
    started = time.monotonic()
    # Ten bytes of the thousand announced, and the connection kept open (gunicorn counts
    # what it buffered as not received: the message may say 0 of 1000).
    status, _headers, body = exchange(server, head, b'{"url": "h', timeout=20)
    waited = time.monotonic() - started
    assert status == 400, body[:300]
    assert b"of the 1000 bytes its Content-Length announced" in body
    # BODY_READ_TIMEOUT=1 here; before, the request waited for the client (20 s here, 40 s
    # in the probe). Printed, not asserted: tests never assert on wall-clock time.
    print(f"{path}: answered 400 after {waited:.2f} s")
    assert status != 500


def test_a_body_cut_short_by_the_client_closing_is_a_400_and_saves_nothing(
    server, secret: str
) -> None:
    source = Source.objects.create(
        url="https://news.example/s", normalized_url="https://news.example/s"
    )
    head = (
        b"POST /api/v1/sources/" + str(source.pk).encode() + b"/uploads?filename=a.png HTTP/1.1\r\n"
        b"Content-Type: image/png\r\nContent-Length: 5000\r\n"
        b"Authorization: Bearer " + secret.encode() + b"\r\n"
    )
    png_start = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    status, _headers, body = exchange(server, head, png_start, timeout=20, half_close=True)
    assert status == 400, body[:300]
    assert b"of the 5000 bytes its Content-Length announced" in body
    assert not source.captures.exists()  # a truncated file is never kept as the upload
