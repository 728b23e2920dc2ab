"""Reads about sources and their captures shared by the workspace and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from app.archive.models import Capture
from app.catalog.access import visible_evidence
from app.catalog.models import Evidence, Source


def sources_with_status(user: Any = None) -> QuerySet[Source]:
    """Sources annotated with their latest capture and how many claims cite them.

    ``capture_id``, ``capture_status``, ``capture_error_class``,
    ``capture_error_text``, ``capture_origin`` (all None without a capture)
    and ``n_claims``: the claims citing it that ``user`` may see (all of them
    when ``user`` is None, for internal use), so a count never reveals a draft.
    """
    latest = Capture.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-id")
    citing = (
        (Evidence.objects.all() if user is None else visible_evidence(user))
        .filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(n=Count("claim", distinct=True))
        .values("n")
    )
    return Source.objects.annotate(
        capture_id=Subquery(latest.values("id")[:1]),
        capture_status=Subquery(latest.values("status")[:1]),
        capture_error_class=Subquery(latest.values("error_class")[:1]),
        capture_error_text=Subquery(latest.values("error_text")[:1]),
        capture_origin=Subquery(latest.values("origin")[:1]),
        n_claims=Coalesce(Subquery(citing, output_field=IntegerField()), Value(0)),
    )
