"""A comparison run's liveness: the heartbeat a worker keeps, and the sweep for dead runs.

A run claims its row (``queued`` -> ``running``) and, while it analyses, a
thread touches ``heartbeat_at`` every ``COMPARE_HEARTBEAT`` seconds. A worker
that dies (killed, out of memory, the machine gone) stops the heartbeat, and
its row would stay ``running`` forever; the sweep (beat, every minute) finds
rows whose heartbeat is older than ``COMPARE_STALE_AFTER`` and re-queues them,
or fails them with the reason once ``COMPARE_MAX_RUNS`` runs never finished.
It also re-sends queued rows that nobody took (a message lost with the broker).

The clock is the database row's, never the broker's: a late message for a row
that was re-queued meanwhile claims nothing (the claim is a conditional update).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from app.archive.manifest import iso_utc
from app.compare.models import Comparison, RunStatus

log = logging.getLogger(__name__)

HEARTBEAT = 30.0  # seconds between touches of heartbeat_at
STALE_AFTER = 300.0  # a running row without a heartbeat for this long is dead
MAX_RUNS = 3  # runs that never finished before the row is failed
RESEND_AFTER = 600.0  # a queued row nobody claimed for this long is rung again
SWEEP_BATCH = 100


def heartbeat_seconds() -> float:
    return float(getattr(settings, "COMPARE_HEARTBEAT", HEARTBEAT))


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "COMPARE_STALE_AFTER", STALE_AFTER)))


def max_runs() -> int:
    return int(getattr(settings, "COMPARE_MAX_RUNS", MAX_RUNS))


@contextmanager
def heartbeat(comparison_id: int) -> Iterator[None]:
    """Touch the row's heartbeat from a thread while the body runs (the analysis holds
    the GIL only between numpy/OpenCV calls, so the thread gets its turn)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                Comparison.objects.filter(pk=comparison_id, status=RunStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a database hiccup must not kill the run; the sweep decides
            log.warning("comparison %s: heartbeat failed", comparison_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"compare-heartbeat-{comparison_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def _silent_since(cutoff: datetime) -> Q:
    """No heartbeat since ``cutoff`` (a row claimed but never beaten counts from its start)."""
    return Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True, started_at__lte=cutoff)


@dataclass(frozen=True)
class SweepReport:
    requeued: int
    failed: int
    resent: int


def _settle(comparison_id: int, now: datetime, cutoff: datetime) -> str:
    """Re-queue (or fail, with the reason) one running comparison whose heartbeat is stale."""
    with transaction.atomic():
        row = (
            Comparison.objects.select_for_update()
            .filter(_silent_since(cutoff), pk=comparison_id, status=RunStatus.RUNNING)
            .first()
        )
        if row is None:
            return ""
        row.run_log = [
            *row.run_log,
            {
                "run": row.runs,
                "started_at": iso_utc(row.started_at),
                "last_heartbeat": iso_utc(row.heartbeat_at),
                "outcome": "lost",
                "reason": "no heartbeat: the worker died or hit its hard time limit",
            },
        ]
        if row.runs >= max_runs():
            row.status = RunStatus.FAILED
            row.finished_at = now
            row.error_text = (
                f"Gave up after {row.runs} runs that never finished: the last one sent no "
                f"heartbeat after {iso_utc(row.heartbeat_at)} (its worker died or hit its "
                "hard time limit)."
            )
        else:
            row.status = RunStatus.QUEUED
            row.enqueued_at = None
            transaction.on_commit(lambda: ring(comparison_id))
        row.save(update_fields=["status", "finished_at", "error_text", "enqueued_at", "run_log"])
        return str(row.status)


def ring(comparison_id: int) -> bool:
    """Send the run's task; False when the broker is down (the sweep tries again)."""
    from app.compare.tasks import run_comparison

    try:
        run_comparison.apply_async(args=(comparison_id,), retry=False)
    except Exception:
        log.warning("could not enqueue comparison %s", comparison_id, exc_info=True)
        return False
    Comparison.objects.filter(pk=comparison_id, status=RunStatus.QUEUED).update(
        enqueued_at=timezone.now()
    )
    return True


def comparison_sweep(
    *, now: datetime | None = None, send: Callable[[int], bool] = ring
) -> SweepReport:
    """Settle running rows with a stale heartbeat, then re-send queued rows nobody took."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    stuck = Comparison.objects.filter(_silent_since(cutoff), status=RunStatus.RUNNING)
    requeued = failed = resent = 0
    for pk in list(stuck.values_list("pk", flat=True)[:SWEEP_BATCH]):
        outcome = _settle(pk, now, cutoff)
        requeued += outcome == RunStatus.QUEUED
        failed += outcome == RunStatus.FAILED
    waiting = Comparison.objects.filter(
        status=RunStatus.QUEUED,
        created_at__lte=now - timedelta(seconds=RESEND_AFTER),
    ).exclude(enqueued_at__gt=now - timedelta(seconds=RESEND_AFTER))
    for pk in list(waiting.values_list("pk", flat=True)[:SWEEP_BATCH]):
        if not send(pk):
            break  # broker down: the next sweep tries again
        resent += 1
    if requeued or failed or resent:
        log.info("comparison sweep: %s re-queued, %s failed, %s re-sent", requeued, failed, resent)
    return SweepReport(requeued, failed, resent)
