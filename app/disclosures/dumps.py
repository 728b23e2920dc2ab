"""Disclosures and court cases in the daily dump (read by `app.ledgerdata.records`).

Rows are the API's shapes (`app.disclosures.serializers`): a disclosure with
its sections, a case with its parties, timeline, documents, models and the
public claims it bears on (as ``/api/v1/cases/{slug}`` gives it). Only what
readers may see: `app.disclosures.access` applies the trust core's rule.
The disclosure gap is not dumped yet (it is a judgement per claim, shown on
the claim and developer pages and in ``/api/v1/exports/gap``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch

from app.catalog.access import ANONYMOUS, public_claims
from app.disclosures import access
from app.disclosures.models import CaseDocument, CaseEvent, CaseParty, DisclosureSection
from app.disclosures.serializers import case_dict, disclosure_dict

DISCLOSURE_COLUMNS = [
    "id", "model", "kind", "title", "version", "published_on", "supersedes", "source",
    "is_demo", "published_at", "url", "sections",
]  # fmt: skip
CASE_COLUMNS = [
    "slug", "title", "court", "docket_number", "filed_on", "judge", "status", "summary",
    "is_demo", "url", "parties", "events", "documents", "models", "claims",
]  # fmt: skip


def disclosure_rows() -> Iterator[dict[str, Any]]:
    items = (
        access.visible_disclosures(ANONYMOUS)
        .select_related("model", "source")
        .prefetch_related(Prefetch("sections", DisclosureSection.objects.order_by("id")))
        .order_by("pk")
    )
    for item in items.iterator(chunk_size=500):
        yield disclosure_dict(item)


def case_rows() -> Iterator[dict[str, Any]]:
    cases = (
        access.visible_cases(ANONYMOUS)
        .prefetch_related(
            Prefetch("parties", CaseParty.objects.select_related("entity")),
            Prefetch("events", CaseEvent.objects.select_related("document")),
            Prefetch("documents", CaseDocument.objects.select_related("source")),
            "models_concerned",
            Prefetch("claims", public_claims().order_by("slug").only("pk", "slug")),
        )
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=500):
        data = case_dict(case, detail=True)
        data["models"] = sorted(data["models"])
        data["claims"] = [claim.slug for claim in case.claims.all()]
        yield data


DUMP_RECORD_TYPES: list[dict[str, Any]] = [
    {"name": "disclosures", "columns": DISCLOSURE_COLUMNS, "rows": disclosure_rows, "order": 70},
    {"name": "cases", "columns": CASE_COLUMNS, "rows": case_rows, "order": 80},
]
