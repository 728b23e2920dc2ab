"""Cached public pages and API answers show comparisons: purge them when one changes.

The comparison page and ``/api/v1/comparisons`` are cached under the public
content version (``app.public.cache``). A review, a lowered wording, a finished
run, a time stamp or a deletion changes what readers may see, so the version is
bumped after commit, once per transaction, as ``app.public.signals`` does for the
ledger's own records. Heartbeats and claims are queryset updates: no signal, no
purge (nothing a reader sees changes).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from app.compare.models import Comparison, ComparisonFile, Review
from app.public.cache import bump_version


def _bump(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    if isinstance(instance, ComparisonFile) and instance.kind != "timestamp":
        return  # a run's files are shown once the run's own row says it is done
    connection = transaction.get_connection()
    if any(entry[1] is bump_version for entry in connection.run_on_commit):
        return
    transaction.on_commit(bump_version)


def connect() -> None:
    for model in (Comparison, Review, ComparisonFile):
        post_save.connect(_bump, sender=model, dispatch_uid=f"compare-bump-save-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"compare-bump-del-{model.__name__}")
