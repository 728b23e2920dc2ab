"""The reader's pages: published claims only; drafts are 404, never revealed."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from app.archive.models import Capture
from app.catalog.choices import PublicationState, Stance
from app.catalog.models import Claim, Entity, Evidence


def _published_claims() -> object:
    return (
        Claim.objects.published()
        .annotate(
            evidence_count=Count(
                "evidence", filter=Q(evidence__state=PublicationState.PUBLISHED), distinct=True
            )
        )
        .prefetch_related("models_named", "content_named")
        .order_by("-published_at", "-id")
    )


def home(request: HttpRequest) -> HttpResponse:
    claims = _published_claims()[:10]  # type: ignore[index]
    return render(request, "public/home.html", {"claims": claims})


def claim_list(request: HttpRequest) -> HttpResponse:
    return render(request, "public/claim_list.html", {"claims": _published_claims()})


def access_claim(slug: str) -> Claim:
    """A published claim by slug, or 404 (a draft's existence is not revealed)."""
    return get_object_or_404(
        Claim.objects.published().prefetch_related("models_named", "content_named"), slug=slug
    )


def claim_detail(request: HttpRequest, slug: str) -> HttpResponse:
    claim = access_claim(slug)
    captures = Capture.objects.filter(status__in=["succeeded", "partial"]).order_by("-created_at")
    evidence = list(
        Evidence.objects.published()
        .filter(claim=claim)
        .select_related("source")
        .prefetch_related(Prefetch("source__captures", queryset=captures))
    )
    groups = [
        (label, [item for item in evidence if item.stance == value])
        for value, label in Stance.choices
    ]
    return render(
        request,
        "public/claim_detail.html",
        {
            "claim": claim,
            "groups": [(label, items) for label, items in groups if items],
            "verdict_changes": claim.verdict_changes.all(),
        },
    )


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entity = get_object_or_404(Entity.objects.select_related("developer"), slug=slug)
    claims = (
        _published_claims()
        .filter(Q(models_named=entity) | Q(content_named=entity))  # type: ignore[attr-defined]
        .distinct()
    )
    return render(request, "public/entity_detail.html", {"entity": entity, "claims": claims})
