"""Video and link-health benchmark: prints numbers, never passes or fails.

- captures per minute of a 30-second 720p clip, as a direct MP4 and as HLS
  (6 s segments, ``-g 50``), each through the whole pipeline (fetch, media
  step with yt-dlp behind the egress proxy, probe, thumbnail, contact sheet,
  manifest);
- the time for 100 link-health checks of pages that answer in full (HEAD,
  then GET and text comparison) and of static files that answer 304.

Everything runs on loopback against a fresh SQLite database and media folder
in a temporary directory. ``python bench/video.py [--captures N] [--checks N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="trainedon-bench-video-"))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "app.settings",
        "DATA_DIR": str(WORK),
        "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
        "ARCHIVE_BROWSER_STEP": "0",
        "LOG_LEVEL": "WARNING",
    }
)
for name in ("REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.lib.servers import respond, serve  # noqa: E402

PAGE = (
    "<!doctype html><html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
    + "<p>Researchers compared generated clips with footage of a block building game. " * 30
    + "</p></article></body></html>"
)


def ffmpeg(*args: str) -> None:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_media(root: Path) -> tuple[float, int]:
    started = time.perf_counter()
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i",
           "sine=frequency=440", "-t", "30", "-c:v", "libx264", "-preset", "veryfast",
           "-pix_fmt", "yuv420p", "-g", "50", "-c:a", "aac", "-shortest",
           "-movflags", "+faststart", str(root / "clip.mp4"))  # fmt: skip
    (root / "hls").mkdir()
    ffmpeg("-i", str(root / "clip.mp4"), "-c", "copy", "-f", "hls", "-hls_time", "6",
           "-hls_playlist_type", "vod", "-hls_segment_filename", str(root / "hls" / "s%03d.ts"),
           str(root / "hls" / "index.m3u8"))  # fmt: skip
    return time.perf_counter() - started, (root / "clip.mp4").stat().st_size


def captures(base: str, path: str, count: int) -> list[float]:
    from app.archive.pipeline import run_capture_by_id
    from app.archive.services import request_capture
    from app.catalog.models import Source

    seconds = []
    for n in range(count):
        url = f"{base}{path}?run={n}-{time.time_ns()}"
        source = Source.objects.create(url=url, normalized_url=url, kind="video")
        capture = request_capture(source=source, enqueue=False)
        started = time.perf_counter()
        outcome = run_capture_by_id(capture.pk, attempts=1)
        seconds.append(time.perf_counter() - started)
        media = capture.steps.get(name="media")
        if media.status != "succeeded":
            print(
                f"  capture {capture.pk}: {outcome.status}, media {media.status}: {media.error_text}"
            )
    return seconds


def report(label: str, seconds: list[float]) -> None:
    mean = statistics.mean(seconds)
    print(f"{label:<34} {len(seconds):>3} runs  median {statistics.median(seconds):6.2f} s"
          f"  mean {mean:6.2f} s  → {60 / mean:5.1f} captures/min (one process)")  # fmt: skip


def link_sources(base: str, prefix: str, count: int, suffix: str = "") -> list[int]:
    from app.archive.pipeline import run_capture_by_id
    from app.archive.services import request_capture
    from app.catalog.models import Source

    ids = []
    for n in range(count):
        url = f"{base}{prefix}{n}{suffix}"
        source = Source.objects.create(url=url, normalized_url=url)
        run_capture_by_id(request_capture(source=source, enqueue=False).pk, attempts=1)
        ids.append(source.pk)
    return ids


def checks(ids: list[int]) -> tuple[float, dict[str, int]]:
    from app.catalog.models import Source
    from app.monitor.services import check_source

    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for source in Source.objects.filter(pk__in=ids):
        found = check_source(source=source)
        key = f"{found.outcome} {found.method} {found.http_status}"
        outcomes[key] = outcomes.get(key, 0) + 1
    return time.perf_counter() - started, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--captures", type=int, default=5)
    parser.add_argument("--checks", type=int, default=100)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    media = WORK / "media"
    media.mkdir()
    made, size = make_media(media)
    print(f"clip: 30 s 1280x720 H.264/AAC, {size / 1e6:.1f} MB, made in {made:.1f} s")
    static = WORK / "static-pages"
    static.mkdir()
    for n in range(args.checks):
        (static / f"{n}.html").write_text(PAGE.format(n=n))
    routes = {"/page/*": respond(PAGE.format(n="live"))}
    with serve(routes, directory=media) as server, serve(directory=static) as files:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port, files.host_port]
        report("direct MP4 (fetch + media)", captures(server.url, "/clip.mp4", args.captures))
        report("HLS, 5 segments", captures(server.url, "/hls/index.m3u8", args.captures))
        pages = link_sources(server.url, "/page/", args.checks)
        spent, outcomes = checks(pages)
        print(f"{len(pages)} link checks, pages (HEAD + GET + text compare): {spent:.2f} s"
              f" ({spent / len(pages) * 1000:.1f} ms each) {outcomes}")  # fmt: skip
        statics = link_sources(files.url, "/", args.checks, ".html")
        spent, outcomes = checks(statics)
        print(f"{len(statics)} link checks, static files (conditional HEAD → 304): {spent:.2f} s"
              f" ({spent / len(statics) * 1000:.1f} ms each) {outcomes}")  # fmt: skip


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
