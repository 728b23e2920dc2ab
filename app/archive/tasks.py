"""Archive tasks: thin adapters that load by id and call the pipeline."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="archive.run_capture", ignore_result=True)
def run_capture(capture_id: int) -> None:
    """Run one capture by id. Implemented by the capture pipeline (app.archive.pipeline)."""
    from app.archive.pipeline import run_capture_by_id

    run_capture_by_id(capture_id)


@shared_task(name="archive.sweep", ignore_result=True)
def sweep() -> None:
    """Re-send captures that are queued or stuck (app.archive.pipeline.sweep)."""
    from app.archive.pipeline import sweep as do_sweep

    do_sweep()
