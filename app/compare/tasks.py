"""Comparison tasks: thin adapters. The run is on the ``analysis`` queue (heavy CPU).

``app/celery.py`` routes ``compare.run_comparison`` to ``analysis``; the
Procfile's worker and docker-compose's maintenance worker consume it. The time
limits cover the bench's 60 s output against a 30 min source several times
over. The sweep and the time stamps go to ``maintenance`` (every other task).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from app.compare.services import comparison_fail, comparison_run

ANALYSIS_QUEUE = "analysis"
SOFT_TIME_LIMIT = 45 * 60
HARD_TIME_LIMIT = SOFT_TIME_LIMIT + 60


@shared_task(
    name="compare.run_comparison",
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
    acks_late=True,
)
def run_comparison(comparison_id: int) -> None:
    try:
        comparison_run(comparison_id)
    except SoftTimeLimitExceeded:
        comparison_fail(
            comparison_id, f"The analysis ran past its time limit ({SOFT_TIME_LIMIT // 60} min)."
        )


@shared_task(name="compare.sweep", ignore_result=True, soft_time_limit=120, time_limit=180)
def sweep() -> None:
    """Re-queue or fail runs whose worker died; re-send queued runs nobody took."""
    from app.compare.runs import comparison_sweep

    comparison_sweep()


@shared_task(
    name="compare.stamp",
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
def stamp(self: Any, comparison_id: int) -> None:
    """RFC 3161 tokens over a comparison's manifest from every configured authority."""
    from app.archive.timestamps import StampIncomplete
    from app.compare.stamp import stamp_comparison

    outcome = stamp_comparison(comparison_id)
    if outcome.failed:
        raise StampIncomplete("; ".join(f"{u}: {e}" for u, e in outcome.failed.items()))
