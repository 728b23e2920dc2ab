"""bench/mixed.py: a mixed backlog drained by real workers, one per queue family.

    .venv/bin/python bench/mixed.py [--captures 2000] [--video-share 0.1]
        [--pages-concurrency 4] [--media-concurrency 2] [--video-seconds 3] [--video-kb 4096]
        [--delay 0.2] [--browser] [--single-queue] [--pages-max-tasks 200]
        [--media-max-tasks 20] [--stall-minutes 10] [--max-minutes 0] [--markdown FILE]

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
shared pool gives. Each worker recycles its children as docker-compose's
do (``--max-tasks-per-child`` 200 for pages, 20 for media: ``--pages-max-tasks``,
``--media-max-tasks``).

Prints, per queue, the captures, their outcomes and throughput, and for pages
the time the last page waited in the queue (from the moment everything was
queued until a worker claimed it) with the median and p95 wait. The page
fetch reads only a video's first MiB (its peek), then the media step
downloads it whole. The browser step is off unless ``--browser``
(``ARCHIVE_BROWSER_STEP`` in the workers' environment; each pages child keeps
its own browser, so ``--pages-concurrency`` browsers in all).

Then, for each queue: how each step ended (the browser step's count shows it
ran), the median seconds of a capture's run and of its browser step, every
capture that did not succeed and every failed step grouped by its recorded
reason, the retries, and the workers' warning and error lines. A run that stops
making progress for ``--stall-minutes`` (a worker died, a capture left
running) or lasts over ``--max-minutes`` is stopped and reported as it stands,
with what was left. ``--markdown FILE`` appends the run as a table row (the
header first if the file is new); the row is printed either way.
Numbers only, no pass/fail; the load average is printed before and after, and
its range (1 min) during the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
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
    name: str,
    queues: list[str],
    concurrency: int,
    env: dict[str, str],
    log: Path,
    max_tasks_per_child: int,
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "celery", "-A", "app", "worker", "-Q", ",".join(queues),
           "-c", str(concurrency), "-n", f"{name}-{os.getpid()}@%h", "--loglevel=WARNING",
           f"--max-tasks-per-child={max_tasks_per_child}",
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
    parser.add_argument(
        "--pages-max-tasks", type=int, default=200, help="--max-tasks-per-child, as compose"
    )
    parser.add_argument("--media-max-tasks", type=int, default=20)
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
        "--stall-minutes",
        type=float,
        default=10.0,
        help="stop and report if no capture finishes for this long",
    )
    parser.add_argument(
        "--max-minutes", type=float, default=0.0, help="stop and report after this (0: never)"
    )
    parser.add_argument("--markdown", default="", help="append the run as a table row to FILE")
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
                         workdir / "all.log", args.pages_max_tasks),
        ]  # fmt: skip
    else:
        workers = [
            start_worker("pages", [queue_name(PAGES)], args.pages_concurrency, env,
                         workdir / "pages.log", args.pages_max_tasks),
            start_worker("media", [queue_name(MEDIA)], args.media_concurrency, env,
                         workdir / "media.log", args.media_max_tasks),
        ]  # fmt: skip
    time.sleep(8)  # workers ready (they only take work from the queues once it is sent)

    before = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in before)}")
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
    shown = progressed = time.monotonic()
    loads = [os.getloadavg()[0]]
    stopped = ""
    last_left = len(ids)
    try:
        while True:
            waiting = Capture.objects.filter(
                pk__in=ids, status__in=[CaptureStatus.QUEUED, CaptureStatus.RUNNING]
            )
            left = waiting.count()
            if not left:
                break
            now = time.monotonic()
            loads.append(os.getloadavg()[0])
            if left != last_left:
                last_left, progressed = left, now
            dead = [w for w in workers if w.poll() is not None]
            if dead:
                stopped = "a worker exited: " + ", ".join(
                    f"pid {w.pid}, code {w.returncode}" for w in dead
                )
            elif now - progressed >= args.stall_minutes * 60:
                stopped = f"no capture finished for {args.stall_minutes:g} min"
            elif args.max_minutes and now - started >= args.max_minutes * 60:
                stopped = f"--max-minutes {args.max_minutes:g} reached"
            if stopped:
                print(f"STOPPED after {now - started:.0f} s: {stopped}; {left} not done")
                break
            if now - shown >= 30:  # progress, so a cut-short run still tells
                shown = now
                pages_left = waiting.filter(pk__in=page_ids).count()
                print(
                    f"  {shown - started:6.0f} s: {len(page_ids) - pages_left} pages and "
                    f"{len(ids) - len(page_ids) - (left - pages_left)} videos done "
                    f"(load {loads[-1]:.1f})",
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
    print(f"drained in {total:.1f} s" if not stopped else f"stopped at {total:.1f} s ({stopped})")
    print(f"load average (1 min) during the run: {min(loads):.1f}-{max(loads):.1f}")
    results = report(ids, queued_at, args.browser)
    logs(workdir, full=bool(stopped))
    after = os.getloadavg()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in after)}")
    site.shutdown()
    row = markdown_row(args, commit, videos, results, total, stopped, before, after, loads)
    print("markdown row (the header: bench/mixed.py's MARKDOWN_HEADER):")
    print(row)
    if args.markdown:
        path = Path(args.markdown)
        new = not path.exists() or not path.stat().st_size
        with path.open("a") as out:
            out.write((MARKDOWN_HEADER if new else "") + row + "\n")
        print(f"appended to {path}")


def reason(text: str) -> str:
    """An error text without its addresses, numbers of a run or second line: a group."""
    text = re.sub(r"https?://\S+", "<url>", (text or "").strip().split("\n", 1)[0])
    text = re.sub(r"\b\d{3,}\b", "N", text)
    return text[:160] or "(no text recorded)"


def first_claim(started_at: dt.datetime | None, attempt_log: list[dict[str, Any]]) -> Any:
    """When a worker first took the capture (a retried one's started_at is its last claim)."""
    for entry in attempt_log:
        if entry.get("started_at"):
            return dt.datetime.fromisoformat(entry["started_at"].replace("Z", "+00:00"))
    return started_at


def report(ids: dict[int, str], queued_at: Any, browser: bool) -> dict[str, dict[str, Any]]:
    """Per queue: outcomes, throughput, waits, steps, failures and retries, printed."""
    from app.archive.models import Capture, CaptureStatus, CaptureStep

    rows = Capture.objects.filter(pk__in=ids).values_list(
        "pk", "status", "started_at", "finished_at", "attempt_log", "error_class", "error_text"
    )
    captures: dict[str, list[tuple[Any, ...]]] = {"page": [], "video": []}
    for row in rows:
        captures[ids[row[0]]].append(row)
    steps: dict[str, list[tuple[Any, ...]]] = {"page": [], "video": []}
    for step in CaptureStep.objects.filter(capture_id__in=ids).values_list(
        "capture_id", "name", "status", "started_at", "finished_at", "error_class", "error_text"
    ):
        steps[ids[step[0]]].append(step)
    results: dict[str, dict[str, Any]] = {}
    for kind, label in (("page", "pages"), ("video", "media")):
        got = captures[kind]
        if not got:
            continue
        outcomes = Counter(status for _pk, status, *_rest in got)
        waits, done, runs = [], [], []
        for _pk, _status, started_at, finished_at, attempt_log, *_e in got:
            claimed = first_claim(started_at, attempt_log)
            if claimed is not None:
                waits.append((claimed - queued_at).total_seconds())
            if finished_at is not None:
                done.append((finished_at - queued_at).total_seconds())
                if started_at is not None:
                    runs.append((finished_at - started_at).total_seconds())
        finished = sum(n for s, n in outcomes.items() if s not in ("queued", "running"))
        last = max(done, default=0.0)
        rate = finished / last * 60 if last else 0.0
        results[kind] = {
            "n": len(got), "outcomes": dict(outcomes), "rate": rate, "last": last,
            "wait_median": statistics.median(waits) if waits else float("nan"),
            "wait_p95": percentile(waits, 0.95), "wait_last": max(waits, default=float("nan")),
            "unclaimed": len(got) - len(waits),
        }  # fmt: skip
        print(
            f"  {label:<6} {len(got):>5} captures, {dict(outcomes)}: {rate:7.1f}/min "
            f"(last finished {last:.1f} s after queueing) | waited in queue: median "
            f"{results[kind]['wait_median']:.1f} s, p95 {percentile(waits, 0.95):.1f} s, "
            f"last {results[kind]['wait_last']:.1f} s"
            + (f" ({len(got) - len(waits)} never claimed)" if len(waits) < len(got) else "")
        )
        by_step: dict[str, Counter[str]] = {}
        browser_seconds = []
        for _c, name, status, s_at, f_at, _ec, _et in steps[kind]:
            by_step.setdefault(name, Counter())[status] += 1
            if name == "browser" and status == "succeeded" and s_at and f_at:
                browser_seconds.append((f_at - s_at).total_seconds())
        print(
            "         steps: "
            + ", ".join(
                f"{name} {counts.get('succeeded', 0)}"
                + "".join(f" {s} {n}" for s, n in counts.items() if s != "succeeded")
                for name, counts in by_step.items()
            )
        )
        print(
            f"         a capture's run: median {statistics.median(runs) if runs else 0:.2f} s, "
            f"p95 {percentile(runs, 0.95):.2f} s"
            + (
                f"; browser step median {statistics.median(browser_seconds):.2f} s, "
                f"p95 {percentile(browser_seconds, 0.95):.2f} s"
                if browser_seconds
                else ""
            )
        )
        ran = by_step.get("browser", Counter()).get("succeeded", 0)
        results[kind]["browser_ok"] = ran
        if kind == "page" and browser and ran < finished:
            print(f"         WARNING: screenshot and PDF made for only {ran} of {finished} pages")
        bad = Counter(
            f"{status}: not finished when the run stopped"
            if status in (CaptureStatus.QUEUED, CaptureStatus.RUNNING)
            else f"{status} / {error_class or '-'}: {reason(error_text)}"
            for _pk, status, _s, _f, _log, error_class, error_text in got
            if status != CaptureStatus.SUCCEEDED
        )
        failed_steps = Counter(
            f"step {name} {status} / {error_class or '-'}: {reason(error_text)}"
            for _c, name, status, _s, _f, error_class, error_text in steps[kind]
            if status == "failed"
        )
        retries = Counter(
            f"{entry.get('outcome')} / {entry.get('error_class') or '-'}: "
            f"{reason(entry.get('error_text', ''))}"
            for *_x, attempt_log, _ec, _et in got
            for entry in attempt_log
            if entry.get("outcome") not in ("succeeded", "partial", "failed")
        )
        results[kind]["failures"] = sum(bad.values())
        results[kind]["retries"] = sum(retries.values())
        for title, counter in (
            ("not succeeded", bad), ("failed steps", failed_steps), ("retried", retries)
        ):  # fmt: skip
            if counter:
                print(f"         {title}: {sum(counter.values())}")
                for text, n in counter.most_common(8):
                    print(f"           {n:>5} x {text}")
    return results


def logs(workdir: Path, *, full: bool) -> None:
    """The workers' warning and error lines, grouped (their tails too after a stop)."""
    for log in sorted(workdir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        grouped = Counter(
            reason(re.sub(r"^\[[^\]]*\]\s*", "", line))
            for line in lines
            if re.search(r"WARNING|ERROR|CRITICAL|Traceback|Error:", line)
        )
        if grouped:
            print(f"  {log.stem} worker log: {sum(grouped.values())} warning/error lines")
            for text, n in grouped.most_common(8):
                print(f"     {n:>5} x {text}")
        if full:
            print(f"  {log.stem} worker log, last 30 lines:")
            for line in lines[-30:]:
                print(f"     {line}")


MARKDOWN_HEADER = (
    "| date (UTC) | commit | captures (pages + videos) | browser | load before / during / after "
    "| drained s | pages/min | videos/min | last page waited s | page wait median / p95 s "
    "| not succeeded (pages, videos) | retries |\n"
    "|---|---|---|---|---|---:|---:|---:|---:|---|---|---:|\n"
)


def markdown_row(
    args: argparse.Namespace,
    commit: str,
    videos: int,
    results: dict[str, dict[str, Any]],
    total: float,
    stopped: str,
    before: tuple[float, float, float],
    after: tuple[float, float, float],
    loads: list[float],
) -> str:
    page = results.get("page", {})
    video = results.get("video", {})
    cells = [
        dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        commit or "?",
        f"{args.captures} ({args.captures - videos} + {videos})",
        "on" if args.browser else "off",
        f"{before[0]:.1f} / {min(loads):.1f}-{max(loads):.1f} / {after[0]:.1f}",
        f"{total:.0f}" + (f" (stopped: {stopped})" if stopped else ""),
        f"{page.get('rate', 0):.1f}",
        f"{video.get('rate', 0):.1f}",
        f"{page.get('wait_last', float('nan')):.0f}",
        f"{page.get('wait_median', float('nan')):.0f} / {page.get('wait_p95', 0):.0f}",
        f"{page.get('failures', 0)}, {video.get('failures', 0)}",
        f"{page.get('retries', 0) + video.get('retries', 0)}",
    ]
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()
