"""Periodic and background work of the bulk data app (thin adapters, STYLE.md habit 3)."""

from __future__ import annotations

from celery import shared_task

from app.ledgerdata.dumps import write_dump


@shared_task(name="ledgerdata.write_dumps", ignore_result=True, time_limit=3 * 3600)
def write_dumps() -> int:
    """The daily dump (beat, see CELERY_BEAT_SCHEDULE); returns the number of files."""
    return len(write_dump()["files"])


@shared_task(name="ledgerdata.run_import", ignore_result=True, time_limit=6 * 3600)
def run_import(run_id: int) -> None:
    """An import uploaded in the admin (`app.ledgerdata.services.import_run`)."""
    from app.ledgerdata.services import import_run

    import_run(run_id)
