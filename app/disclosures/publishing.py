"""Disclosures, gap entries and cases go through the trust core's one state machine."""

from __future__ import annotations

from app.catalog import publication
from app.disclosures.access import can_edit
from app.disclosures.models import Case, Disclosure, GapEntry


def register() -> None:
    publication.register(
        Disclosure, publication.Publishable("disclosure", "created_by_id", can_edit)
    )
    publication.register(GapEntry, publication.Publishable("gap entry", "created_by_id", can_edit))
    publication.register(Case, publication.Publishable("case", "created_by_id", can_edit))
