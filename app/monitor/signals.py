"""Evidence saved with a time range on an archived video gets its frames (after commit)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from app.catalog.models import Evidence

log = logging.getLogger(__name__)
RANGE_FIELDS = frozenset({"time_start", "time_end"})


def ring_frames(evidence_id: int) -> None:
    """Send the frames task; a lost message only delays frames until the range is saved again."""
    from app.monitor.tasks import evidence_frames

    try:
        evidence_frames.apply_async(args=(evidence_id,), retry=True)
    except Exception:  # broker down: never break the editor's save
        log.warning("could not enqueue frames for evidence %s", evidence_id, exc_info=True)


def _range_saved(sender: Any, instance: Evidence, created: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if instance.time_start is None:
        return
    if created or fields is None or RANGE_FIELDS & set(fields):
        transaction.on_commit(lambda: ring_frames(instance.pk))


def connect() -> None:
    post_save.connect(_range_saved, sender=Evidence, dispatch_uid="monitor-evidence-frames")
