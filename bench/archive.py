"""Capture throughput: the real pipeline on generated article pages served on loopback.

    .venv/bin/python bench/archive.py [--pages 300] [--threads 50]
        [--browser-pages 60] [--browser-threads 4] [--delay 0.5] [--no-wget]
        [--skip signals,wacz] [--warm-site] [--sites 1]

A local server answers every request (pages and their images) after
``--delay`` seconds, like a distant site. Pages are realistic articles of
50-300 KB (navigation, paragraphs, images, inline script), all different.
One forked process per core, each with a thread pool, drives
``app.archive.pipeline.run_capture_by_id``, the very function the Celery
task calls (as a worker with ``-P threads`` on each core would), on a
throwaway SQLite database or ``--database-url`` (an empty PostgreSQL
database: SQLite serializes writers and stalls under 50 threads). First
without the browser step, then with screenshot and PDF (one reused browser
per thread), then ``wget --warc-file`` fetches the same pages with the same
concurrency as the floor. Prints pages per
minute, median and p95 seconds per capture, and CPU seconds (this process
and all its descendants, Chromium's renderers included: each driving process
adopts and reaps its orphans). Numbers only, no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "model training data footage game stream creator licence court regulator summary "
    "dataset video frames interface inventory texture evidence statement company research "
    "analysis comparison output prompt archive source article publisher report lawsuit "
    "copyright platform public available licensed policy transparency audit sample"
).split()


# --------------------------------------------------------------------------
# The "internet": generated pages behind a slow server
# --------------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))).capitalize() + "."


def article(number: int, size: int, rng: random.Random) -> bytes:
    """A plausible news page of about ``size`` bytes, different for every number.

    Like real ones, most of it is not the story: navigation, inline styles,
    an inline state script, related links, a footer. The story itself is
    6-14 paragraphs.
    """
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(60))
    style = "".join(
        f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i:06x}}}" for i in range(300)
    )
    story = "".join(
        "<p>" + " ".join(_sentence(rng) for _ in range(rng.randint(3, 6))) + "</p>"
        for _ in range(rng.randint(6, 14))
    )
    head = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Report {number}: what model {number} was trained on</title>"
        f'<meta name="author" content="Reporter {number % 17}">'
        f'<meta property="og:site_name" content="Bench News">'
        f'<meta name="description" content="Article {number} about training data.">'
        f'<link rel="canonical" href="https://bench.example/articles/{number}">'
        f'<meta property="article:published_time" content="2024-12-{number % 28 + 1:02d}T09:00:00Z">'
        f"<style>{style}</style></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article>"
        f"<h1>Report {number}: what model {number} was trained on</h1>"
        f'<img src="/img/{number}-a.png" width="640" height="360" alt="">{story}'
        f'<img src="/img/{number}-b.png" width="640" height="360" alt=""></article>'
    )
    related = "".join(
        f'<li><a href="/articles/{rng.randint(0, 10**6)}">{_sentence(rng)}</a></li>'
        for _ in range(30)
    )
    tail = (
        f"<aside><h2>Related</h2><ul>{related}</ul></aside></main>"
        f"<footer><p>© Bench News {number}</p></footer>"
    )
    filler = []
    length = len(head) + len(tail) + 40
    while length < size:
        chunk = f'"k{length}":"{rng.getrandbits(256):064x}",'
        filler.append(chunk)
        length += len(chunk)
    state = "<script>window.__STATE__={" + "".join(filler) + '"end":1};</script>'
    return (head + tail + state + "</body></html>").encode()


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


class SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SlowServer

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        path = self.path.split("?", 1)[0]
        if path.startswith("/img/"):
            body, kind = PNG, "image/png"
        elif path in self.server.pages:
            body, kind = self.server.pages[path], "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SlowServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self, pages: dict[str, bytes], delay: float) -> None:
        self.pages = pages
        self.delay = delay
        super().__init__(("127.0.0.1", 0), SlowHandler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans.

    Chromium's renderers are children of its zygote, which is a child of the
    browser process; when a browser is killed they are orphaned. Adopted and
    reaped here (``reap_all``), their CPU time reaches ``RUSAGE_CHILDREN``
    (a renderer reaped by its zygote counts in the zygote's). Without it the
    bench counted only the Chromium processes alive at the end and missed
    every closed context's renderer: about a third of the browser step's CPU."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_all(timeout: float = 15.0) -> None:
    """Wait for every child and adopted orphan (all killed by now), so their CPU counts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


@dataclass
class Result:
    label: str
    pages: int
    seconds: float
    per_page: list[float]
    cpu: float
    outcomes: dict[str, int]
    steps: dict[str, tuple[float, float]] | None = None

    def show(self) -> None:
        rate = self.pages / self.seconds * 60 if self.seconds else 0
        ordered = sorted(self.per_page) or [0.0]
        p95 = percentile(ordered, 0.95)
        print(
            f"{self.label:<34} {self.pages:>5} pages in {self.seconds:7.2f} s = "
            f"{rate:8.1f} pages/min | per capture median {statistics.median(ordered):.2f} s, "
            f"p95 {p95:.2f} s | CPU {self.cpu:7.2f} s ({self.cpu / max(self.pages, 1):.3f} s/page)"
            f" | {self.outcomes}"
        )
        if self.steps:
            shown = ", ".join(f"{n} {m:.2f}/{p:.2f}" for n, (m, p) in self.steps.items())
            print(f"{'':<34} steps, median/p95 s: {shown}")


# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------


def _drive(ids: list[int], threads: int, browser: bool, results: Any, pool: int = 0) -> None:
    """In a child process: run captures with a thread pool, report timings.

    ``pool``: that many browsers shared by the threads (``BrowserProvider(pool_size=...)``);
    0 gives each thread a browser of its own."""
    from django.conf import settings
    from django.db import connection

    from app.archive.browser import BrowserProvider
    from app.archive.pipeline import run_capture_by_id

    adopt_orphans()
    provider = (
        BrowserProvider(settings.ARCHIVE_BROWSER, max_uses=10_000, pool_size=pool or None)
        if browser
        else None
    )
    timings: list[float] = []
    crashed: list[str] = []
    lock = threading.Lock()

    def one(capture_id: int) -> None:
        started = time.monotonic()
        try:
            run_capture_by_id(capture_id, browser=provider)
        except Exception as exc:  # a bench counts failures instead of stopping
            with lock:
                crashed.append(f"{type(exc).__name__}: {exc}")
        elapsed = time.monotonic() - started
        with lock:
            timings.append(elapsed)
        connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, ids))
    if provider is not None:
        provider.close()
    reap_all()  # the CPU of every Chromium process reaches RUSAGE_CHILDREN through us
    results.put((timings, crashed[:5], len(crashed)))


WARM_SITE = False  # set by --warm-site


def run_pipeline(
    label: str, urls: list[str], processes: int, threads: int, browser: bool, pool: int = 0
) -> Result:
    """Create the captures, then drive them from ``processes`` forked processes."""
    import multiprocessing

    from django.conf import settings
    from django.db import connections

    from app.archive.models import Capture
    from app.archive.services import request_capture
    from app.archive.steps.extract import warm_up
    from app.catalog.models import Source
    from app.lib.urls import normalize_url

    settings.ARCHIVE_BROWSER_STEP = browser
    ids = []
    for url in urls:
        source = Source.objects.create(url=url, normalized_url=normalize_url(url))
        ids.append(request_capture(source=source, enqueue=False).pk)
    if WARM_SITE and getattr(settings, "ARCHIVE_SIGNALS_STEP", True):
        # --warm-site: the sites' robots.txt, ai.txt and tdmrep.json already fetched
        # today (sites captured before), so the run measures the cached step only.
        from app.archive.steps.consent import host_files, origin_of

        for origin in sorted({origin_of(url) for url in urls}):
            host_files(origin)
    warm_up()  # load models once, before forking, as the Celery worker does
    connections.close_all()  # never share a connection across fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    per_process = max(threads // processes, 1)
    cpu_before, started = cpu_seconds(), time.monotonic()
    children = [
        context.Process(target=_drive, args=(ids[n::processes], per_process, browser, queue, pool))
        for n in range(processes)
    ]
    for child in children:
        child.start()
    reports = [queue.get() for _ in children]
    for child in children:
        child.join()
    seconds = time.monotonic() - started
    timings = [t for report in reports for t in report[0]]
    cpu = cpu_seconds() - cpu_before
    outcomes: dict[str, int] = {}
    for status in Capture.objects.filter(pk__in=ids).values_list("status", flat=True):
        outcomes[status] = outcomes.get(status, 0) + 1
    crashed = sum(report[2] for report in reports)
    if crashed:
        outcomes["crashed"] = crashed
        print("  crashes:", [m for report in reports for m in report[1]][:5])
    label = f"{label}, {processes}x{per_process} threads" + (f", {pool} browsers" if pool else "")
    result = Result(label, len(ids), seconds, timings, cpu, outcomes)
    result.steps = step_times(ids)
    return result


