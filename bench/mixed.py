"""bench/mixed.py: a mixed backlog drained by real workers, one per queue family.

    .venv/bin/python bench/mixed.py [--captures 2000] [--video-share 0.1]
        [--pages-concurrency 4] [--media-concurrency 2] [--video-seconds 3] [--video-kb 4096]
        [--delay 0.2] [--browser] [--single-queue]

Queues ``--captures`` captures at once (``--video-share`` of them videos, the
rest article pages, shuffled), served on loopback: pages as in bench/archive.py
(50-300 KB, answered after ``--delay`` s), videos as a real 4 s H.264 clip
padded to ``--video-kb`` and trickled out so each download takes about
``--video-seconds``. Two real Celery workers drain them, as docker-compose
runs them: one consuming ``pages``
(prefork, ``--pages-concurrency``), one consuming ``media``
(``--media-concurrency``), on Redis (``BENCH_REDIS_URL``, db 5 by default)
and a scratch PostgreSQL database. ``--single-queue`` runs one worker with both
concurrencies together consuming both queues, as the comparison: what one
shared pool gives.

Prints, per queue, the captures, their outcomes and throughput, and for pages
the time the last page waited in the queue (from the moment everything was
queued until a worker claimed it) with the median and p95 wait. The page
fetch reads only a video's first MiB (its peek), then the media step
downloads it whole. The browser step is off unless ``--browser``.
Numbers only, no pass/fail; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from archive import article, scratch_database, setup_django  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Site

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/video/"):
            self._trickle(self.server.video)
            return
        time.sleep(self.server.delay)
        if path.startswith("/img/"):
            from archive import PNG

            body, kind = PNG, "image/png"
        elif path in self.server.pages:
            body, kind = self.server.pages[path], "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self._send(200, kind, body)

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, data: bytes) -> None:
        """The clip in 20 pieces spread over ``video_seconds``."""
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        step = max(len(data) // 20, 1)
        try:
            for start in range(0, len(data), step):
                self.wfile.write(data[start : start + step])
                self.wfile.flush()
                time.sleep(self.server.video_seconds / 20)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Site(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(
        self, pages: dict[str, bytes], video: bytes, delay: float, video_seconds: float
    ) -> None:
        self.pages, self.video, self.delay = pages, video, delay
        self.video_seconds = video_seconds
        super().__init__(("127.0.0.1", 0), Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client closing early (the fetch's cap, a killed worker) is not news


def start_worker(
    name: str, queues: list[str], concurrency: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "celery", "-A", "app", "worker", "-Q", ",".join(queues),
           "-c", str(concurrency), "-n", f"{name}-{os.getpid()}@%h", "--loglevel=WARNING",
           "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def padded(clip: bytes, size: int) -> bytes:
    """The clip grown to ``size`` bytes by a trailing MP4 ``free`` box (players skip it).

    A real video is megabytes: the page fetch's peek (``MEDIA_PEEK_BYTES``, 1 MiB)
    reads only its start. The bare 118 KB clip, trickled over ``--video-seconds``,
    was read whole by the peek, so each video was downloaded at that pace twice."""
    room = size - len(clip)
    if room < 8:
        return clip
    return clip + struct.pack(">I", room) + b"free" + bytes(room - 8)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--captures", type=int, default=2000)
    parser.add_argument("--video-share", type=float, default=0.1)
    parser.add_argument("--pages-concurrency", type=int, default=4)
    parser.add_argument("--media-concurrency", type=int, default=2)
    parser.add_argument("--video-seconds", type=float, default=3.0)
    parser.add_argument(
        "--video-kb",
        type=int,
        default=4096,
        help="the clip's size, padded with an MP4 'free' box (0: the bare 118 KB clip)",
    )
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--browser", action="store_true", help="screenshot and PDF too")
    parser.add_argument("--single-queue", action="store_true", help="one worker for both")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/trainedon"),
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="trainedon-mixed-"))
    try:
        with scratch_database(args.database_url) as database_url:
            run(args, workdir, database_url or "")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path, database_url: str) -> None:
    prefix = f"bench{os.getpid()}."
    os.environ["TASK_QUEUE_PREFIX"] = prefix
    os.environ["CELERY_BROKER_URL"] = REDIS_URL
    setup_django(workdir, database_url)
    from django.conf import settings
    from django.utils import timezone

    from app.archive.models import Capture, CaptureStatus
    from app.archive.services import request_capture, ring
    from app.catalog.models import Source
    from app.celery import MEDIA, PAGES, queue_name
    from app.lib.urls import normalize_url
    from tests.monitor.clips import make_clips

    settings.TASK_QUEUE_PREFIX = prefix
    rng = random.Random(args.seed)
    videos = round(args.captures * args.video_share)
    kinds = ["video"] * videos + ["page"] * (args.captures - videos)
    rng.shuffle(kinds)
    pages = {
        f"/articles/{n}": article(n, rng.randint(50_000, 300_000), rng)
        for n, kind in enumerate(kinds)
        if kind == "page"
    }
    clip_dir = workdir / "clips"
    clip_dir.mkdir()
    clip = padded(make_clips(clip_dir).mp4.read_bytes(), args.video_kb * 1024)
    site = Site(pages, clip, args.delay, args.video_seconds)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{site.server_address[1]}"

    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(workdir / "archive"),
           "ARCHIVE_ALLOW_HOSTS": host, "ARCHIVE_BROWSER_STEP": "1" if args.browser else "0",
           "REDIS_URL": "", "CELERY_BROKER_URL": REDIS_URL,
           "TASK_QUEUE_PREFIX": prefix, "PYTHONUNBUFFERED": "1"}  # fmt: skip
    if args.single_queue:
        workers = [
            start_worker("all", [queue_name(PAGES), queue_name(MEDIA)],
                         args.pages_concurrency + args.media_concurrency, env,
                         workdir / "all.log"),
        ]  # fmt: skip
    else:
        workers = [
            start_worker("pages", [queue_name(PAGES)], args.pages_concurrency, env,
                         workdir / "pages.log"),
            start_worker("media", [queue_name(MEDIA)], args.media_concurrency, env,
                         workdir / "media.log"),
        ]  # fmt: skip
    time.sleep(8)  # workers ready (they only take work from the queues once it is sent)

    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{args.captures} captures: {args.captures - videos} pages (50-300 KB, {args.delay} s "
        f"delay), {videos} videos ({len(clip) // 1024} KB each, ~{args.video_seconds:g} s "
        f"download); browser step {'on' if args.browser else 'off'}; "
        + (
            f"ONE worker on both queues, concurrency "
            f"{args.pages_concurrency + args.media_concurrency}"
            if args.single_queue
            else f"pages worker x{args.pages_concurrency}, media worker x{args.media_concurrency}"
        )
    )
    ids: dict[int, str] = {}
    for n, kind in enumerate(kinds):
        url = site.url(f"/video/{n}.mp4" if kind == "video" else f"/articles/{n}")
        source = Source.objects.create(url=url, normalized_url=normalize_url(url))
        ids[request_capture(source=source, enqueue=False).pk] = kind
    queued_at = timezone.now()
    started = time.monotonic()
    for capture_id, kind in ids.items():
        ring(capture_id, media=kind == "video")
    print(f"queued {len(ids)} in {time.monotonic() - started:.1f} s")
    page_ids = [pk for pk, kind in ids.items() if kind == "page"]
    shown = time.monotonic()
    try:
        while True:
            waiting = Capture.objects.filter(
                pk__in=ids, status__in=[CaptureStatus.QUEUED, CaptureStatus.RUNNING]
            )
            left = waiting.count()
            if not left:
                break
            if time.monotonic() - shown >= 30:  # progress, so a cut-short run still tells
                shown = time.monotonic()
                pages_left = waiting.filter(pk__in=page_ids).count()
                print(
                    f"  {shown - started:6.0f} s: {len(page_ids) - pages_left} pages and "
                    f"{len(ids) - len(page_ids) - (left - pages_left)} videos done",
                    flush=True,
                )
            time.sleep(2)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        import redis

        broker = redis.Redis.from_url(REDIS_URL)
        leftovers = list(broker.scan_iter(f"*{prefix}*"))
        if leftovers:
            broker.delete(*leftovers)
    total = time.monotonic() - started
    rows = Capture.objects.filter(pk__in=ids).values_list(
        "pk", "status", "started_at", "finished_at"
    )
    by_kind: dict[str, list[tuple[str, float, float]]] = {"page": [], "video": []}
    for pk, status, started_at, finished_at in rows:
        waited = (started_at - queued_at).total_seconds() if started_at else float("nan")
        done = (finished_at - queued_at).total_seconds() if finished_at else float("nan")
        by_kind[ids[pk]].append((status, waited, done))
    print(f"drained in {total:.1f} s")
    for kind, label in (("page", "pages"), ("video", "media")):
        got = by_kind[kind]
        if not got:
            continue
        outcomes: dict[str, int] = {}
        for status, _w, _d in got:
            outcomes[status] = outcomes.get(status, 0) + 1
        last = max(d for _s, _w, d in got)
        waits = [w for _s, w, _d in got]
        print(
            f"  {label:<6} {len(got):>5} captures, {outcomes}: {len(got) / last * 60:7.1f}/min "
            f"(last finished {last:.1f} s after queueing) | waited in queue: median "
            f"{statistics.median(waits):.1f} s, p95 {percentile(waits, 0.95):.1f} s, "
            f"last {max(waits):.1f} s"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    site.shutdown()


if __name__ == "__main__":
    main()
