"""Public pages show disclosures, the gap and cases: any change bumps their cache
version after commit, as catalog changes do (`app.public.signals`); a deletion
purges it, so no reader is served a stale copy of a deleted row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

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


def connect() -> None:
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
