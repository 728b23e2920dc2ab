"""A third-party witness: the Internet Archive's Save Page Now, off unless ``WAYBACK_WITNESS``.

Public sources (cited by published evidence) with a finished capture are
queued as ``WaybackSubmission`` rows; a periodic task takes at most
``WAYBACK_PER_MINUTE`` due rows a minute and asks Save Page Now for the
address (``GET WAYBACK_SAVE_URL + address``, through the one safe client,
redirects not followed). The Wayback address it answers with (``Location``,
``Content-Location``, a memento ``Link`` or a ``/web/<timestamp>/`` link in
the body) is kept on ``Capture.wayback_url``. 429 and failures back off;
after ``MAX_ATTEMPTS`` the row is marked failed with the last error.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from app.archive.models import WITH_FILES, Capture
from app.catalog.access import public_sources
from app.lib.http import FetchError, fetch, parse_retry_after
from app.monitor.models import WaybackSubmission, WitnessStatus

MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=10)
BACKOFF = timedelta(hours=1)
RATE_LIMIT_PAUSE = timedelta(minutes=30)
SPN_TIMEOUT = 120.0
SPN_MAX_BYTES = 1024 * 1024
MEMENTO = re.compile(r"/web/\d{14}[a-z_]*/\S+?(?=[\"'<>\s]|$)")
ENQUEUE_BATCH = 200


class WitnessFailed(Exception):
    def __init__(self, message: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def enqueue_public_captures(*, now: datetime) -> int:
    """Queue finished captures of public sources that have no witness yet."""
    public = Capture.objects.filter(
        status__in=WITH_FILES,
        wayback_url="",
        wayback_submission__isnull=True,
        source__in=public_sources(),
    )
    ids = list(public.values_list("pk", flat=True).distinct()[:ENQUEUE_BATCH])
    WaybackSubmission.objects.bulk_create(
        [WaybackSubmission(capture_id=pk, next_attempt_at=now, created_at=now) for pk in ids],
        ignore_conflicts=True,
    )
    return len(ids)


def memento_address(*, location: str, body: str, base: str) -> str:
    """The Wayback address in a Save Page Now answer, absolute, or ''."""
    for candidate in (location, body[:SPN_MAX_BYTES]):
        match = MEMENTO.search(candidate or "")
        if match:
            return urljoin(base, match.group(0))
    return ""


def submit(capture: Capture) -> str:
    """Ask Save Page Now for the capture's address; the Wayback address, or ``WitnessFailed``."""
    target = settings.WAYBACK_SAVE_URL + capture.requested_url
    try:
        result = fetch(
            target, follow_redirects=False, total_timeout=SPN_TIMEOUT, max_bytes=SPN_MAX_BYTES
        )
    except FetchError as exc:
        raise WitnessFailed(f"{exc.error_class}: {exc.message}") from exc
    if result.status == 429 or result.status == 503:
        wait = parse_retry_after(result.header("retry-after"))
        pause = timedelta(seconds=wait) if wait is not None else RATE_LIMIT_PAUSE
        raise WitnessFailed(f"Save Page Now: HTTP {result.status}", retry_after=pause)
    if result.status >= 400:
        raise WitnessFailed(f"Save Page Now: HTTP {result.status} {result.reason}".strip())
    headers = " ".join(
        result.header_values("location")
        + result.header_values("content-location")
        + result.header_values("link")
    )
    address = memento_address(location=headers, body=result.text(), base=result.url)
    if not address:
        raise WitnessFailed("Save Page Now answered without a Wayback address")
    return address[:2000]


def _take(submission_id: int, now: datetime) -> bool:
    return bool(
        WaybackSubmission.objects.filter(
            pk=submission_id, status=WitnessStatus.QUEUED, next_attempt_at__lte=now
        ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    )


def _settle(submission: WaybackSubmission, now: datetime, error: WitnessFailed | None) -> None:
    submission.refresh_from_db(fields=["attempts"])
    if error is None:
        submission.status, submission.finished_at, submission.last_error = (
            WitnessStatus.DONE, now, "")  # fmt: skip
    elif submission.attempts >= MAX_ATTEMPTS and error.retry_after is None:
        submission.status, submission.finished_at = WitnessStatus.FAILED, now
        submission.last_error = error.message[:500]
    else:
        submission.next_attempt_at = now + (error.retry_after or BACKOFF * submission.attempts)
        submission.last_error = error.message[:500]
    submission.save(update_fields=["status", "finished_at", "last_error", "next_attempt_at"])


def witness_due(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Submit up to ``WAYBACK_PER_MINUTE`` due captures; returns how many were saved."""
    if not settings.WAYBACK_WITNESS:
        return 0
    now = now or timezone.now()
    enqueue_public_captures(now=now)
    due = WaybackSubmission.objects.filter(status=WitnessStatus.QUEUED, next_attempt_at__lte=now)
    saved = 0
    for submission in due.select_related("capture")[: limit or settings.WAYBACK_PER_MINUTE]:
        if not _take(submission.pk, now):
            continue
        try:
            address = submit(submission.capture)
        except WitnessFailed as exc:
            _settle(submission, now, exc)
            continue
        Capture.objects.filter(pk=submission.capture_id).update(wayback_url=address)
        _settle(submission, now, None)
        saved += 1
    return saved
