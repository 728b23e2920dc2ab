from __future__ import annotations

from django.db import models
from django.utils import timezone


class TaskProbe(models.Model):
    """A row a worker writes when it runs the probe task: proof the worker is alive.

    Deliberately not unique on token, so a task delivered twice would show.
    """

    token = models.CharField(max_length=64, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"probe {self.token}"
