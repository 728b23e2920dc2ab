from __future__ import annotations

import socket
from datetime import datetime

from celery import shared_task

from app.core.models import TaskProbe


@shared_task(name="core.probe", ignore_result=True)
def probe(token: str, sent_at: str | None = None) -> None:
    """Record that a worker executed this task (health checks and broker tests)."""
    TaskProbe.objects.create(
        token=token,
        sent_at=datetime.fromisoformat(sent_at) if sent_at else None,
        worker=socket.gethostname(),
    )
