"""The Celery application, configured from Django settings (``CELERY_*``).

The database row is the truth about any piece of work; the broker is only a
doorbell. Tasks take ids, claim their row with a conditional update, and a
periodic sweep re-sends rows that are queued or stuck (see app.archive.tasks).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

app = Celery("app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
