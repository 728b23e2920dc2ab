"""Monitor tasks: thin adapters around app.monitor services (load by id, call, decide retry)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

# A check is two small requests at most; a frame grab decodes a few seconds of video.
CHECK_LIMITS: dict[str, Any] = {"soft_time_limit": 300, "time_limit": 360}


@shared_task(name="monitor.check_due_sources", ignore_result=True, **CHECK_LIMITS)
def check_due_sources() -> None:
    """From beat: lease the sources due for a check and send one task each."""
    from app.monitor.services import check_due_sources as due

    for source_id in due():
        check_source.delay(source_id)


@shared_task(name="monitor.check_source", ignore_result=True, **CHECK_LIMITS)
def check_source(source_id: int) -> None:
    from app.catalog.models import Source
    from app.monitor.services import check_source as check

    source = Source.objects.filter(pk=source_id).first()
    if source is not None:
        check(source=source)


@shared_task(
    name="monitor.evidence_frames",
    bind=True,
    ignore_result=True,
    max_retries=60,  # a minute apart: longer than the longest media download
    soft_time_limit=600,
    time_limit=660,
)
def evidence_frames(self: Any, evidence_id: int) -> None:
    """Frames and range check for one evidence item; waits while its source is being captured."""
    from app.archive.frames import refresh_evidence_frames

    if refresh_evidence_frames(evidence_id=evidence_id) == "busy":
        raise self.retry(countdown=60)


@shared_task(name="monitor.wayback_witness", ignore_result=True, soft_time_limit=55 * 5,
             time_limit=60 * 5)  # fmt: skip
def wayback_witness() -> None:
    """From beat, every minute: a few Save Page Now submissions (off unless WAYBACK_WITNESS)."""
    from app.monitor.wayback import witness_due

    witness_due()
