"""Captures through a real Celery worker: end to end, a killed worker, a dead broker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from app.archive.models import Capture, CaptureStatus
from app.archive.pipeline import sweep
from app.catalog.services import source_add
from tests.conftest import ROOT, wait_for, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def final(capture_id: int) -> Capture | None:
    capture = Capture.objects.get(pk=capture_id)
    return capture if capture.is_final else None


def slow_article(site_dir, seconds: float):
    body = (site_dir / "article.html").read_bytes()

    def route(handler):
        if handler.server.stopping.wait(seconds):
            return
        handler.reply(200, body)

    return route


def test_a_real_worker_archives_a_page_added_as_a_source(site, start_worker):
    start_worker()

    result = source_add(url=site.url_for("/article.html"))

    capture = result.source.captures.get()
    done = wait_for(lambda: final(capture.pk), timeout=120, interval=0.3)
    assert done.status == CaptureStatus.SUCCEEDED, done.error_text
    names = set(done.artifacts.values_list("name", flat=True))
    assert {"page.warc.gz", "text.txt", "screenshot.png", "page.pdf", "manifest.json"} <= names
    assert done.worker.startswith(socket.gethostname()[:100])


@pytest.mark.parametrize("victim", ["pool process", "whole worker"])
def test_a_capture_whose_worker_is_killed_finishes_after_the_sweep_with_each_file_once(
    site, site_dir, start_worker, settings, no_browser, victim
):
    site.routes["/slow"] = slow_article(site_dir, 3.0)
    worker = start_worker(concurrency=1, extra_env={"ARCHIVE_BROWSER_STEP": "0"})

    capture = source_add(url=site.url_for("/slow")).source.captures.get()
    wait_for(lambda: "/slow" in [r.path for r in site.requests], 60)  # mid-fetch
    if victim == "pool process":
        for pid in worker.pool_pids():
            os.kill(pid, signal.SIGKILL)
    else:
        worker.kill()
    assert Capture.objects.get(pk=capture.pk).status == CaptureStatus.RUNNING  # stuck

    later = timezone.now() + timedelta(seconds=settings.ARCHIVE_STUCK_AFTER + 1)
    report = sweep(now=later)
    assert report.requeued == 1
    sweep(now=later + timedelta(seconds=61))  # rings it again, as the next beat would
    if victim == "whole worker":
        start_worker(concurrency=1, extra_env={"ARCHIVE_BROWSER_STEP": "0"})

    done = wait_for(lambda: final(capture.pk), timeout=120, interval=0.3)
    assert done.status == CaptureStatus.SUCCEEDED, done.error_text
    assert done.attempts == 2
    names = Counter(done.artifacts.values_list("name", flat=True))
    assert names and set(names.values()) == {1}
    assert set(names) == {
        "page.warc.gz", "page.html", "text.txt", "metadata.json", "manifest.json",
        "signals-headers.json", "signals.json", "page.wacz",
    }  # fmt: skip
    assert [e["outcome"] for e in done.attempt_log] == ["lost", "succeeded"]


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ADD_SOURCE = textwrap.dedent(
    """
    import json, os, sys, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    django.setup()
    from app.catalog.services import source_add
    import app.archive.tasks, kombu.transport.redis  # imported by any running web process
    started = time.monotonic()
    result = source_add(url=sys.argv[1])
    print(json.dumps({"seconds": time.monotonic() - started, "source": result.source.pk}))
    """
)


def test_adding_a_source_answers_within_a_second_with_redis_down_and_is_archived_later(
    site, start_worker, no_browser
):
    dead = f"redis://127.0.0.1:{_dead_port()}/0"
    env = worker_env({"REDIS_URL": dead, "CELERY_BROKER_URL": dead, "ARCHIVE_BROWSER_STEP": "0"})

    ran = subprocess.run(
        [sys.executable, "-c", ADD_SOURCE, site.url_for("/article.html")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ran.returncode == 0, ran.stderr[-3000:]
    added = json.loads(ran.stdout.strip().splitlines()[-1])
    print(f"source_add with the broker down took {added['seconds']:.3f} s")
    assert added["seconds"] < 1.0
    capture = Capture.objects.get(source_id=added["source"])
    assert capture.status == CaptureStatus.QUEUED  # the row waits; the doorbell was lost

    start_worker(extra_env={"ARCHIVE_BROWSER_STEP": "0"})
    report = sweep(now=timezone.now() + timedelta(seconds=61))

    assert report.resent == 1
    done = wait_for(lambda: final(capture.pk), timeout=120, interval=0.3)
    assert done.status == CaptureStatus.SUCCEEDED, done.error_text
