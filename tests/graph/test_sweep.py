"""The sweep of dataset-index versions left queued or stuck running (app/graph/sweep.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from app.catalog.choices import EntityKind
from app.graph.importer import Abandoned, _write_batch, normalize, run_import
from app.graph.models import DatasetMember, DatasetVersion, ImportStatus
from app.graph.services import dataset_for, version_claim, version_create
from app.graph.sweep import resend_after, stale_after, version_sweep
from app.graph.tasks import sweep
from tests.conftest import wait_for
from tests.factories import EntityFactory
from tests.graph.conftest import loaded_rows

CSV = b"title,author,isbn\nA Book,Ana,0-306-40615-2\nAnother,Ben,978-0-306-40615-7\n"


def _version(tmp_path: Path) -> DatasetVersion:
    entity = EntityFactory(kind=EntityKind.DATASET, name="Books", slug="books")
    path = tmp_path / "books.csv"
    path.write_bytes(CSV)
    new = version_create(
        dataset=dataset_for(entity),
        path=path,
        file_name="books.csv",
        source_url="https://data.example/books.csv",
        actor=None,
    )
    return new.version


def _stuck_running(version: DatasetVersion) -> None:
    """A version a dead worker had claimed, with one batch written long ago."""
    assert version_claim(version.pk)
    _write_batch(version.pk, [normalize({"title": "Half", "isbn": "0-306-40615-2"}, "", 2)])
    long_ago = timezone.now() - stale_after() - timedelta(minutes=1)
    DatasetVersion.objects.filter(pk=version.pk).update(
        started_at=long_ago, heartbeat_at=long_ago, row_count=1
    )


def test_the_beat_schedule_runs_the_sweep_on_the_maintenance_queue(settings: Any) -> None:
    from app.celery import route_task

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-dataset-imports"]
    assert entry["task"] == "graph.sweep" and entry["schedule"] == 60.0
    assert route_task("graph.sweep", (), {}, {})["queue"].endswith("maintenance")


@pytest.mark.django_db
def test_a_stuck_running_version_is_failed_with_a_reason_and_its_rows_deleted(
    tmp_path: Path,
) -> None:
    version = _version(tmp_path)
    _stuck_running(version)
    assert loaded_rows(version.pk) == 1
    if connection.vendor == "postgresql":  # written, not attached: the lookup cannot see it
        assert not DatasetMember.objects.filter(version=version).exists()
    sent: list[int] = []
    report = version_sweep(send=lambda pk: sent.append(pk) or True)
    assert (report.failed, report.resent) == (1, 0) and sent == []
    version.refresh_from_db()
    assert version.status == ImportStatus.FAILED and version.row_count == 0
    assert version.error_text.startswith("The import stopped: no progress for 30 min")
    assert "import the file again" in version.error_text
    assert loaded_rows(version.pk) == 0  # its table is gone
    assert version_sweep(send=lambda pk: True).failed == 0  # settled once


@pytest.mark.django_db
def test_a_running_version_with_a_recent_heartbeat_is_left_alone(tmp_path: Path) -> None:
    version = _version(tmp_path)
    assert version_claim(version.pk)  # the claim is the first heartbeat
    assert version_sweep(send=lambda pk: True).failed == 0
    version.refresh_from_db()
    assert version.status == ImportStatus.RUNNING
    # The same row seen from a clock past the limit is stale.
    later = timezone.now() + stale_after() + timedelta(seconds=1)
    assert version_sweep(now=later, send=lambda pk: True).failed == 1


@pytest.mark.django_db
def test_a_worker_that_was_only_slow_stops_and_keeps_the_sweeps_reason(tmp_path: Path) -> None:
    version = _version(tmp_path)
    _stuck_running(version)
    version_sweep(send=lambda pk: True)
    loaded = DatasetVersion.objects.select_related("artifact").get(pk=version.pk)
    with pytest.raises(Abandoned):
        run_import(loaded)  # it finishes its file after the sweep gave it up
    version.refresh_from_db()
    assert version.status == ImportStatus.FAILED
    assert version.error_text.startswith("The import stopped")
    assert loaded_rows(version.pk) == 0


@pytest.mark.django_db
def test_a_queued_version_is_resent_once_per_wait_and_the_broker_down_is_retried(
    tmp_path: Path,
) -> None:
    version = _version(tmp_path)
    assert version_sweep(send=lambda pk: True).resent == 0  # just created: not yet
    DatasetVersion.objects.filter(pk=version.pk).update(
        created_at=timezone.now() - resend_after() - timedelta(seconds=5)
    )
    assert version_sweep(send=lambda pk: False).resent == 0  # broker down: nothing recorded
    sent: list[int] = []
    assert version_sweep(send=lambda pk: sent.append(pk) or True).resent == 1
    assert sent == [version.pk]
    assert version_sweep(send=lambda pk: sent.append(pk) or True).resent == 0  # rung just now
    later = timezone.now() + resend_after() + timedelta(seconds=1)
    assert version_sweep(now=later, send=lambda pk: sent.append(pk) or True).resent == 1
    version.refresh_from_db()
    assert version.status == ImportStatus.QUEUED


def test_the_sweep_task_on_a_real_worker_resends_and_fails(
    tmp_path: Path, start_worker: Any
) -> None:
    """Beat's task, run by a worker: the lost ring is rung again and imported; the dead run
    is failed with its rows gone."""
    lost = _version(tmp_path)  # its ring was never sent (the broker lost it)
    DatasetVersion.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - resend_after() - timedelta(seconds=5)
    )
    other = EntityFactory(kind=EntityKind.DATASET, name="Videos", slug="videos")
    path = tmp_path / "more.csv"
    path.write_bytes(CSV)
    dead = version_create(
        dataset=dataset_for(other),
        path=path,
        file_name="more.csv",
        source_url="https://data.example/more.csv",
        actor=None,
    ).version
    _stuck_running(dead)
    start_worker(concurrency=1, queues=["maintenance"])
    sweep.apply_async()
    wait_for(
        lambda: DatasetVersion.objects.filter(pk=lost.pk, status=ImportStatus.DONE).exists(), 90
    )
    lost.refresh_from_db()
    assert lost.row_count == 2 and lost.enqueued_at is not None
    dead.refresh_from_db()
    assert dead.status == ImportStatus.FAILED and "no progress" in dead.error_text
    assert loaded_rows(dead.pk) == 0
    assert DatasetMember.objects.filter(version=lost).count() == 2
    connection.close()
