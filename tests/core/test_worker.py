"""A real Celery worker on the configured broker (embedded SQLite, or Redis in CI)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from app.core.models import TaskProbe
from app.core.tasks import probe
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_task_sent_from_the_web_process_is_executed_by_the_worker(
    client, admin_user, start_worker
):
    start_worker()
    client.force_login(admin_user)

    sent = client.post("/healthz/worker")
    assert sent.status_code == 202
    token = sent.json()["token"]

    def executed() -> bool:
        return client.get(f"/healthz/worker/{token}").json()["executed"]

    wait_for(executed, timeout=60)
    assert TaskProbe.objects.filter(token=token).count() == 1


def test_hundreds_of_tasks_sent_while_two_workers_run_are_each_executed_exactly_once(
    start_worker,
):
    start_worker(concurrency=2)
    start_worker(concurrency=2)
    tokens = [f"t{i:04d}" for i in range(300)]

    for token in tokens:
        probe.delay(token)

    wait_for(lambda: TaskProbe.objects.count() >= len(tokens), timeout=240, interval=0.5)
    # Give a duplicate delivery, if any, time to land before counting.
    connection.close()
    import time

    time.sleep(3)
    counts = Counter(TaskProbe.objects.values_list("token", flat=True))
    assert set(counts) == set(tokens)
    duplicates = {token: n for token, n in counts.items() if n != 1}
    assert duplicates == {}
