"""Comparison tasks: a thin adapter on the ``analysis`` queue (heavy CPU).

``app/celery.py`` routes ``compare.run_comparison`` to ``analysis``; the
Procfile's worker and docker-compose's maintenance worker consume it. The time
limits cover the bench's 60 s output against a 30 min source several times
over.
"""

from __future__ import annotations

from celery import shared_task

from app.compare.services import comparison_run

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
    comparison_run(comparison_id)
