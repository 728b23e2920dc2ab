"""Archive tasks: thin adapters that load by id and call the pipeline.

Time limits: the soft limit leaves the pipeline time to record a timeout;
the hard limit kills the pool process (Chromium dies with it, see
app.archive.browser). Both are far below the Redis visibility timeout
(``CELERY_BROKER_TRANSPORT_OPTIONS``) and ``ARCHIVE_STUCK_AFTER``; see
docs/archive.md.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_init, worker_process_shutdown
from django.conf import settings

from app.archive.browser import BrowserProvider

# fetch + extract + browser + media + document + manifest, each bounded, plus slack.
SOFT_TIME_LIMIT = int(
    settings.ARCHIVE_TOTAL_TIMEOUT
    + 3 * settings.ARCHIVE_STEP_TIME_LIMIT
    + settings.ARCHIVE_MEDIA_TIME_LIMIT
    + 60
)
HARD_TIME_LIMIT = SOFT_TIME_LIMIT + 60
# The page queue's captures never run the media step (they hand it over).
PAGE_SOFT_TIME_LIMIT = int(
    settings.ARCHIVE_TOTAL_TIMEOUT + 3 * settings.ARCHIVE_STEP_TIME_LIMIT + 60
)
PAGE_HARD_TIME_LIMIT = PAGE_SOFT_TIME_LIMIT + 60

_browsers: BrowserProvider | None = None


def worker_browsers() -> BrowserProvider:
    """This worker process's browsers: one per thread, reused for 50 captures."""
    global _browsers
    if _browsers is None:
        _browsers = BrowserProvider(settings.ARCHIVE_BROWSER, max_uses=50)
    return _browsers


@worker_init.connect
def _warm_up(**kwargs: object) -> None:
    """Load extraction models in the parent, so every pool process inherits them."""
    from app.archive.steps.extract import warm_up

    warm_up()


@worker_process_shutdown.connect
def _close_browsers(**kwargs: object) -> None:
    if _browsers is not None:
        _browsers.close()


def _run(capture_id: int, *, media: bool) -> None:
    from app.archive.pipeline import RING_COUNTDOWN_MAX, run_capture_by_id
    from app.archive.services import ring

    outcome = run_capture_by_id(capture_id, browser=worker_browsers(), defer_media=not media)
    if outcome.handed_to_media:
        ring(capture_id, media=True)
    elif outcome.retry_in is not None and outcome.retry_in <= RING_COUNTDOWN_MAX:
        ring(capture_id, countdown=outcome.retry_in, media=media)
    elif outcome.ran:
        from app.archive.timestamps import stamp_after_capture

        stamp_after_capture(capture_id, outcome.status)


@shared_task(
    name="archive.run_capture",
    ignore_result=True,
    soft_time_limit=PAGE_SOFT_TIME_LIMIT,
    time_limit=PAGE_HARD_TIME_LIMIT,
)
def run_capture(capture_id: int) -> None:
    """Run one page capture by id (the ``pages`` queue); a page that shows a video is
    handed to ``run_media_capture``; a transient failure is rung again after its backoff."""
    _run(capture_id, media=False)


@shared_task(
    name="archive.run_media_capture",
    ignore_result=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
)
def run_media_capture(capture_id: int) -> None:
    """Run one capture with its media step (the ``media`` queue, long time limits)."""
    _run(capture_id, media=True)


@shared_task(name="archive.sweep", ignore_result=True, soft_time_limit=120, time_limit=180)
def sweep() -> None:
    """Re-send captures that are queued or stuck (app.archive.pipeline.sweep)."""
    from app.archive.pipeline import sweep as do_sweep

    do_sweep()


@shared_task(
    name="archive.stamp",
    bind=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=180,
    time_limit=240,
)
def stamp(self: Any, capture_id: int) -> None:
    """RFC 3161 tokens for a capture's manifest from every configured authority
    (app.archive.timestamps); an authority that fails is asked again with backoff."""
    from app.archive.timestamps import StampIncomplete, stamp_capture

    outcome = stamp_capture(capture_id)
    if outcome.failed:
        raise StampIncomplete("; ".join(f"{u}: {e}" for u, e in outcome.failed.items()))
