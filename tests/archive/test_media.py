"""The media step: real clips made by ffmpeg, served on loopback, archived through yt-dlp.

Every connection yt-dlp makes goes through the egress proxy; the forbidden
server of the HLS test counts its TCP connections to prove none arrived.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.archive.models import Artifact, ArtifactKind, Capture, CaptureStep
from app.archive.pipeline import run_capture_by_id
from app.archive.services import request_capture
from app.archive.storage import rehash
from tests.factories import SourceFactory
from tests.lib.servers import LocalServer, RequestHandler, respond, serve
from tests.monitor.clips import Clips, clips, og_page, video_page  # noqa: F401

pytestmark = pytest.mark.django_db

HLS = "application/vnd.apple.mpegurl"


def _slow_video(data: bytes) -> Any:
    def route(handler: RequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "video/mp4")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            for start in range(0, len(data), 4096):
                handler.wfile.write(data[start : start + 4096])
                handler.wfile.flush()
                if handler.server.stopping.wait(0.25):
                    return
        except OSError:
            pass

    return route


@pytest.fixture
def site(clips: Clips, settings: Any) -> Iterator[LocalServer]:  # noqa: F811
    routes = {
        "/video.html": respond(video_page()),
        "/og.html": respond(og_page()),
        "/og-token.html": respond(og_page("/clip.mp4?token=s3cret-token&sig=abc")),
        "/article.html": respond(
            video_page(text="<p>" + "An article about game footage. " * 40 + "</p>")
        ),
        "/broken-page.html": respond(video_page("/broken.mp4", track=False)),
        "/slow.mp4": _slow_video(clips.mp4.read_bytes()),
    }
    with serve(routes, directory=clips.root) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        yield server


def capture_of(url: str) -> Capture:
    source = SourceFactory(url=url, normalized_url=url)
    capture = request_capture(source=source, enqueue=False)
    run_capture_by_id(capture.pk, attempts=1)
    capture.refresh_from_db()
    return capture


def media_step(capture: Capture) -> CaptureStep:
    return capture.steps.get(name="media")


def video_of(capture: Capture) -> Artifact:
    return capture.artifacts.get(kind=ArtifactKind.VIDEO)


def assert_clip(video: Artifact, seconds: float = 4.0) -> None:
    meta = video.metadata
    assert meta["duration"] == pytest.approx(seconds, abs=0.3)
    assert (meta["width"], meta["height"]) == (320, 240)
    assert meta["video_codec"] == "h264"
    assert meta["frame_rate"] == pytest.approx(25, abs=0.1)
    assert rehash(video) == (video.sha256, video.size)


def media_dirs() -> set[Path]:
    """The media step's work folders (and anything in them) now on disk."""
    return set(Path(tempfile.gettempdir()).glob("trainedon-video-work-*"))


@pytest.fixture
def leftovers() -> Iterator[None]:
    """Fails the test if a media work folder it created is still there at its end."""
    before = media_dirs()
    yield
    assert media_dirs() - before == set()


def test_a_direct_video_file_is_archived_with_its_duration_and_size(site: LocalServer) -> None:
    capture = capture_of(site.url_for("/clip.mp4"))
    step = media_step(capture)
    assert step.status == "succeeded", step.error_text
    assert capture.status == "succeeded", capture.error_text
    assert not capture.steps.filter(name="document").exists()  # video is the media step's
    assert step.tool_version
    assert capture.tool_versions["yt-dlp"] == step.tool_version
    video = video_of(capture)
    assert_clip(video)
    assert video.media_type == "video/mp4"
    kinds = set(capture.artifacts.values_list("kind", flat=True))
    assert {"info_json", "thumbnail", "contact_sheet", "manifest"} <= kinds
    manifest = json.loads(_read(capture.artifacts.get(kind="manifest")))
    assert "video.mp4" in {entry["name"] for entry in manifest["artifacts"]}


