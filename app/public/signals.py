"""Purge cached public pages on any change they show; keep archived text searchable."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from app.archive.models import WITH_FILES, Artifact, Capture
from app.catalog.models import Claim, Entity, Evidence, Source, Tag, VerdictChange
from app.graph.models import Dataset, DatasetVersion, Relation
from app.public.cache import bump_version
from app.public.models import SourceText

logger = logging.getLogger(__name__)

WATCHED = (Claim, Evidence, Source, Entity, Tag, VerdictChange, Capture, Artifact, SourceText)
WATCHED_GRAPH = (Relation, Dataset, DatasetVersion)  # the claim chain and entity pages


def _bump(sender: Any, **kwargs: Any) -> None:
    """After commit, once per transaction: a reader who loads the page between the
    save and the commit would otherwise cache the old state under the new version."""
    connection = transaction.get_connection()
    if any(entry[1] is bump_version for entry in connection.run_on_commit):
        return
    transaction.on_commit(bump_version)


def _index_finished_capture(sender: Any, instance: Capture, **kwargs: Any) -> None:
    """A capture that ends with files refreshes its source's searchable text.

    Only when the status itself was saved: later saves of a finished capture
    (its manifest hash, frames made for new evidence) do not re-read the text.
    """
    update_fields = kwargs.get("update_fields")
    if instance.status not in WITH_FILES:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    transaction.on_commit(lambda: _index(instance.source_id))


def _index(source_id: int) -> None:
    """After the capture's transaction has committed and released its row lock."""
    from app.public.search import index_source

    try:
        index_source(source_id)
    except Exception:  # search must never break archiving
        logger.exception("Could not index the text of source %s", source_id)


def connect() -> None:
    for model in (*WATCHED, *WATCHED_GRAPH):
        post_save.connect(_bump, sender=model, dispatch_uid=f"public-bump-save-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"public-bump-del-{model.__name__}")
    for through in (Claim.models_named.through, Claim.content_named.through, Claim.tags.through):
        m2m_changed.connect(_bump, sender=through, dispatch_uid=f"public-bump-m2m-{through}")
    post_save.connect(_index_finished_capture, sender=Capture, dispatch_uid="public-index-capture")
