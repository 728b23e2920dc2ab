"""A stand-in for another app adding a record type to the dump (graph and disclosures
add theirs the same way: app/graph/dumps.py, app/disclosures/dumps.py)."""

from collections.abc import Iterator
from typing import Any

from app.catalog.access import public_claims


def _rows() -> Iterator[dict[str, Any]]:
    for slug in public_claims().order_by("pk").values_list("slug", flat=True).iterator():
        yield {"claim": slug, "relation": "about"}


DUMP_RECORD_TYPES = [
    {"name": "mentions", "columns": ["claim", "relation"], "rows": _rows, "order": 90}
]
