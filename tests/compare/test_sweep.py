"""A run left "running" by a dead worker is found by the sweep: re-queued, or failed with why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from app.compare import runs
from app.compare.models import Comparison, RunStatus
from tests.compare.conftest import Clips
from tests.compare.helpers import make_comparison
from tests.conftest import wait_for


def _later() -> Any:
    """A clock past the stale limit: the sweep sees every current heartbeat as stale."""
    return timezone.now() + runs.stale_after() + timedelta(seconds=1)


def test_the_beat_schedule_runs_the_comparison_sweep(settings: Any) -> None:
    from app.celery import route_task

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-comparisons"]
    assert entry["task"] == "compare.sweep"
    assert route_task("compare.sweep", (), {}, {})["queue"].endswith("maintenance")


@pytest.mark.django_db
def test_a_stale_running_row_is_requeued_and_gives_up_with_a_reason_after_max_runs(
    clips: Clips, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice)
    fresh = Comparison.objects.get(pk=comparison.pk)
    fresh.pk = None
    fresh.save()  # a second run of the same inputs, on a live worker
    started = timezone.now()
    Comparison.objects.filter(pk__in=[comparison.pk, fresh.pk]).update(
        status=RunStatus.RUNNING, started_at=started, heartbeat_at=started, runs=1
    )
    sent: list[int] = []
    # The fresh row's worker is alive: its heartbeat is after the sweep's cutoff.
    Comparison.objects.filter(pk=fresh.pk).update(heartbeat_at=_later())
    with django_capture_on_commit_callbacks(execute=False) as rung:
        report = runs.comparison_sweep(now=_later(), send=sent.append)  # type: ignore[arg-type]
    assert (report.requeued, report.failed) == (1, 0)
    assert len(rung) == 1  # the re-queued run is rung after commit
    comparison.refresh_from_db()
    assert comparison.status == RunStatus.QUEUED
    assert comparison.run_log[-1]["outcome"] == "lost"
    assert "no heartbeat" in comparison.run_log[-1]["reason"]
    assert Comparison.objects.get(pk=fresh.pk).status == RunStatus.RUNNING

    # The third run that never finishes is the last: failed, with the reason.
    Comparison.objects.filter(pk=comparison.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=started, runs=runs.max_runs()
    )
    report = runs.comparison_sweep(now=_later(), send=sent.append)  # type: ignore[arg-type]
    assert (report.requeued, report.failed) == (0, 1)
    comparison.refresh_from_db()
    assert comparison.status == RunStatus.FAILED
    assert f"after {runs.max_runs()} runs that never finished" in comparison.error_text
    assert len(comparison.run_log) == 2


@pytest.mark.django_db
def test_a_queued_run_nobody_took_is_sent_again(
    clips: Clips, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice)  # its message was never sent (broker down)
    sent: list[int] = []

    def send(pk: int) -> bool:
        sent.append(pk)
        return True

    assert runs.comparison_sweep(send=send).resent == 0  # too young to be called lost
    later = timezone.now() + timedelta(seconds=runs.RESEND_AFTER + 1)
    assert runs.comparison_sweep(now=later, send=send).resent == 1
    assert sent == [comparison.pk]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_touches_the_row_while_the_run_works(
    clips: Clips, alice: Any, settings: Any
) -> None:
    settings.COMPARE_HEARTBEAT = 0.05
    comparison = make_comparison(clips, alice)
    Comparison.objects.filter(pk=comparison.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=None, started_at=timezone.now()
    )
    with runs.heartbeat(comparison.pk):
        wait_for(
            lambda: Comparison.objects.get(pk=comparison.pk).heartbeat_at is not None, timeout=30
        )


@pytest.mark.worker
@pytest.mark.timeout(900)
def test_a_run_whose_worker_is_killed_mid_run_is_requeued_and_finished_by_another(
    clips: Clips, alice: Any, start_worker: Any
) -> None:
    worker = start_worker(concurrency=1, queues=["analysis"])
    comparison = make_comparison(clips, alice, output=clips.excerpt_output, ranges=[[6.0, 15.0]])

    def running() -> bool:
        return Comparison.objects.get(pk=comparison.pk).status == RunStatus.RUNNING

    wait_for(running, timeout=300, interval=0.02)
    worker.kill()  # SIGKILL to the whole worker: no goodbye, no acknowledgement
    left = Comparison.objects.get(pk=comparison.pk)
    assert left.status == RunStatus.RUNNING and left.runs == 1  # stuck without the sweep

    report = runs.comparison_sweep(now=_later())
    assert report.requeued == 1
    assert Comparison.objects.get(pk=comparison.pk).status in (RunStatus.QUEUED, RunStatus.RUNNING)

    start_worker(concurrency=1, queues=["analysis"])

    def finished() -> Comparison | None:
        c = Comparison.objects.get(pk=comparison.pk)
        return c if c.status in (RunStatus.SUCCEEDED, RunStatus.FAILED) else None

    done = wait_for(finished, timeout=800, interval=0.5)
    assert done.status == RunStatus.SUCCEEDED, done.error_text
    assert done.runs == 2
    assert [entry["outcome"] for entry in done.run_log] == ["lost"]
    assert done.manifest_sha256
