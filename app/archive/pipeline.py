"""Running captures: claim, run the registered steps, finish, retry, sweep.

The capture row is the truth (docs/archive.md has the whole story):

1. ``claim``: a conditional update ``queued -> running`` (only once
   ``not_before`` has passed) with a fresh run token. Zero rows updated means
   another run has it or it is not due: a repeated task is harmless.
2. Each step in ``app.archive.steps.STEPS`` whose ``should_run(ctx)`` holds
   runs outside any transaction and writes under a lock that re-checks the
   token, and is recorded as a ``CaptureStep`` row whatever happens.
3. ``finish``: succeeded, partial (some step failed, the rest is kept),
   failed, or back to queued with ``not_before`` for a transient failure
   (timeout, connection, 5xx, 429 with Retry-After) until the attempts run
   out.
4. ``sweep`` (every minute, from beat): re-queues captures stuck running
   past ``ARCHIVE_STUCK_AFTER`` (their worker died) and re-sends queued
   ones whose doorbell was lost (broker down, Redis restarted).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from app.archive.browser import BrowserProvider
from app.archive.manifest import iso_utc
from app.archive.models import Capture, CaptureStatus, CaptureStep, ErrorClass, StepStatus
from app.archive.services import MEDIA_HANDOFF, ring
from app.archive.steps import STEPS
from app.archive.steps.base import (
    CaptureContext,
    LostClaim,
    Step,
    StepFailed,
    StepOutcome,
    StepSkipped,
    StepTimeout,
)

log = logging.getLogger(__name__)

# Overridable in settings (tests do); not environment variables on purpose.
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_RETRY_BACKOFF = 30.0  # seconds before the 2nd attempt; doubles each time
MAX_BACKOFF = 3600.0
MAX_RETRY_AFTER = 6 * 3600.0
RESEND_AFTER = timedelta(seconds=60)
# Retries sooner than this are rung with a countdown; later ones wait for the sweep
# (a countdown longer than the broker's visibility timeout would be redelivered).
RING_COUNTDOWN_MAX = 600.0
SWEEP_BATCH = 500


@dataclass(frozen=True)
class RunOutcome:
    capture_id: int
    ran: bool
    status: str = ""
    error_class: str = ""
    retry_in: float | None = None
    handed_to_media: bool = False


@dataclass(frozen=True)
class SweepReport:
    requeued: int
    gave_up: int
    resent: int


def max_attempts() -> int:
    return int(getattr(settings, "ARCHIVE_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def retry_delay(attempts: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter, never sooner than the server's Retry-After."""
    base = float(getattr(settings, "ARCHIVE_RETRY_BACKOFF", DEFAULT_RETRY_BACKOFF))
    backoff = min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF) * random.uniform(0.8, 1.2)
    if retry_after is not None:
        backoff = max(backoff, min(retry_after, MAX_RETRY_AFTER))
    return round(backoff, 3)


def new_token() -> str:
    """Who runs this attempt: host, process, thread and a random part."""
    host = socket.gethostname()[:100]
    return f"{host}:{os.getpid()}:{threading.get_ident() % 100000}:{uuid.uuid4().hex[:8]}"


def claim(capture_id: int, token: str, now: datetime) -> bool:
    """Take a queued, due capture for this run; False if someone else has it."""
    due = Q(not_before__isnull=True) | Q(not_before__lte=now)
    updated = Capture.objects.filter(due, pk=capture_id, status=CaptureStatus.QUEUED).update(
        status=CaptureStatus.RUNNING,
        started_at=now,
        finished_at=None,
        attempts=F("attempts") + 1,
        worker=token,
    )
    return updated == 1


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------


