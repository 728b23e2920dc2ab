"""Queues by kind of work (app/celery.py): a long video never holds up page captures.

Real workers, each consuming only its own queue (as docker-compose runs them),
a real broker, and a local server that serves a video slowly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from app.archive.models import ArtifactKind, Capture, CaptureStatus
from app.archive.pipeline import sweep
from app.archive.services import MEDIA_HANDOFF, looks_like_media, request_capture
from app.celery import LINKS, MAINTENANCE, MEDIA, PAGES, QUEUES, ROUTES, app, queue_name
from tests.archive.conftest import ARTICLE
from tests.conftest import wait_for
from tests.factories import SourceFactory
from tests.lib.servers import LocalServer, RequestHandler, respond, serve
from tests.monitor.clips import Clips, clips, video_page  # noqa: F401

# The worker environment: no browser (not what is measured here), and a page
# fetch that keeps only the first 64 KiB of a video (the media step takes it whole).
WORKER_ENV = {"ARCHIVE_BROWSER_STEP": "0", "ARCHIVE_MAX_BYTES": "65536"}


def slow_file(data: bytes, chunk: int = 4096, pause: float = 0.5) -> Any:
    """Serve ``data`` at ``chunk`` bytes per ``pause`` seconds (a long download)."""

    def route(handler: RequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "video/mp4")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            for start in range(0, len(data), chunk):
                handler.wfile.write(data[start : start + chunk])
                handler.wfile.flush()
                if handler.server.stopping.wait(pause):
                    return
        except OSError:
            pass

    return route


@pytest.fixture
def site(clips: Clips, settings: Any) -> Iterator[LocalServer]:  # noqa: F811
    video = clips.mp4.read_bytes()
    routes = {
        "/article.html": respond(ARTICLE),
        "/slow-video.html": respond(video_page("/slow.mp4", track=False)),
        "/slow.mp4": slow_file(video),
    }
    with serve(routes, directory=clips.root) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        yield server


def final(capture_id: int) -> Capture | None:
    capture = Capture.objects.get(pk=capture_id)
    return capture if capture.is_final else None


def capture_of(url: str) -> Capture:
    return request_capture(source=SourceFactory(url=url, normalized_url=url))


def media_downloading(site: LocalServer) -> int:
    """Requests for the slow video so far (the page fetch's, then yt-dlp's)."""
    return sum(r.path == "/slow.mp4" for r in site.requests)


def test_every_task_has_one_queue_and_unnamed_ones_go_to_maintenance() -> None:
    def routed(name: str) -> str:
        return str(app.amqp.router.route({}, name)["queue"].name)

    assert routed("archive.run_capture") == queue_name(PAGES)
    assert routed("archive.run_media_capture") == queue_name(MEDIA)
    assert routed("monitor.check_source") == queue_name(LINKS)
    for name in ("archive.sweep", "monitor.evidence_frames", "some.new_task"):
        assert routed(name) == queue_name(MAINTENANCE)
    assert set(ROUTES.values()) | {MAINTENANCE} == set(QUEUES)
    assert queue_name(PAGES).endswith(".pages") and queue_name(PAGES) != "pages"  # per session


@pytest.mark.parametrize(
    ("url", "media"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", True),
        ("https://youtu.be/dQw4w9WgXcQ", True),
        ("https://vimeo.com/76979871", True),
        ("https://cdn.example/films/clip.MP4?token=1", True),
        ("https://cdn.example/live/index.m3u8", True),
        ("https://news.example/2024/sora.html", False),
        ("https://news.example/mp4-review", False),
        ("https://notyoutube.com/watch", False),
    ],
)
def test_a_video_address_is_known_by_its_form(url: str, media: bool) -> None:
    assert looks_like_media(url) is media


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_page_captures_complete_while_a_long_video_downloads(
    site: LocalServer, start_worker: Any
) -> None:
    start_worker(concurrency=1, extra_env=WORKER_ENV, queues=[PAGES])
    start_worker(concurrency=1, extra_env=WORKER_ENV, queues=[MEDIA])

    # A page showing a video: the page worker hands it to the media queue.
    video = capture_of(site.url_for("/slow-video.html"))
    wait_for(lambda: media_downloading(site) >= 1, timeout=120)
    pages = [capture_of(site.url_for(f"/article.html?n={n}")) for n in range(3)]

    for page in pages:
        done = wait_for(lambda page=page: final(page.pk), timeout=120, interval=0.3)
        assert done.status == CaptureStatus.SUCCEEDED, done.error_text
    # Every page finished while the only media worker was still downloading.
    video.refresh_from_db()
    assert video.status == CaptureStatus.RUNNING
    assert video.worker != "" and video.attempts == 1

    done = wait_for(lambda: final(video.pk), timeout=240, interval=0.5)
    assert done.status == CaptureStatus.SUCCEEDED, done.error_text
    assert done.artifacts.filter(kind=ArtifactKind.VIDEO).count() == 1
    assert [e["outcome"] for e in done.attempt_log] == [MEDIA_HANDOFF, "succeeded"]
    assert done.attempts == 1  # the hand-over is not an attempt


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_recovers_the_captures_of_every_queue_after_their_workers_die(
    site: LocalServer, start_worker: Any, settings: Any
) -> None:
    pages_worker = start_worker(concurrency=1, extra_env=WORKER_ENV, queues=[PAGES])
    media_worker = start_worker(concurrency=1, extra_env=WORKER_ENV, queues=[MEDIA])

    video = capture_of(site.url_for("/slow.mp4"))  # a video address: straight to media
    site.routes["/stalled.html"] = _stalled
    page = capture_of(site.url_for("/stalled.html"))
    wait_for(lambda: media_downloading(site) >= 2, timeout=120)  # yt-dlp is downloading
    wait_for(lambda: any(r.path == "/stalled.html" for r in site.requests), timeout=120)
    assert Capture.objects.get(pk=video.pk).status == CaptureStatus.RUNNING
    assert Capture.objects.get(pk=page.pk).status == CaptureStatus.RUNNING

    media_worker.kill()  # SIGKILL to the whole process group: no goodbye, no ack
    pages_worker.kill()
    site.routes["/stalled.html"] = respond(ARTICLE)

    later = timezone.now() + timedelta(seconds=settings.ARCHIVE_STUCK_AFTER + 1)
    assert sweep(now=later).requeued == 2
    assert sweep(now=later + timedelta(seconds=61)).resent == 2  # each to its own queue
    start_worker(concurrency=1, extra_env=WORKER_ENV, queues=[PAGES])
    start_worker(concurrency=1, extra_env=WORKER_ENV, queues=[MEDIA])

    for capture in (page, video):
        done = wait_for(lambda capture=capture: final(capture.pk), timeout=240, interval=0.5)
        assert done.status == CaptureStatus.SUCCEEDED, done.error_text
        assert [e["outcome"] for e in done.attempt_log] == ["lost", "succeeded"]
    assert Capture.objects.get(pk=video.pk).artifacts.filter(kind=ArtifactKind.VIDEO).exists()


def _stalled(handler: RequestHandler) -> None:
    """A page server that never answers (until the test stops it)."""
    handler.server.stopping.wait(600)


def test_the_compose_file_runs_one_worker_per_queue_and_the_procfile_one_for_all() -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    consumed: dict[str, str] = {}
    for name, service in services.items():
        command = service.get("command", "")
        command = " ".join(command) if isinstance(command, list) else str(command)
        if " worker" in command:
            queues = command.split(" -Q ")[1].split()[0].split(",")
            for queue in queues:
                assert queue not in consumed, (
                    f"{queue} consumed by {consumed.get(queue)} and {name}"
                )
                consumed[queue] = name
            assert "--concurrency" in command and "--time-limit" in command
    assert set(consumed) == set(QUEUES)
    procfile = (root / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    assert set(worker.split(" -Q ")[1].split()[0].split(",")) >= set(QUEUES)
