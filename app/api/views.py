"""JSON API v1, read side: published claims, entities and cited sources only.

Errors are JSON: ``{"error": {"status": 400, "message": "..."}}``; a bad filter
value is a 400, an unknown slug or id a 404. The write side is in write.py.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
)
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from app.api import serializers
from app.api.openapi import document
from app.archive.models import Artifact
from app.catalog import access
from app.graph.serializers import dataset_index
from app.public import queries
from app.public.filters import BadFilter, page_number, parse_filters
from app.public.jsonapi import api_get, error, ok
from app.public.render import absolute


def _int_param(params: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = params.get(name, "").strip() or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadFilter(f"“{name}” must be a whole number from 1 to {maximum}.")
    return int(raw)


def _page_link(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return absolute(f"{reverse('api:claims')}?{params.urlencode()}")


@api_get
def claim_list(request: HttpRequest) -> HttpResponse:
    filters = parse_filters(request.GET)
    size = _int_param(request.GET, "page_size", queries.PER_PAGE, queries.MAX_PER_PAGE)
    number = page_number(request.GET)
    listing = queries.claim_list(filters, page=number, per_page=size, with_facets=False)
    return ok(
        {
            "count": listing.total,
            "count_is_estimate": listing.estimated,
            "page": listing.number,
            "pages": listing.num_pages,
            "next": _page_link(request, number + 1) if listing.has_next else None,
            "previous": _page_link(request, number - 1) if listing.has_previous else None,
            "results": [serializers.claim_summary(c) for c in listing.claims],
        }
    )


@api_get
def claim_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = queries.claim_page(slug)
    return ok(serializers.claim_detail(page))


@api_get
def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = queries.entity_page(slug)
    entity = page.entity
    data = serializers.entity_record(entity)
    data.update(
        models_developed=[serializers.entity_ref(e) for e in page.developed],
        models_said_trained_on_it=[
            {**serializers.entity_ref(e), "claim_count": e.claim_count}  # type: ignore[attr-defined]
            for e in page.trained_models
        ],
        claim_count=page.total,
        dataset_index=dataset_index(entity),  # app/graph: index metadata, never the rows
        claims={
            verdict: [serializers.claim_summary(c) for c in claims]
            for verdict, _label, claims in page.groups
        },
    )
    return ok(data)


@api_get
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = access.access_source(access.ANONYMOUS, pk)
    captures = list(
        source.captures.order_by("-created_at", "-id")
        .select_related("consent")
        .prefetch_related(Prefetch("artifacts", queryset=Artifact.objects.order_by("id")))
    )
    return ok(serializers.source_detail(source, captures))


@api_get
def openapi(request: HttpRequest) -> HttpResponse:
    return ok(document(server=absolute("/api/v1")))


@csrf_exempt  # any method: a JSON 404, not the CSRF check's HTML 403
def not_found(request: HttpRequest) -> JsonResponse:
    return error(404, "No API endpoint at this address; see /api/v1/openapi.json.")
