"""JSON API: /api/v1/comparisons. Only comparisons every reader may see
(``app.compare.queries.public_comparisons``), so the answers are cached like the pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from app.compare.models import ComparisonFile
from app.compare.queries import public_comparisons
from app.compare.serializers import comparison_dict
from app.public.cache import public_page

MAX_RESULTS = 200


# The API app's conventions (app/api/views.py), kept here: the API app imports this
# app for its OpenAPI document, so importing it back would make a cycle.
def error(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "message": message}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def ok(data: Any) -> JsonResponse:
    return JsonResponse(data, safe=False, json_dumps_params={"ensure_ascii": False})


def api_get(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only, cached like the pages, with JSON errors for 404 and 405."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in {"GET", "HEAD"}:
            response = error(405, "Only GET is allowed here.")
            response["Allow"] = "GET, HEAD"
            return response
        try:
            return view(request, *args, **kwargs)
        except Http404 as problem:
            return error(404, str(problem) or "Not found.")

    return public_page(wrapper)


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
