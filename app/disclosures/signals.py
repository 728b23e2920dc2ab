"""Public pages show disclosures, the gap and cases: any change bumps their cache
version after commit, as catalog changes do (`app.public.signals`); a deletion
purges it, so no reader is served a stale copy of a deleted row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from app.catalog import access as catalog_access
from app.disclosures import models as m
from app.disclosures.access import disclosed_source_ids, filed_source_ids
from app.disclosures.publishing import register

WATCHED = (
    m.Disclosure, m.DisclosureSection, m.MarketPresence, m.DatasetCard, m.GapEntry,
    m.Case, m.CaseParty, m.CaseDocument, m.CaseEvent,
)  # fmt: skip


def _bump(sender: Any, **kwargs: Any) -> None:
    from app.public.cache import bump_version  # the page cache is the public app's

    connection = transaction.get_connection()
    if any(entry[1] is bump_version for entry in connection.run_on_commit):
        return
    transaction.on_commit(bump_version)


def _purge(sender: Any, **kwargs: Any) -> None:
    from app.public.cache import purge_all

    connection = transaction.get_connection()
    if any(entry[1] is purge_all for entry in connection.run_on_commit):
        return
    transaction.on_commit(purge_all)


def _sources_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    """The sources a disclosure or a case document cites as stored (before a change)."""
    before: list[int] = []
    if instance.pk is not None and not instance._state.adding:
        before = list(sender.objects.filter(pk=instance.pk).values_list("source_id", flat=True))
    instance._sources_before = before


def _sources_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A published record cites sources: recount which sources are public, in the writing
    transaction (`app.public.totals`)."""
    from app.public.totals import refresh_sources

    if sender is m.Case:
        ids = list(instance.documents.values_list("source_id", flat=True))
    else:
        ids = [instance.source_id, *getattr(instance, "_sources_before", [])]
    refresh_sources(ids)


def connect() -> None:
    for citer in (m.Disclosure, m.CaseDocument, m.Case):
        name = citer.__name__
        if citer is not m.Case:
            pre_save.connect(_sources_before, sender=citer, dispatch_uid=f"disclosures-src-{name}")
        post_save.connect(_sources_changed, sender=citer, dispatch_uid=f"disclosures-pub-{name}")
        post_delete.connect(_sources_changed, sender=citer, dispatch_uid=f"disclosures-del-{name}")
    for model in WATCHED:
        name = model.__name__
        post_save.connect(_bump, sender=model, dispatch_uid=f"disclosures-bump-save-{name}")
        post_delete.connect(_purge, sender=model, dispatch_uid=f"disclosures-bump-del-{name}")
    for through in (m.Case.claims.through, m.Case.models_concerned.through):
        m2m_changed.connect(_bump, sender=through, dispatch_uid=f"disclosures-bump-m2m-{through}")


register()
connect()
catalog_access.register_public_citer(disclosed_source_ids)
catalog_access.register_public_citer(filed_source_ids)
