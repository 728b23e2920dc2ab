"""The browser step with Debian's Chromium: screenshot, PDF, and what the page may not do."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from warcio.archiveiterator import ArchiveIterator

from app.archive.browser import BrowserSession, BrowserTimeout
from app.archive.models import CaptureStatus, ErrorClass
from app.archive.storage import open_artifact
from tests.archive.conftest import make_png
from tests.lib.servers import redirect, respond, trickle, wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


def read(capture, name: str) -> bytes:
    with open_artifact(capture.artifacts.get(name=name)) as handle:
        return handle.read()


class Listener:
    """A TCP port that records every connection (a WebSocket server that never answers)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.accepted.append(conn.recv(4096))
            except OSError:
                self.accepted.append(b"")
            conn.close()


@pytest.fixture
def listener(settings) -> Iterator[Listener]:
    server = Listener()
    yield server
    server.sock.close()


def test_it_takes_a_stamped_full_page_screenshot_and_an_a4_pdf(site, archive):
    site.routes["/pic.png"] = respond(make_png((300, 200)), content_type="image/png")
    long_page = "<p>paragraph</p>" * 150
    page = f"<html><head><title>Tall page</title></head><body><img src='/pic.png'>{long_page}</body></html>"
    site.routes["/tall"] = respond(page)

    capture, _ = archive(site.url_for("/tall"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    with Image.open(io.BytesIO(read(capture, "screenshot.png"))) as shot:
        assert shot.width == 1280
        assert shot.height > 2000  # the full page, not the 900-pixel viewport
        band = shot.crop((0, 0, shot.width, 44)).convert("RGB")
        assert band.getpixel((600, 2)) == (20, 24, 31)  # the stamp band
        assert len(band.getcolors(maxcolors=4096) or []) > 2  # with text written on it
    pdf = PdfReader(io.BytesIO(read(capture, "page.pdf")))
    width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points
    assert "paragraph" in pdf.pages[0].extract_text()
    step = capture.steps.get(name="browser")
    assert step.tool_version == capture.tool_versions["chromium"]


def test_it_writes_the_subresources_it_fetched_into_a_valid_warc(site, archive, tmp_path):
    from tests.archive.test_pipeline import warcio_check

    site.routes["/pic.png"] = respond(make_png(), content_type="image/png")
    site.routes["/page"] = respond("<html><body><h1>x</h1><img src='/pic.png'></body></html>")

    capture, _ = archive(site.url_for("/page"))

    warc = read(capture, "subresources.warc.gz")
    assert warcio_check(tmp_path, warc).returncode == 0
    uris = [
        r.rec_headers.get_header("WARC-Target-URI")
        for r in ArchiveIterator(io.BytesIO(warc))
        if r.rec_type == "response"
    ]
    assert site.url_for("/pic.png") in uris
    # The page itself came from the fetch step's bytes, not a second request.
    assert [r.path for r in site.requests].count("/page") == 1


def test_the_capture_browser_opens_no_websocket_from_a_page_a_frame_or_a_worker(
    site, archive, settings, listener
):
    settings.ARCHIVE_ALLOW_HOSTS = [site.host_port, f"127.0.0.1:{listener.port}"]
    ws = f"ws://127.0.0.1:{listener.port}/socket"

    def opener(label: str) -> str:
        return f"new WebSocket('{ws}-{label}')"

    def frame(label: str) -> str:
        worker = opener(f"{label}-worker")
        script = f'{opener(label)}; new Worker(URL.createObjectURL(new Blob(["{worker}"])))'
        return f"<html><body><script>{script}</script></body></html>"

    site.routes["/frame"] = respond(frame("frame"))
    site.routes["/hop"] = redirect("/frame2")
    site.routes["/frame2"] = respond(frame("redirected-frame"))
    page = f"""<html><body><h1>Live</h1>
    <script>
      {opener("page")};
      try {{ new Worker(URL.createObjectURL(new Blob(["{opener("page-worker")}"]))); }} catch (e) {{}}
    </script>
    <iframe src="/frame"></iframe><iframe src="/hop"></iframe></body></html>"""
    site.routes["/live"] = respond(page)

    capture, _ = archive(site.url_for("/live"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    paths = [r.path for r in site.requests]
    assert "/frame" in paths and "/frame2" in paths  # the frames did load
    assert listener.accepted == []


def test_the_capture_browser_registers_no_service_worker(site, archive):
    site.routes["/sw.js"] = respond(
        "self.addEventListener('fetch', () => {})", content_type="text/javascript"
    )
    page = """<html><head><title>before</title></head><body><h1>App</h1><script>
      if (navigator.serviceWorker) { navigator.serviceWorker.register('/sw.js') }
    </script></body></html>"""
    site.routes["/app"] = respond(page)

    capture, _ = archive(site.url_for("/app"))

    assert capture.status == CaptureStatus.SUCCEEDED
    assert "/sw.js" not in [r.path for r in site.requests]


def test_a_page_that_never_finishes_loading_is_killed_at_the_time_limit(site, archive, settings):
    settings.ARCHIVE_STEP_TIME_LIMIT = 5
    site.routes["/forever.png"] = trickle(interval=0.5)
    site.routes["/stuck"] = respond("<html><body><h1>x</h1><img src='/forever.png'></body></html>")

    capture, _ = archive(site.url_for("/stuck"))

    assert capture.status == CaptureStatus.PARTIAL
    step = capture.steps.get(name="browser")
    assert (step.status, step.error_class) == ("failed", ErrorClass.TIMEOUT)
    assert capture.artifacts.filter(name="page.warc.gz").exists()


def test_a_killed_browser_leaves_no_process_behind(site, settings):
    site.routes["/forever.png"] = trickle(interval=0.5)
    body = b"<html><body><img src='/forever.png'></body></html>"
    session = BrowserSession(settings.ARCHIVE_BROWSER).start()
    group = session.process.pid
    try:
        with pytest.raises(BrowserTimeout):
            session.render(
                url=site.url_for("/stuck"),
                status=200,
                headers=[("Content-Type", "text/html")],
                body=body,
                timeout=2,
            )
    finally:
        session.close()
    assert wait_until(lambda: living_in_group(group) == [], timeout=10), living_in_group(group)


def living_in_group(group: int) -> list[int]:
    """Processes (not zombies) still in a process group, from /proc."""
    living = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            living.append(int(stat.parent.name))
    return living


def test_an_endless_page_is_cut_at_the_height_limit_and_marked_partial(site, archive):
    site.routes["/feed"] = respond(
        "<html><body><div style='height:50000px'>feed</div></body></html>"
    )

    capture, _ = archive(site.url_for("/feed"))

    shot = capture.artifacts.get(name="screenshot.png")
    assert shot.partial is True
    with Image.open(io.BytesIO(read(capture, "screenshot.png"))) as image:
        assert image.height == 16_000 + 44
    assert capture.steps.get(name="browser").details["height_cut"] is True
