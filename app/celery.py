"""The Celery application, configured from Django settings (``CELERY_*``), and the
one place that says which queue each task goes to.

The database row is the truth about any piece of work; the broker is only a
doorbell. Tasks take ids, claim their row with a conditional update, and a
periodic sweep re-sends rows that are queued or stuck (see app.archive.tasks).

Queues by kind of work, so that one kind never holds every worker slot of
another (docs/scaling.md):

=============  ==========================================================
``pages``      page captures: fetch, extraction, the browser's screenshot
               and PDF (a bounded browser pool per worker process)
``media``      video captures: yt-dlp downloads of up to ARCHIVE_MEDIA_TIME_LIMIT
``links``      link checks and Wayback submissions: many short network waits
``maintenance`` the sweep, time stamps, frames, analysis, imports, dumps, and
               any task not named below
``render``     public pages re-rendered into the page cache after a change
               (short: tens of ms a page; readers are served the previous
               page until it lands, app/public/cache.py)
=============  ==========================================================

``TASK_QUEUE_PREFIX`` is put in front of every queue name (tests give each
session its own, so parallel runs never take each other's tasks).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

PAGES, MEDIA, LINKS, MAINTENANCE, RENDER = "pages", "media", "links", "maintenance", "render"
QUEUES = (PAGES, MEDIA, LINKS, MAINTENANCE, "analysis", RENDER)  # analysis: issue 18 comparisons

# Task name -> queue. Every other task goes to MAINTENANCE.
ROUTES: dict[str, str] = {
    "archive.run_capture": PAGES,
    "archive.run_media_capture": MEDIA,
    "monitor.check_source": LINKS,
    "monitor.check_due_sources": LINKS,
    "monitor.wayback_witness": LINKS,
    "compare.run_comparison": "analysis",
    "public.render_changed": RENDER,
    "public.render_listings": RENDER,
    "public.revalidate": RENDER,
}


def queue_name(queue: str) -> str:
    """The broker's name for one of QUEUES, with this deployment's prefix."""
    from django.conf import settings

    return f"{getattr(settings, 'TASK_QUEUE_PREFIX', '')}{queue}"


def all_queue_names() -> list[str]:
    return [queue_name(queue) for queue in QUEUES]


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str]:
    """Celery's router (``task_routes``): the queue of a task, by its name."""
    return {"queue": queue_name(ROUTES.get(name, MAINTENANCE))}


app = Celery("app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = (route_task,)
app.autodiscover_tasks()
