"""Who sees a comparison: the one rule, used by the page, its files, the API and the package.

A comparison is visible exactly when its evidence item is
(``app.catalog.access``). Until its run has finished and two different editors
have reviewed it, only people who may change the evidence item see it; for
everyone else it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404

from app.catalog import access
from app.compare.models import Comparison, RunStatus

REVIEWS_NEEDED = 2


def public_comparisons() -> QuerySet[Comparison]:
    """Finished, reviewed by two editors, on published evidence of a published claim."""
    return (
        Comparison.objects.filter(
            status=RunStatus.SUCCEEDED, evidence__in=access.public_evidence().values("pk")
        )
        .annotate(reviewers=Count("reviews__reviewer", distinct=True))
        .filter(reviewers__gte=REVIEWS_NEEDED)
    )


def is_reviewed(comparison: Comparison) -> bool:
    """Two different editors have reviewed it: it may be shown with published evidence."""
    return comparison.reviews.values("reviewer").distinct().count() >= REVIEWS_NEEDED


def access_comparison(user: Any, pk: int, *, write: bool = False) -> Comparison:
    """The comparison if ``user`` may see it (else 404) and, with ``write``, change it
    (record, run, review: else 403)."""
    comparison = (
        Comparison.objects.select_related("evidence__claim", "evidence__source", "output")
        .filter(pk=pk)
        .first()
    )
    if comparison is None:
        raise Http404("No such comparison.")
    access.access_evidence(user, comparison.evidence_id)
    if write:
        access.access_evidence(user, comparison.evidence_id, write=True)
        return comparison
    if comparison.status != RunStatus.SUCCEEDED or not is_reviewed(comparison):
        try:
            access.access_evidence(user, comparison.evidence_id, write=True)
        except PermissionDenied:
            raise Http404("No such comparison.") from None
    return comparison