def test_a_video_larger_than_the_page_cap_is_still_archived_whole(
    site: LocalServer, settings: Any
) -> None:
    """The page fetch keeps a video's first bytes (WARC-Truncated); the media step the file."""
    from warcio.archiveiterator import ArchiveIterator

    settings.ARCHIVE_MAX_BYTES = 4096  # far below the clip, far below the media cap
    capture = capture_of(site.url_for("/clip.mp4"))
    assert capture.status == "succeeded", capture.error_text
    video = video_of(capture)
    assert video.size > 4096
    assert_clip(video)
    warc = capture.artifacts.get(kind="warc")
    records = list(ArchiveIterator(io.BytesIO(_read(warc))))
    response = next(r for r in records if r.rec_type == "response")
    assert response.rec_headers.get_header("WARC-Truncated") == "length"


def _read(artifact: Artifact) -> bytes:
    from app.archive.storage import open_artifact

    with open_artifact(artifact) as handle:
        return bytes(handle.read())


def test_a_page_with_a_video_element_keeps_its_page_and_its_video(site: LocalServer) -> None:
    capture = capture_of(site.url_for("/article.html"))
    assert capture.status == "succeeded", capture.error_text
    names = set(capture.artifacts.values_list("name", flat=True))
    assert {"page.warc.gz", "page.html", "text.txt", "video.mp4", "video.en.vtt"} <= names
    assert "game footage" in _read(capture.artifacts.get(name="text.txt")).decode()
    assert "blocky game world" in _read(capture.artifacts.get(name="video.en.vtt")).decode()
    assert_clip(video_of(capture))
    assert media_step(capture).details["kind"] == "page"


def test_an_og_video_page_gets_its_video(site: LocalServer) -> None:
    capture = capture_of(site.url_for("/og.html"))
    assert media_step(capture).status == "succeeded", media_step(capture).error_text
    assert_clip(video_of(capture))


def test_an_hls_playlist_is_archived_whole(site: LocalServer) -> None:
    capture = capture_of(site.url_for("/hls/index.m3u8"))
    step = media_step(capture)
    assert step.status == "succeeded", step.error_text
    assert capture.status == "succeeded", capture.error_text
    assert step.details["kind"] == "hls"
    assert_clip(video_of(capture))
    fetched = {r.path for r in site.requests}
    assert {f"/hls/seg00{i}.ts" for i in range(4)} <= fetched


def test_hls_segments_on_a_forbidden_address_are_refused_and_never_reached(
    site: LocalServer,
    clips: Clips,  # noqa: F811
) -> None:
    with serve(directory=clips.root) as forbidden:
        playlist = clips.playlist().replace("seg", forbidden.url_for("/hls/seg"))
        with serve({"/evil.m3u8": respond(playlist, content_type=HLS)}) as evil:
            from django.conf import settings

            settings.ARCHIVE_ALLOW_HOSTS = [evil.host_port]
            capture = capture_of(evil.url_for("/evil.m3u8"))
        assert forbidden.connections == 0
    step = media_step(capture)
    assert step.status == "failed"
    assert step.error_class == "blocked_address"
    assert f"127.0.0.1:{forbidden.port}" in step.error_text
    assert not capture.artifacts.filter(kind=ArtifactKind.VIDEO).exists()


def test_a_file_over_the_byte_cap_is_stopped_and_nothing_is_left(
    site: LocalServer, settings: Any, leftovers: None
) -> None:
    settings.ARCHIVE_MEDIA_MAX_BYTES = 50_000
    capture = capture_of(site.url_for("/video.html"))
    step = media_step(capture)
    assert step.status == "failed"
    assert step.error_class == "too_large"
    assert "ARCHIVE_MEDIA_MAX_BYTES" in step.error_text
    assert "partial file deleted" in step.error_text
    assert not capture.artifacts.filter(kind=ArtifactKind.VIDEO).exists()
    assert capture.artifacts.filter(name="page.html").exists()  # the page itself is kept


def test_an_hls_stream_over_the_byte_cap_is_stopped(
    site: LocalServer, settings: Any, leftovers: None
) -> None:
    settings.ARCHIVE_MEDIA_MAX_BYTES = 50_000
    capture = capture_of(site.url_for("/hls/index.m3u8"))
    step = media_step(capture)
    assert (step.status, step.error_class) == ("failed", "too_large")
    assert "passed" in step.error_text
    fetched = {r.path for r in site.requests}
    assert "/hls/seg003.ts" not in fetched  # stopped before the end
    assert not capture.artifacts.filter(kind=ArtifactKind.VIDEO).exists()


