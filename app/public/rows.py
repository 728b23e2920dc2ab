"""Read-only rows of the claim page: plain objects built from ``values_list``.

A claim page lists every published evidence item with its source, the capture
that shows the source as cited, and that capture's files. Built as model
instances those were about a third of the page's CPU time (bench/web); these
slotted dataclasses carry the same attribute names the templates, the JSON-LD
and the API serializers read (``pk``, ``source_id``, ``display_publisher`` …),
and nothing else. They are never saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.catalog.models import display_publisher


@dataclass(slots=True)
class SourceRow:
    pk: int
    url: str
    normalized_url: str
    publisher: str
    title: str
    published_on: date | None
    language: str
    online_status: str
    gone_since: datetime | None
    last_changed_at: datetime | None

    FIELDS = (
        "id", "url", "normalized_url", "publisher", "title", "published_on", "language",
        "online_status", "gone_since", "last_changed_at",
    )  # fmt: skip

    @property
    def display_publisher(self) -> str:
        return display_publisher(self.publisher, self.normalized_url)


@dataclass(slots=True)
class EvidenceRow:
    pk: int
    source_id: int
    kind: str
    stance: str
    summary: str
    quote: str
    locator: str
    time_start: Decimal | None
    time_end: Decimal | None
    method_note: str
    grounding: str
    created_at: datetime
    published_at: datetime | None
    source: SourceRow

    FIELDS = (
        "id", "source_id", "kind", "stance", "summary", "quote", "locator", "time_start",
        "time_end", "method_note", "grounding", "created_at", "published_at",
    )  # fmt: skip

    @classmethod
    def with_source(cls, row: tuple[Any, ...]) -> EvidenceRow:
        """From a ``values_list(*FIELDS, *("source__" + f for f in SourceRow.FIELDS))`` row."""
        n = len(cls.FIELDS)
        values = (*row[:n], SourceRow(*row[n:]))
        return cls(*values)


@dataclass(slots=True)
class CaptureRow:
    pk: int
    source_id: int
    created_at: datetime
    manifest_sha256: str
    status: str = "succeeded"
    error_class: str = ""
    error_text: str = ""

    FIELDS = ("id", "source_id", "created_at", "manifest_sha256")
    # The claim page also says what became of a capture without files.
    STATE_FIELDS = (*FIELDS, "status", "error_class", "error_text")


@dataclass(slots=True)
class ArtifactRow:
    pk: int
    capture_id: int
    kind: str
    name: str
    partial: bool
    metadata: dict[str, Any] | None  # frames' only (app.public.queries._ARTIFACT_COLUMNS)

    FIELDS = ("id", "capture_id", "kind", "name", "partial", "metadata")
