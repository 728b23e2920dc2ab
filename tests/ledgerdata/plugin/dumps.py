"""A stand-in for another app (graph, disclosures) adding a record type to the dump."""

from collections.abc import Iterator
from typing import Any

from app.catalog.access import public_claims


def _rows() -> Iterator[dict[str, Any]]:
    for slug in public_claims().order_by("pk").values_list("slug", flat=True).iterator():
        yield {"claim": slug, "relation": "about"}


DUMP_RECORD_TYPES = [
    {"name": "relations", "columns": ["claim", "relation"], "rows": _rows, "order": 60}
]