def test_no_work_folder_survives_a_stopped_download(
    site: LocalServer, settings: Any, leftovers: None
) -> None:
    settings.ARCHIVE_MEDIA_MAX_BYTES = 50_000
    before = media_dirs()
    for path in ("/clip.mp4", "/hls/index.m3u8"):
        assert media_step(capture_of(site.url_for(path))).status == "failed"
    assert media_dirs() == before


def test_a_live_playlist_is_refused_by_default(site: LocalServer) -> None:
    capture = capture_of(site.url_for("/live/index.m3u8"))
    step = media_step(capture)
    assert (step.status, step.error_class) == ("failed", "unsupported")
    assert "live stream" in step.error_text
    assert "ARCHIVE_LIVE_RECORD_SECONDS" in step.error_text
    assert not any(r.path.endswith(".ts") for r in site.requests)


def test_a_live_playlist_is_recorded_for_a_bounded_time_when_asked(
    site: LocalServer, settings: Any
) -> None:
    settings.ARCHIVE_LIVE_RECORD_SECONDS = 2
    capture = capture_of(site.url_for("/live/index.m3u8"))
    step = media_step(capture)
    assert step.status == "succeeded", step.error_text
    video = video_of(capture)
    assert video.partial is True
    assert video.metadata["live"] is True
    assert "at most the first 2 s" in video.metadata["partial_reason"]
    assert video.metadata["duration"] <= 2.5


def test_a_video_longer_than_the_cap_is_refused_before_download(
    site: LocalServer, settings: Any
) -> None:
    settings.ARCHIVE_MEDIA_MAX_SECONDS = 2
    capture = capture_of(site.url_for("/hls/index.m3u8"))
    step = media_step(capture)
    assert (step.status, step.error_class) == ("failed", "too_large")
    assert "ARCHIVE_MEDIA_MAX_SECONDS" in step.error_text
    assert not any(r.path.endswith(".ts") for r in site.requests)


def test_a_direct_file_longer_than_the_cap_is_not_kept(site: LocalServer, settings: Any) -> None:
    settings.ARCHIVE_MEDIA_MAX_SECONDS = 2
    capture = capture_of(site.url_for("/og.html"))
    step = media_step(capture)
    assert (step.status, step.error_class) == ("failed", "too_large")
    assert "lasts 4 s" in step.error_text
    assert not capture.artifacts.filter(kind=ArtifactKind.VIDEO).exists()


def test_a_broken_video_file_fails_clearly(site: LocalServer) -> None:
    capture = capture_of(site.url_for("/broken-page.html"))
    step = media_step(capture)
    assert (step.status, step.error_class) == ("failed", "media")
    assert "not a readable video file" in step.error_text
    assert not capture.artifacts.filter(kind=ArtifactKind.VIDEO).exists()


def test_the_stored_video_metadata_keeps_no_secrets(site: LocalServer) -> None:
    capture = capture_of(site.url_for("/og-token.html"))
    assert media_step(capture).status == "succeeded", media_step(capture).error_text
    stored = _read(capture.artifacts.get(name="video.info.json")).decode()
    assert "s3cret-token" not in stored
    assert "http_headers" not in stored
    assert "User-Agent" not in stored
    assert json.loads(stored)["webpage_url"].endswith("/og-token.html")


def test_the_wall_clock_cap_stops_a_slow_download(
    site: LocalServer, tmp_path: Path, settings: Any
) -> None:
    from app.archive.media import MediaFailure, MediaLimits, download_media

    limits = MediaLimits(max_bytes=10**9, max_seconds=3600, time_limit=1.0, live_seconds=0)
    with pytest.raises(MediaFailure) as caught:
        download_media(site.url_for("/slow.mp4"), workdir=tmp_path, limits=limits)
    assert caught.value.error_class == "timeout"
    assert "ARCHIVE_MEDIA_TIME_LIMIT" in caught.value.message
