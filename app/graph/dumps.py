"""The graph's record type in the daily dump (read by `app.ledgerdata.records`).

One row per relation of a public claim, in the API's shape
(`app.graph.serializers.relation_json`) with the slug of the claim that
asserts it. A relation is public exactly when its claim is, so the trust
core's ``public_claims()`` chooses the rows. Dataset member lists are not
dumped: an index is its archived file, imported with ``import_dataset_index``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.graph.models import Relation
from app.graph.serializers import relation_json
from app.graph.visibility import public_claims

RELATION_COLUMNS = [
    "claim", "kind", "from", "to", "stage", "attribution", "dataset_version", "note",
]  # fmt: skip


def relation_rows() -> Iterator[dict[str, Any]]:
    rows = (
        Relation.objects.filter(claim__in=public_claims())
        .select_related("claim", "upstream", "downstream", "dataset_version")
        .order_by("pk")
    )
    for relation in rows.iterator(chunk_size=1000):
        yield {"claim": relation.claim.slug, **relation_json(relation)}


DUMP_RECORD_TYPES: list[dict[str, Any]] = [
    {"name": "relations", "columns": RELATION_COLUMNS, "rows": relation_rows, "order": 60},
]
