"""Worker adapter for index imports: load by id, claim, import (docs/graph.md)."""

from __future__ import annotations

from celery import shared_task

from app.graph.importer import run_import
from app.graph.models import DatasetVersion
from app.graph.services import version_claim


@shared_task(name="graph.import_version", acks_late=True, time_limit=6 * 3600)
def import_version(version_id: int) -> str:
    if not version_claim(version_id):
        return "not queued"  # someone else has it, or it is finished
    version = DatasetVersion.objects.select_related("artifact").get(pk=version_id)
    outcome = run_import(version)
    return f"{outcome.rows} rows, {outcome.rejected} rejected"


@shared_task(name="graph.sweep", ignore_result=True, soft_time_limit=120, time_limit=180)
def sweep() -> None:
    """Re-send versions left queued; fail versions whose import went silent (app/graph/sweep.py)."""
    from app.graph.sweep import version_sweep

    version_sweep()
