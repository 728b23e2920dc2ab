"""Starting captures. The row is the truth; the broker is only a doorbell.

`request_capture` writes a queued `Capture` and rings the worker after the
transaction commits. If the broker is down the ring is lost, not the work:
the periodic sweep (`archive.sweep`) re-sends queued captures.
"""

from __future__ import annotations

import logging

from django.db import transaction

from app.accounts.models import User
from app.archive.models import Capture, CaptureOrigin, CaptureStatus
from app.catalog.models import Source
from app.catalog.services import SourceResult, source_get_or_create

log = logging.getLogger(__name__)


def ring(capture_id: int, *, countdown: float | None = None) -> bool:
    """Send the capture task; never raise or hang (the sweep is the safety net).

    Returns False when the broker could not be reached. Publishing gives up
    after ``CELERY_BROKER_CONNECTION_TIMEOUT`` and the bounded
    ``CELERY_TASK_PUBLISH_RETRY_POLICY``, so a web request is never held up
    for long by a dead broker.
    """
    from app.archive.tasks import run_capture

    try:
        if countdown is None:
            run_capture.apply_async(args=(capture_id,), retry=True)
        else:
            run_capture.apply_async(args=(capture_id,), retry=True, countdown=countdown)
    except Exception:  # broker down: the sweep will re-send this queued capture
        log.warning("could not enqueue capture %s; the sweep will retry", capture_id, exc_info=True)
        return False
    return True


def request_capture(
    *,
    source: Source,
    actor: User | None = None,
    origin: str = CaptureOrigin.SUBMITTED,
    enqueue: bool = True,
) -> Capture:
    """Create a queued capture of a source and enqueue it after commit.

    ``enqueue=False`` leaves the ringing to the caller (``manage.py archive``
    runs the capture itself; a bench drives many at once).
    """
    capture = Capture.objects.create(
        source=source,
        status=CaptureStatus.QUEUED,
        origin=origin,
        requested_by=actor,
        requested_url=source.normalized_url,
    )
    if enqueue:
        transaction.on_commit(lambda: ring(capture.pk))
    return capture


def source_add(*, url: str, actor: User | None = None, kind: str = "") -> SourceResult:
    """Find or create the source of an address; a new source gets its first capture.

    Raises `app.lib.urls.InvalidURL` for text that is not an http(s) address.
    """
    with transaction.atomic():
        result = source_get_or_create(url=url, actor=actor, kind=kind)
        if result.created:
            request_capture(source=result.source, actor=actor)
    return result