@contextmanager
def soft_limit(seconds: float) -> Iterator[None]:
    """Raise ``StepTimeout`` in this step after ``seconds`` (main thread only).

    A backstop for steps that cannot bound themselves (parsing hostile
    markup). Not armed off the main thread, nor when another alarm is
    already set (pytest-timeout, for one); the task's soft time limit still
    applies there.
    """
    usable = (
        threading.current_thread() is threading.main_thread()
        and seconds > 0
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise StepTimeout(f"the step passed its time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _step_started(ctx: CaptureContext, step: Step, started_at: datetime) -> None:
    # A plain insert: an earlier attempt's rows were cleared when this one began.
    with ctx.locked():
        CaptureStep.objects.create(
            capture=ctx.capture,
            name=step.name,
            status=StepStatus.RUNNING,
            tool=step.tool,
            tool_version=step.version()[:100],
            started_at=started_at,
        )


def _step_finished(
    ctx: CaptureContext,
    step: Step,
    started_at: datetime,
    status: str,
    outcome: StepOutcome,
    error: StepFailed | None,
) -> None:
    """Record the step's outcome, with the writes it handed over (``write_with_step_row``)
    in the same transaction; if those fail, the step is recorded as failed without them."""
    writes, ctx.pending_writes = ctx.pending_writes, []
    try:
        _record_step(ctx, step, started_at, _step_fields(status, outcome, error), writes)
    except LostClaim:
        raise
    except Exception as exc:
        if not writes:
            raise
        log.exception(
            "capture %s: the rows of step %s could not be written", ctx.capture.pk, step.name
        )
        if error is None:
            error = StepFailed(ErrorClass.INTERNAL, f"{type(exc).__name__}: {exc}")
            ctx.failures.append((step.name, error))
            if step.required:
                ctx.fatal = error
        fields = _step_fields(StepStatus.FAILED, outcome, error)
        _record_step(ctx, step, started_at, fields, [])


def _step_fields(status: str, outcome: StepOutcome, error: StepFailed | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": timezone.now(),
        "details": outcome.details,
        "error_class": error.error_class if error else "",
        "error_text": error.message[:5000] if error else outcome.details.get("skipped", ""),
    }
    if outcome.tool_version:
        fields["tool_version"] = outcome.tool_version[:100]
    return fields


def _record_step(
    ctx: CaptureContext,
    step: Step,
    started_at: datetime,
    fields: dict[str, Any],
    writes: list[Callable[[], None]],
) -> None:
    with ctx.locked():
        for write in writes:
            write()
        if step.recorded_at_end:
            fields.setdefault("tool_version", step.version()[:100])
            CaptureStep.objects.create(
                capture=ctx.capture, name=step.name, tool=step.tool, started_at=started_at, **fields
            )
        else:
            CaptureStep.objects.filter(capture=ctx.capture, name=step.name).update(**fields)


def run_step(ctx: CaptureContext, step: Step) -> None:
    """Run one step and record it; failures are recorded, never raised (but ``LostClaim``)."""
    started_at = timezone.now()
    if not step.recorded_at_end:
        _step_started(ctx, step, started_at)
    outcome, status, error = StepOutcome(), StepStatus.SUCCEEDED, None
    try:
        with soft_limit(step.time_limit()):
            outcome = step.run(ctx) or StepOutcome()
    except StepSkipped as exc:
        status, outcome = StepStatus.SKIPPED, StepOutcome(details={"skipped": str(exc)})
    except StepFailed as exc:
        error = exc
    except StepTimeout as exc:
        error = StepFailed(ErrorClass.TIMEOUT, str(exc))
    except SoftTimeLimitExceeded:
        error = StepFailed(ErrorClass.TIMEOUT, "the capture passed the task's soft time limit")
        ctx.fatal = error  # the hard limit is near: finish now
    except LostClaim:
        raise
    except Exception as exc:
        log.exception("capture %s: step %s crashed", ctx.capture.pk, step.name)
        error = StepFailed(ErrorClass.INTERNAL, f"{type(exc).__name__}: {exc}")
    if error is not None:
        status = StepStatus.FAILED
        ctx.failures.append((step.name, error))
        if step.required:
            ctx.fatal = error
    _step_finished(ctx, step, started_at, status, outcome, error)


# --------------------------------------------------------------------------
# A whole capture
# --------------------------------------------------------------------------


def _clear_leftovers(ctx: CaptureContext) -> None:
    """Forget the steps and files of an earlier, unfinished attempt of this capture.

    Only rows go: stored files are content-addressed and may be shared.
    """
    capture = ctx.capture
    if capture.attempts <= 1:
        return
    with ctx.locked():
        capture.artifacts.all().delete()
        capture.steps.all().delete()
        capture.manifest_sha256 = capture.text_sha256 = ""
        capture.save(update_fields=["manifest_sha256", "text_sha256"])


def _log_entry(ctx: CaptureContext, outcome: str, error: StepFailed | None) -> dict[str, Any]:
    return {
        "attempt": ctx.capture.attempts,
        "worker": ctx.token,
        "started_at": iso_utc(ctx.capture.started_at),
        "finished_at": iso_utc(timezone.now()),
        "outcome": outcome,
        "error_class": error.error_class if error else "",
        "error_text": error.message[:500] if error else "",
    }


def _requeue(ctx: CaptureContext, error: StepFailed, limit: int) -> RunOutcome:
    capture = ctx.capture
    delay = retry_delay(capture.attempts, error.retry_after)
    now = timezone.now()
    with ctx.locked():
        capture.status = CaptureStatus.QUEUED
        capture.not_before = now + timedelta(seconds=delay)
        # The task rings short delays with a countdown; the sweep takes the rest.
        capture.enqueued_at = capture.not_before if delay <= RING_COUNTDOWN_MAX else None
        capture.error_class = error.error_class
        capture.error_text = (
            f"{error.message} (attempt {capture.attempts} of {limit}; next in {delay:.0f} s)"
        )[:5000]
        capture.attempt_log = [*capture.attempt_log, _log_entry(ctx, "retry", error)]
        capture.save(
            update_fields=[
                "status",
                "not_before",
                "enqueued_at",
                "error_class",
                "error_text",
                "attempt_log",
            ]
        )
    return RunOutcome(capture.pk, True, capture.status, error.error_class, retry_in=delay)


def _fail(ctx: CaptureContext, error: StepFailed) -> RunOutcome:
    capture = ctx.capture
    text = error.message
    if error.transient and capture.attempts > 1:
        text = f"gave up after {capture.attempts} attempts; last: {text}"
    with ctx.locked():
        capture.status = CaptureStatus.FAILED
        capture.finished_at = timezone.now()
        capture.error_class = error.error_class
        capture.error_text = text[:5000]
        capture.attempt_log = [*capture.attempt_log, _log_entry(ctx, "failed", error)]
        capture.tool_versions = {**capture.tool_versions, **ctx.tool_versions}
        capture.save(
            update_fields=[
                "status",
                "finished_at",
                "error_class",
                "error_text",
                "attempt_log",
                "tool_versions",
            ]
        )
    return RunOutcome(capture.pk, True, capture.status, error.error_class)


def _complete(ctx: CaptureContext) -> RunOutcome:
    capture = ctx.capture
    first = ctx.failures[0][1] if ctx.failures else None
    with ctx.locked():
        capture.status = CaptureStatus.PARTIAL if ctx.failures else CaptureStatus.SUCCEEDED
        capture.finished_at = capture.finished_at or timezone.now()
        capture.error_class = first.error_class if first else ""
        capture.error_text = "; ".join(f"{name}: {e.message}" for name, e in ctx.failures)[:5000]
        capture.not_before = None
        capture.attempt_log = [*capture.attempt_log, _log_entry(ctx, capture.status, first)]
        capture.save(
            update_fields=[
                "status",
                "finished_at",
                "error_class",
                "error_text",
                "not_before",
                "attempt_log",
            ]
        )
    return RunOutcome(capture.pk, True, capture.status, capture.error_class)


def finish(ctx: CaptureContext, limit: int) -> RunOutcome:
    error = ctx.fatal
    if error is None:
        return _complete(ctx)
    if error.transient and ctx.capture.attempts < limit:
        return _requeue(ctx, error, limit)
    return _fail(ctx, error)


def _hand_to_media(ctx: CaptureContext) -> RunOutcome:
    """Give a page that turned out to show a video back to the queue, for the media queue.

    The media run starts the capture again from its fetch (the page is fetched
    twice; the video, the long part, once). This run's rows go, its files stay
    (content-addressed), and it does not count as an attempt.
    """
    capture = ctx.capture
    entry = _log_entry(ctx, MEDIA_HANDOFF, None)
    with ctx.locked():
        capture.artifacts.all().delete()
        capture.steps.all().delete()
        capture.status = CaptureStatus.QUEUED
        capture.attempts -= 1
        capture.not_before = None
        capture.enqueued_at = timezone.now()
        capture.manifest_sha256 = capture.text_sha256 = ""
        capture.attempt_log = [*capture.attempt_log, entry]
        capture.save(
            update_fields=[
                "status",
                "attempts",
                "not_before",
                "enqueued_at",
                "manifest_sha256",
                "text_sha256",
                "attempt_log",
            ]
        )
    return RunOutcome(capture.pk, True, CaptureStatus.QUEUED, handed_to_media=True)


def run_capture_by_id(
    capture_id: int,
    *,
    browser: BrowserProvider | None = None,
    attempts: int | None = None,
    defer_media: bool = False,
) -> RunOutcome:
    """Run one capture if it is queued and due; the same function for worker, command and bench.

    ``browser`` lends a reusable browser per thread (else each capture
    launches its own); ``attempts`` overrides the retry limit. With
    ``defer_media`` (the page queue's worker) a capture whose media step would
    run is handed back for the media queue instead (``RunOutcome.handed_to_media``).
    """
    token = new_token()
    if not claim(capture_id, token, timezone.now()):
        return RunOutcome(capture_id, False)
    capture = Capture.objects.select_related("source").get(pk=capture_id)
    ctx = CaptureContext(capture=capture, token=token, browser=browser)
    try:
        _clear_leftovers(ctx)
        for step in STEPS:
            if ctx.fatal is not None:
                break
            if step.should_run(ctx):
                if defer_media and step.name == "media":
                    return _hand_to_media(ctx)
                run_step(ctx, step)
        return finish(ctx, attempts or max_attempts())
    except LostClaim:
        log.warning("capture %s was taken over by another run; this one stops", capture_id)
        return RunOutcome(capture_id, False)


# --------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------


def _settle_stuck(capture_id: int, now: datetime, cutoff: datetime, limit: int) -> str:
    """Re-queue (or give up on) one capture whose run never finished."""
    with transaction.atomic():
        capture = (
            Capture.objects.select_for_update()
            .filter(pk=capture_id, status=CaptureStatus.RUNNING, started_at__lte=cutoff)
            .first()
        )
        if capture is None:
            return ""
        entry = {
            "attempt": capture.attempts,
            "worker": capture.worker,
            "started_at": iso_utc(capture.started_at),
            "finished_at": None,
            "outcome": "lost",
            "error_class": ErrorClass.TIMEOUT,
            "error_text": "the run never finished (worker died or hit its hard time limit)",
        }
        capture.attempt_log = [*capture.attempt_log, entry]
        if capture.attempts >= limit:
            capture.status = CaptureStatus.FAILED
            capture.finished_at = now
            capture.error_class = ErrorClass.TIMEOUT
            capture.error_text = (
                f"gave up after {capture.attempts} attempts; the last one never finished "
                "(worker died or hit its hard time limit)"
            )
        else:
            capture.status = CaptureStatus.QUEUED
            capture.not_before = None
            capture.enqueued_at = None
        capture.save(
            update_fields=[
                "status",
                "finished_at",
                "error_class",
                "error_text",
                "not_before",
                "enqueued_at",
                "attempt_log",
            ]
        )
        return capture.status


def sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepReport:
    """Re-queue stuck captures, then re-send queued ones that nobody took."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ARCHIVE_STUCK_AFTER)
    limit = max_attempts()
    requeued = gave_up = resent = 0
    stuck = Capture.objects.stuck(now, timedelta(seconds=settings.ARCHIVE_STUCK_AFTER))
    for capture_id in list(stuck.values_list("pk", flat=True)[:batch]):
        outcome = _settle_stuck(capture_id, now, cutoff, limit)
        requeued += outcome == CaptureStatus.QUEUED
        gave_up += outcome == CaptureStatus.FAILED
    due = Capture.objects.due_for_resend(now, RESEND_AFTER)
    for capture_id in list(due.values_list("pk", flat=True)[:batch]):
        if not ring(capture_id):
            break  # broker down: the next sweep tries again
        Capture.objects.filter(pk=capture_id, status=CaptureStatus.QUEUED).update(enqueued_at=now)
        resent += 1
    if requeued or gave_up or resent:
        log.info("sweep: %s re-queued, %s given up, %s re-sent", requeued, gave_up, resent)
    return SweepReport(requeued, gave_up, resent)
