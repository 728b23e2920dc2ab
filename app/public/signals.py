"""Tell the page cache what changed, after commit; keep archived text searchable.

One `Changes` per transaction collects what its saves touched and, after the
commit, bumps the versions the cached pages depend on (`app.public.cache`) and
enqueues the re-render of the changed claims' pages (``public.render_changed``),
then of the listings (``public.render_listings``, app/public/tasks.py):

- a claim, its evidence, its verdict changes and its names: that claim, and the
  ledger-wide numbers unless the claim was only reworded (`cache.WORDING_FIELDS`);
- a source, its captures, their files and its archived text: the claims whose
  evidence cites the source (past `MAX_CLAIMS`, every page);
- an entity, a tag, the graph (the claim chain and entity pages): every page;
- a deletion of a ledger row, and a published item withdrawn or unpublished
  (`app.catalog.signals.publication_changed`, sent by the one writer of
  publication state): every page, and no reader is served the previous copy of
  any page while it is re-rendered (`cache.purge_all`).

After commit, not at save: a reader who loads the page between the save and the
commit would otherwise cache the old state under the new version.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from app.archive.models import WITH_FILES, Artifact, Capture
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Entity, Evidence, Source, Tag, VerdictChange
from app.catalog.signals import publication_changed
from app.graph.models import Dataset, DatasetVersion, Relation
from app.public import cache, totals
from app.public.models import SourceText

logger = logging.getLogger(__name__)

WATCHED = (Claim, Evidence, Source, Entity, Tag, VerdictChange, Capture, Artifact, SourceText)
WATCHED_GRAPH = (Relation, Dataset, DatasetVersion)  # the claim chain and entity pages
MAX_CLAIMS = 200  # claims bumped one by one for a source; past that, every page
# A render waiting in the queue covers later changes of the same pages until it starts
# (then it clears its flags); a lost message blocks new ones this long at most.
PENDING_SECONDS = 15


class Changes:
    """What one transaction changed (called once, after it commits)."""

    def __init__(self) -> None:
        self.claims: set[int] = set()
        self.sources: set[int] = set()
        self.captures: set[int] = set()
        self.everything = False
        self.hard = False
        self.totals = False  # a ledger-wide count may have changed (`cache.versioned`)

    def __call__(self) -> None:
        try:
            self.publish()
        except Exception:  # the pages must not stay stale: fall back to every page
            logger.exception("Could not work out which pages changed")
            cache.bump_version()

    def claim_slugs(self) -> list[str]:
        sources = set(self.sources)
        if self.captures:
            sources |= set(
                Capture.objects.filter(pk__in=self.captures).values_list("source_id", flat=True)
            )
        slugs: set[str] = set()
        if self.claims:
            slugs |= set(Claim.objects.filter(pk__in=self.claims).values_list("slug", flat=True))
        if sources:
            citing = (
                Evidence.objects.filter(source_id__in=sources)
                .values_list("claim__slug", flat=True)
                .distinct()
            )
            found = list(citing[: MAX_CLAIMS + 1])
            if len(found) > MAX_CLAIMS:
                self.everything = True
            slugs |= set(found)
        return sorted(slugs)

    def publish(self) -> None:
        slugs = self.claim_slugs()
        if self.hard:
            cache.purge_all()
        elif self.everything:
            cache.bump_version()
        if slugs:
            cache.bump_claims(slugs, totals=self.totals)
        if cache.render_ahead():
            enqueue_render(slugs, listings=True)


def enqueue_render(slugs: list[str], listings: bool) -> None:
    """One ``public.render_changed`` for the claims whose pages are not already waiting
    in the queue; it then enqueues the listings' render unless one is waiting."""
    from app.public.tasks import enqueue_listings, pending_key, render_changed

    django_cache = cache.cache
    try:
        todo = [slug for slug in slugs if django_cache.add(pending_key(slug), 1, PENDING_SECONDS)]
        if todo:
            render_changed.apply_async(kwargs={"claims": todo, "listings": listings}, retry=False)
        elif listings:
            enqueue_listings()
    except Exception:  # readers still get the page: stale, then rendered by themselves
        logger.warning("Could not enqueue the re-render of changed pages", exc_info=True)
        try:
            django_cache.delete_many([pending_key(s) for s in slugs] + [pending_key("*")])
        except Exception:
            logger.debug("Could not clear the pending renders", exc_info=True)


def _note(update: Any) -> None:
    """Add to this transaction's `Changes` (published after commit), or publish now
    outside a transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        changes = Changes()
        update(changes)
        changes()
        return
    for entry in connection.run_on_commit:
        if isinstance(entry[1], Changes):
            update(entry[1])
            return
    changes = Changes()
    update(changes)
    transaction.on_commit(changes)


def _saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields") or ()
    reworded = sender is Claim and bool(fields) and set(fields) <= cache.WORDING_FIELDS
    _note(lambda changes: _touch(changes, sender, instance, counts=not reworded))


def _touch(changes: Changes, sender: Any, instance: Any, counts: bool = True) -> None:
    changes.totals |= counts
    if sender is Claim:
        changes.claims.add(instance.pk)
    elif sender in (Evidence, VerdictChange):
        changes.claims.add(instance.claim_id)
    elif sender is Source:
        changes.sources.add(instance.pk)
    elif sender in (Capture, SourceText):
        changes.sources.add(instance.source_id)
    elif sender is Artifact:
        changes.captures.add(instance.capture_id)
    else:
        changes.everything = True


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted ledger row may have been on any page: no stale copy is served. The rows
    of a capture's unfinished attempt (its files, steps) go on each retry: those
    count as a change of the source."""
    if sender in (Capture, Artifact, SourceText):
        _note(lambda changes: _touch(changes, sender, instance))
        return

    def hard(changes: Changes) -> None:
        changes.hard = True

    _note(hard)


def _names_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not str(kwargs.get("action", "")).startswith("post_"):
        return
    pk_set = kwargs.get("pk_set")

    def update(changes: Changes) -> None:
        changes.totals = True
        if not kwargs.get("reverse"):
            changes.claims.add(instance.pk)
        elif pk_set:
            changes.claims |= set(pk_set)
        else:  # an entity's or a tag's claims all cleared
            changes.everything = True

    _note(update)


def _publication_changed(sender: Any, before: str, after: str, **kwargs: Any) -> None:
    if before == PublicationState.PUBLISHED and after != PublicationState.PUBLISHED:

        def hard(changes: Changes) -> None:
            changes.hard = True

        _note(hard)


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
        post_save.connect(_saved, sender=model, dispatch_uid=f"public-bump-save-{model.__name__}")
        post_delete.connect(
            _deleted, sender=model, dispatch_uid=f"public-bump-del-{model.__name__}"
        )
    for through in (Claim.models_named.through, Claim.content_named.through, Claim.tags.through):
        uid = f"public-bump-m2m-{through}"
        m2m_changed.connect(_names_changed, sender=through, dispatch_uid=uid)
    publication_changed.connect(_publication_changed, dispatch_uid="public-purge-unpublished")
    post_save.connect(_index_finished_capture, sender=Capture, dispatch_uid="public-index-capture")
    totals.connect()  # the counts' tables, kept in the writing transaction
    post_migrate.connect(
        totals.rebuild_if_empty, sender=apps.get_app_config("public"), dispatch_uid="public-totals"
    )
