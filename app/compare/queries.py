"""Who sees a comparison: the one rule, used by the page, its files, the API and the package.

A comparison is visible exactly when its evidence item is
(``app.catalog.access``). Until its run has finished and two different editors
have reviewed it, only people who may change the evidence item see it; for
everyone else it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404

from app.catalog import access
from app.compare.models import Comparison, Review, RunStatus

REVIEWS_NEEDED = 2
# Rows a page of the review queue lists (settings.COMPARE_REVIEW_PAGE overrides it).
REVIEW_PAGE = 25


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


def may_review(user: Any) -> bool:
    """Who signs off on a finished comparison: editors (they may change any evidence item)."""
    return access.has(user, access.EDIT_ANY_EVIDENCE)


def review_page_size() -> int:
    return int(getattr(settings, "COMPARE_REVIEW_PAGE", REVIEW_PAGE))


def awaiting_review(user: Any) -> QuerySet[Comparison]:
    """The review queue of ``user``: finished comparisons still short of
    ``REVIEWS_NEEDED`` reviewers, on evidence ``user`` may see, that ``user`` may
    review (``may_review``), did not record and has not reviewed; oldest first, with
    ``signoffs`` (the number of different reviewers) and the claim and recorder joined.

    Nobody's queue holds their own comparison: the queue finds the *other* editor.
    """
    if not may_review(user):
        return Comparison.objects.none()
    theirs = Review.objects.filter(comparison=OuterRef("pk"), reviewer=user)
    return (
        Comparison.objects.filter(
            status=RunStatus.SUCCEEDED, evidence__in=access.visible_evidence(user).values("pk")
        )
        .exclude(created_by=user)  # a row whose recorder was deleted (NULL) stays
        .exclude(Exists(theirs))
        .annotate(signoffs=Count("reviews__reviewer", distinct=True))
        .filter(signoffs__lt=REVIEWS_NEEDED)
        .select_related("evidence__claim", "created_by")
        .order_by("created_at", "id")
    )


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
