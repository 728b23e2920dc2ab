"""Starting captures. The row is the truth; the broker is only a doorbell.

`request_capture` writes a queued `Capture` and rings the worker after the
transaction commits. If the broker is down the ring is lost, not the work:
the periodic sweep (`archive.sweep`) re-sends queued captures.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from app.accounts.models import User
from app.archive.models import Capture, CaptureOrigin, CaptureStatus
from app.archive.states import CaptureState, describe_capture
from app.archive.uploads import FileType
from app.catalog.models import Source

log = logging.getLogger(__name__)


# The attempt log's outcome for a page run that handed its capture to the media queue.
MEDIA_HANDOFF = "handed to the media queue"
# Addresses that are videos before anything is fetched: sent straight to the media queue.
MEDIA_SUFFIXES = (".m3u8", ".mp4", ".m4v", ".webm", ".mov", ".mkv")
VIDEO_HOSTS = frozenset(
    {"youtube.com", "youtu.be", "vimeo.com", "dailymotion.com", "twitch.tv", "tiktok.com"}
)


def looks_like_media(url: str) -> bool:
    """A video address by its form alone (the page queue hands over the rest)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    return host in VIDEO_HOSTS or parts.path.lower().endswith(MEDIA_SUFFIXES)


def needs_media_queue(capture_id: int) -> bool:
    row = Capture.objects.filter(pk=capture_id).values_list("requested_url", "attempt_log").first()
    if row is None:
        return False
    url, attempt_log = row
    handed = any(entry.get("outcome") == MEDIA_HANDOFF for entry in attempt_log or [])
    return handed or looks_like_media(url or "")


def ring(capture_id: int, *, countdown: float | None = None, media: bool | None = None) -> bool:
    """Send the capture task; never raise or hang (the sweep is the safety net).

    ``media`` picks the task, hence the queue (app/celery.py): ``run_media_capture``
    for a video, ``run_capture`` for a page; None looks at the capture's address and
    attempt log. Returns False when the broker could not be reached. Publishing gives
    up after ``CELERY_BROKER_CONNECTION_TIMEOUT`` and the bounded
    ``CELERY_TASK_PUBLISH_RETRY_POLICY``, so a web request is never held up for long
    by a dead broker.
    """
    from app.archive.tasks import run_capture, run_media_capture

    try:
        if media is None:
            media = needs_media_queue(capture_id)
        task = run_media_capture if media else run_capture
        if countdown is None:
            task.apply_async(args=(capture_id,), retry=True)
        else:
            task.apply_async(args=(capture_id,), retry=True, countdown=countdown)
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
        media = looks_like_media(capture.requested_url)
        transaction.on_commit(lambda: ring(capture.pk, media=media))
    return capture


def capture_for_new_source(*, source: Source, actor: User | None = None, **_kwargs: object) -> None:
    """Answer `app.catalog.signals.source_created`: a new source's first capture,
    queued in the transaction that created the source."""
    request_capture(source=source, actor=actor)


class RetryRefused(Exception):
    """A retry that cannot succeed: the latest capture failed for a reason no
    other try fixes (``states.RETRYABLE_ERRORS``). ``capture_state`` says why, in plain words."""

    def __init__(self, capture_state: CaptureState) -> None:
        super().__init__(capture_state.explanation)
        self.capture_state = capture_state

    @property
    def message(self) -> str:
        return _("Archiving again would fail the same way: %(why)s") % {
            "why": self.capture_state.explanation
        }


def capture_retry(*, source: Source, actor: User) -> Capture:
    """Queue a new capture of ``source``, unless one is already waiting or running.

    Raises ``RetryRefused`` when the latest capture failed for a reason another
    try cannot fix (a private address, a page that no longer exists, ...): the one
    rule every caller (the workspace, the write API) goes through.
    """
    with transaction.atomic():
        Source.objects.select_for_update().filter(pk=source.pk).first()
        active = source.captures.filter(
            status__in=[CaptureStatus.QUEUED, CaptureStatus.RUNNING]
        ).first()
        if active is not None:
            return active
        latest = source.captures.order_by("-created_at", "-id").first()
        if latest is not None and latest.status == CaptureStatus.FAILED:
            state = describe_capture(latest.status, latest.error_class, latest.error_text)
            if not state.retryable:
                raise RetryRefused(state)
        return request_capture(source=source, actor=actor, origin=CaptureOrigin.RETRY)


def capture_upload(
    *,
    source: Source,
    actor: User,
    filetype: FileType,
    filename: str,
    path: str | None = None,
    data: bytes | None = None,
) -> Capture:
    """Record an editor's own copy of a source as a new capture with origin "upload".

    The file is hashed and stored like any archived artifact, and the capture
    gets a manifest; ``how`` and the metadata say who uploaded it.
    """
    from app.archive.manifest import write_manifest
    from app.archive.storage import store_artifact

    now = timezone.now()
    who = actor.get_username()
    capture = Capture.objects.create(
        source=source,
        status=CaptureStatus.SUCCEEDED,
        origin=CaptureOrigin.UPLOAD,
        requested_by=actor,
        requested_url=source.normalized_url,
        started_at=now,
        finished_at=now,
        content_type=filetype.media_type,
        tool_versions={"upload": "trainedon editor"},
    )
    stem = slugify(filename.rsplit(".", 1)[0])[:80] or "upload"
    store_artifact(
        capture=capture,
        kind=filetype.kind,
        name=f"{stem}{filetype.extension}",
        path=path,
        data=data,
        media_type=filetype.media_type,
        how=f"uploaded by {who}",
        metadata={"uploaded_by": who, "original_name": filename[:200]},
    )
    write_manifest(capture)
    return capture
