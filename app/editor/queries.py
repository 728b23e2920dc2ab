"""Reads for the workspace: every list is a fixed number of queries (no N+1)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet

from app.archive.models import CaptureStatus
from app.archive.queries import sources_with_status
from app.catalog import audit
from app.catalog.access import visible_evidence
from app.catalog.models import AuditEntry, Claim, Entity, Evidence, Source

DASHBOARD_LIMIT = 50


def evidence_for_claim(claim: Claim, user: Any) -> QuerySet[Evidence]:
    """The evidence of a claim that ``user`` may see, with source and archive status."""
    items = visible_evidence(user).filter(claim=claim)
    return items.select_related("added_by").prefetch_related(
        Prefetch("source", queryset=sources_with_status(user))
    )


def claim_for_editing() -> QuerySet[Claim]:
    entities = Entity.objects.select_related("developer")
    return Claim.objects.select_related("created_by").prefetch_related(
        Prefetch("models_named", queryset=entities), Prefetch("content_named", queryset=entities)
    )


def claim_with_relations() -> QuerySet[Claim]:
    """`claim_for_editing` with the relations the claim asserts, ends and version joined
    (one query more). The graph app builds on the editor, so its model is found by name."""
    relation = apps.get_model("graph", "Relation")
    chain = relation.objects.select_related("upstream", "downstream", "dataset_version")
    return claim_for_editing().prefetch_related(Prefetch("relations", queryset=chain))


def my_claims(user: Any, *states: str) -> QuerySet[Claim]:
    """My claims in these states, newest change first (published ones newest published)."""
    return (
        Claim.objects.filter(created_by=user, state__in=states)
        .annotate(n_evidence=Count("evidence"))
        .order_by("-updated_at", "-id")[:DASHBOARD_LIMIT]
    )


def my_evidence(user: Any, *states: str) -> QuerySet[Evidence]:
    return (
        Evidence.objects.filter(added_by=user, state__in=states)
        .select_related("claim", "source")
        .order_by("-updated_at", "-id")[:DASHBOARD_LIMIT]
    )


def my_sources(user: Any) -> QuerySet[Source]:
    """The sources I added, less those whose latest capture failed: the dashboard lists
    those once, under failed captures."""
    return (
        sources_with_status(user)
        .filter(added_by=user)
        .filter(Q(capture_status__isnull=True) | ~Q(capture_status=CaptureStatus.FAILED))
        .order_by("-created_at", "-id")[:DASHBOARD_LIMIT]
    )


def failed_sources(user: Any, *, everyone: bool) -> QuerySet[Source]:
    """Sources whose latest capture failed: mine, or everyone's for those who may retry."""
    sources = sources_with_status(user).filter(capture_status=CaptureStatus.FAILED)  # type: ignore[misc]
    if not everyone:
        sources = sources.filter(added_by=user)
    return sources.order_by("-updated_at", "-id")[:DASHBOARD_LIMIT]


def entity_search(query: str, *, kind: str = "", limit: int = 10) -> list[Entity]:
    words = query.replace("\x00", "").strip()[:100]
    if not words:
        return []
    found = Entity.objects.select_related("developer").filter(
        Q(name__icontains=words) | Q(slug__icontains=words.replace(" ", "-"))
    )
    if kind:
        found = found.filter(kind=kind)
    return list(found.order_by("name")[:limit])


def relation_changes(claim: Claim, limit: int = 50) -> list[dict[str, Any]]:
    """The audit entries of the relations ``claim`` asserts or asserted (added, changed,
    removed, with the reason), newest first: a change to a relation is never silent."""
    rows = (
        AuditEntry.objects.filter(action__startswith="relation.")
        .filter(Q(after__claim=claim.slug) | Q(before__claim=claim.slug))
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        {
            "entry": row,
            "label": audit.action_label(row.action),
            "changes": [
                c for c in audit.field_changes(row.before, row.after) if c.field != "claim"
            ],
        }
        for row in rows
    ]
