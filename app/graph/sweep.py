"""The sweep for dataset-index versions whose worker died or whose ring was lost.

The database row is the truth; the broker is a doorbell (`app/celery.py`).
Run every minute by beat (``graph.sweep`` on the ``maintenance`` queue):

- a version still *queued* after ``GRAPH_IMPORT_RESEND_AFTER`` seconds since it
  was created or last rung is rung again (the task's conditional claim makes a
  second ring harmless);
- a version *running* with no batch written for ``GRAPH_IMPORT_STALE_AFTER``
  seconds (the heartbeat each batch writes) is marked failed with a plain
  reason and its partial rows are dropped (the version's table on PostgreSQL,
  `app.graph.members`), as `run_import` does on failure. A
  worker that was only slow finds its version no longer running at its next
  batch and stops (`importer.Abandoned`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from app.graph import members
from app.graph.models import DatasetVersion, ImportStatus

log = logging.getLogger(__name__)

RESEND_AFTER = 600.0  # seconds a queued version may wait before it is rung again
STALE_AFTER = 1800.0  # seconds a running import may go without writing a batch
SWEEP_BATCH = 100


def resend_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "GRAPH_IMPORT_RESEND_AFTER", RESEND_AFTER)))


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "GRAPH_IMPORT_STALE_AFTER", STALE_AFTER)))


def stalled_reason(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return (
        f"The import stopped: no progress for {minutes} min (its worker probably stopped). "
        "The rows it had loaded were removed; import the file again."
    )


@dataclass(frozen=True)
class SweepReport:
    failed: int
    resent: int


def ring(version_id: int) -> bool:
    """Send the version's import task; False when the broker is down (the next sweep retries)."""
    from app.graph.tasks import import_version

    try:
        import_version.apply_async(args=(version_id,), retry=False)
    except Exception:
        log.warning("could not re-send dataset version %s", version_id, exc_info=True)
        return False
    return True


def _silent_since(cutoff: datetime) -> Q:
    """No batch written since ``cutoff`` (a version never beaten counts from its start)."""
    return (
        Q(heartbeat_at__lte=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lte=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lte=cutoff)
    )


def _fail_stalled(pk: int, cutoff: datetime, reason: str) -> bool:
    with transaction.atomic():
        took = DatasetVersion.objects.filter(
            _silent_since(cutoff), pk=pk, status=ImportStatus.RUNNING
        ).update(status=ImportStatus.FAILED, error_text=reason, row_count=0)
        if took:
            members.drop(pk)  # its partition's table on PostgreSQL
    return bool(took)


def version_sweep(
    *, now: datetime | None = None, send: Callable[[int], bool] = ring
) -> SweepReport:
    """Fail running versions gone silent, then re-send queued versions nobody took."""
    now = now or timezone.now()
    stale = stale_after()
    cutoff = now - stale
    reason = stalled_reason(stale.total_seconds())
    stuck = DatasetVersion.objects.filter(_silent_since(cutoff), status=ImportStatus.RUNNING)
    failed = sum(
        _fail_stalled(pk, cutoff, reason)
        for pk in list(stuck.values_list("pk", flat=True)[:SWEEP_BATCH])
    )
    wait = now - resend_after()
    waiting = DatasetVersion.objects.filter(
        Q(enqueued_at__lte=wait) | Q(enqueued_at__isnull=True, created_at__lte=wait),
        status=ImportStatus.QUEUED,
    ).order_by("pk")
    resent = 0
    for pk in list(waiting.values_list("pk", flat=True)[:SWEEP_BATCH]):
        if not send(pk):
            break  # broker down: the next sweep tries again
        DatasetVersion.objects.filter(pk=pk, status=ImportStatus.QUEUED).update(enqueued_at=now)
        resent += 1
    if failed or resent:
        log.info("dataset index sweep: %s failed, %s re-sent", failed, resent)
    return SweepReport(failed=failed, resent=resent)
