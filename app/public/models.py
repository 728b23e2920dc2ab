"""The reader site's own tables: a searchable copy of each source's archived text."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SourceText(models.Model):
    """The extracted text of a source's latest successful capture, kept for search.

    On PostgreSQL this table also has a ``search_vector`` tsvector column, kept
    up to date by a trigger and indexed with GIN (migration 0001). It is not a
    model field on purpose: the ORM never loads it, only the search SQL reads it.
    """

    source = models.OneToOneField(
        "catalog.Source", on_delete=models.CASCADE, primary_key=True, related_name="archived_text"
    )
    capture = models.ForeignKey(
        "archive.Capture", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    indexed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Archived text of source {self.source_id} ({len(self.text)} characters)"
