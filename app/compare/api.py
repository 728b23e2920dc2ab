"""JSON API: /api/v1/comparisons. Only comparisons every reader may see
(``app.compare.queries.public_comparisons``), so the answers are cached like the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse

from app.compare.models import ComparisonFile
from app.compare.queries import public_comparisons
from app.compare.serializers import comparison_dict
from app.public.jsonapi import api_get, ok

MAX_RESULTS = 200


def _visible() -> Any:
    return (
        public_comparisons()
        .select_related("evidence__claim", "output")
        .prefetch_related(
            Prefetch("files", ComparisonFile.objects.order_by("name")),
            "inputs__video",
            "elements__video",
        )
        .order_by("pk")
    )


@api_get
def comparison_list(request: HttpRequest) -> HttpResponse:
    items = _visible()
    claim = request.GET.get("claim", "").strip()
    if claim:
        items = items.filter(evidence__claim__slug=claim)
    return ok({"results": [comparison_dict(c) for c in items[:MAX_RESULTS]]})


@api_get
def comparison_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible().filter(pk=pk).first()
    if item is None:
        raise Http404("No such comparison.")
    return ok(comparison_dict(item))