def step_times(ids: list[int]) -> dict[str, tuple[float, float]]:
    """Median and p95 seconds of each step, from the CaptureStep rows."""
    from app.archive.models import CaptureStep

    durations: dict[str, list[float]] = {}
    for name, begun, ended in CaptureStep.objects.filter(capture_id__in=ids).values_list(
        "name", "started_at", "finished_at"
    ):
        if begun and ended:
            durations.setdefault(name, []).append((ended - begun).total_seconds())
    return {name: (statistics.median(v), percentile(v, 0.95)) for name, v in durations.items()}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_wget(urls: list[str], threads: int, workdir: Path) -> Result | None:
    wget = shutil.which("wget")
    if wget is None:
        print("wget not installed: no floor measured")
        return None
    slices = [urls[i::threads] for i in range(min(threads, len(urls)))]
    cpu_before, started = cpu_seconds(), time.monotonic()
    processes = []
    for number, chunk in enumerate(slices):
        listing = workdir / f"urls-{number}.txt"
        listing.write_text("\n".join(chunk) + "\n")
        processes.append(
            subprocess.Popen(
                [
                    wget,
                    "--quiet",
                    "--no-check-certificate",
                    f"--warc-file={workdir / f'wget-{number}'}",
                    "--no-warc-keep-log",
                    "-O",
                    os.devnull,
                    "-i",
                    str(listing),
                ],
                cwd=workdir,
            )
        )
    for process in processes:
        process.wait()
    seconds = time.monotonic() - started
    ok = sum(1 for p in processes if p.returncode == 0)
    per_page = [seconds / max(len(s), 1) for s in slices for _ in s]
    return Result(
        "wget --warc-file (floor)",
        len(urls),
        seconds,
        per_page,
        cpu_seconds() - cpu_before,
        {"processes ok": ok, "processes": len(processes)},
    )


@contextmanager
def scratch_database(url: str | None) -> Iterator[str | None]:
    """For a PostgreSQL URL: a fresh, empty database on that server, dropped afterwards."""
    if not url or not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'trainedon'}_bench_{os.getpid()}"
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(workdir: Path, database_url: str | None) -> None:
    os.environ["DATA_DIR"] = str(workdir)
    os.environ["MEDIA_ROOT"] = str(workdir / "archive")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["SECRET_KEY"] = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(60)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log growing in memory
    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=50, help="in all processes together")
    parser.add_argument("--browser-pages", type=int, default=60)
    parser.add_argument("--browser-threads", type=int, default=4, help="in all processes")
    parser.add_argument(
        "--browser-pool",
        type=int,
        default=0,
        help="browsers per process shared by its threads (0: one per thread)",
    )
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-wget", action="store_true")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated optional steps to turn off, to compare: signals, wacz",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL server to create a scratch database on (default: $DATABASE_URL); "
        "without one, a throwaway SQLite file",
    )
    parser.add_argument(
        "--warm-site",
        action="store_true",
        help="fetch the site's robots.txt, ai.txt and tdmrep.json before the timed runs "
        "(the signals step's per-site, per-day cache warm, as for any site but the day's first)",
    )
    parser.add_argument(
        "--sites",
        type=int,
        default=1,
        help="spread the pages over this many sites (origins), each fetching its signal "
        "files on its first capture (default 1: every page from one site)",
    )
    args = parser.parse_args()
    global WARM_SITE
    WARM_SITE = args.warm_site

    workdir = Path(tempfile.mkdtemp(prefix="trainedon-bench-"))
    try:
        with scratch_database(args.database_url) as database_url:
            bench(args, workdir, database_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bench(args: argparse.Namespace, workdir: Path, database_url: str | None) -> None:
    setup_django(workdir, database_url)
    from django.conf import settings

    rng = random.Random(args.seed)
    total = args.pages + args.browser_pages
    pages = {f"/articles/{n}": article(n, rng.randint(50_000, 300_000), rng) for n in range(total)}
    sizes = sorted(len(p) for p in pages.values())
    # --sites: the pages spread over that many sites (one server each, its own port, so its
    # own origin): each site's first capture of the day fetches its robots.txt, ai.txt
    # and tdmrep.json, which the site's other captures then share.
    servers = [SlowServer(pages, args.delay) for _ in range(max(args.sites, 1))]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ARCHIVE_ALLOW_HOSTS = [f"127.0.0.1:{s.server_address[1]}" for s in servers]
    skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
    settings.ARCHIVE_SIGNALS_STEP = "signals" not in skipped
    settings.ARCHIVE_WACZ_STEP = "wacz" not in skipped
    print(f"optional steps off: {', '.join(sorted(skipped)) or 'none'}")
    print(
        f"{len(servers)} site(s); their robots.txt, ai.txt and tdmrep.json "
        + ("fetched before the run (--warm-site)" if WARM_SITE else "fetched in the run")
    )
    urls = [servers[n % len(servers)].url(path) for n, path in enumerate(pages)]
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{total} generated pages, {sizes[0] // 1024}-{sizes[-1] // 1024} KB "
        f"(median {statistics.median(sizes) / 1024:.0f} KB), each request answered after "
        f"{args.delay} s; {os.cpu_count()} CPUs; database {settings.DATABASES['default']['ENGINE']}"
    )
    results = []
    if args.pages:
        results.append(
            run_pipeline(
                "pipeline, no browser",
                urls[: args.pages],
                args.processes,
                args.threads,
                browser=False,
            )
        )
        results[-1].show()
    if args.browser_pages:
        results.append(
            run_pipeline(
                "pipeline + browser",
                urls[args.pages :],
                args.processes,
                args.browser_threads,
                browser=True,
                pool=args.browser_pool,
            )
        )
        results[-1].show()
    if args.pages and not args.no_wget:
        floor = run_wget(urls[: args.pages], args.threads, workdir)
        if floor is not None:
            floor.show()
    for server in servers:
        server.shutdown()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
