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


class EvidenceTally(models.Model):
    """How many public evidence items of one claim share a stance, a kind and a
    publication month: the ledger-wide evidence numbers (home, the list's facets,
    the overview) are sums over these rows (~12 per claim) instead of a pass over
    every evidence item. Kept in the writing transaction (`app.public.totals`)."""

    claim = models.ForeignKey("catalog.Claim", on_delete=models.CASCADE, related_name="+")
    stance = models.CharField(max_length=20)
    kind = models.CharField(max_length=30)
    month = models.DateField(null=True)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                # kind first: how many claims have each kind is read in this order
                fields=["kind", "claim", "stance", "month"],
                name="public_evidencetally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.n} {self.stance}/{self.kind} items of claim {self.claim_id} ({self.month})"


class PublicSource(models.Model):
    """One row per source every reader may see (`app.catalog.access.public_sources`),
    kept in the writing transaction (`app.public.totals`): the ledger-wide source
    numbers join these rows instead of testing the rule on every source."""

    source = models.OneToOneField(
        "catalog.Source", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Public source {self.source_id}"
