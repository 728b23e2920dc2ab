"""Plain dicts for the JSON API and the exports: the field names are the contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.archive.models import Artifact, Capture
from app.archive.serializers import (
    API_ARTIFACT,
    API_CAPTURE,
    artifact_to_dict,
    capture_to_dict,
    signals_summary,
)
from app.catalog.models import Claim, Entity, Source, Tag
from app.graph.serializers import claim_relations
from app.public.queries import ClaimPage, EvidenceView
from app.public.render import absolute, fast_reverse
from app.public.rows import CaptureRow, SourceRow


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def seconds(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def entity_ref(entity: Entity) -> dict[str, Any]:
    return {
        "slug": entity.slug,
        "name": entity.name,
        "kind": entity.kind,
        "url": absolute(fast_reverse("public:entity", entity.slug)),
        "api_url": absolute(fast_reverse("api:entity", entity.slug)),
    }


def claim_summary(
    claim: Claim, models: list[Entity] | None = None, content: list[Entity] | None = None
) -> dict[str, Any]:
    """A claim as listed (needs ``models_named``/``content_named`` prefetched, or given)."""
    if models is None:
        models = list(claim.models_named.all())
    if content is None:
        content = list(claim.content_named.all())
    return {
        "slug": claim.slug,
        "statement": claim.statement,
        "verdict": claim.verdict,
        "evidence_strength": claim.evidence_strength,
        "developer_response": claim.developer_response,
        "language": claim.language,
        "first_seen": iso(claim.first_seen),
        "published_at": iso(claim.published_at),
        "updated_at": iso(claim.updated_at),
        "evidence_count": getattr(claim, "evidence_count", None),
        "models": [entity_ref(e) for e in models],
        "content": [entity_ref(e) for e in content],
        "url": absolute(fast_reverse("public:claim", claim.slug)),
        "api_url": absolute(fast_reverse("api:claim", claim.slug)),
    }


def claim_record(
    claim: Claim, models: list[Entity], content: list[Entity], tags: list[Tag]
) -> dict[str, Any]:
    """A claim with its own fields but without its evidence: the daily dump's row."""
    data = claim_summary(claim, models, content)
    data.update(
        summary=claim.summary,
        developer_contacted_on=iso(claim.developer_contacted_on),
        developer_contact_channel=claim.developer_contact_channel,
        tags=[t.slug for t in tags],
    )
    return data


def claim_detail(page: ClaimPage) -> dict[str, Any]:
    claim, evidence, changes = page.claim, page.evidence, page.verdict_changes
    data = claim_record(claim, page.models, page.content, page.tags)
    data["evidence_count"] = len(evidence)
    data.update(
        verdict_history=[
            {
                "changed_at": iso(c.changed_at),
                "old_verdict": c.old_verdict or None,
                "new_verdict": c.new_verdict,
                "old_strength": c.old_strength,
                "new_strength": c.new_strength,
                "note": c.note,
            }
            for c in changes
        ],
        evidence=[evidence_item(view) for view in evidence],
        relations=claim_relations(claim),  # app/graph: the links this claim asserts
    )
    return data


def evidence_item(view: EvidenceView) -> dict[str, Any]:
    item, source, capture = view.item, view.item.source, view.capture
    return {
        "id": item.pk,
        "kind": item.kind,
        "stance": item.stance,
        "summary": item.summary,
        "quote": item.quote,
        "locator": item.locator,
        "method_note": item.method_note,
        "grounding": item.grounding or None,
        "time_start": seconds(item.time_start),
        "time_end": seconds(item.time_end),
        "published_at": iso(item.published_at),
        "source": source_ref(source),
        "source_changed_after_citation": view.changed_after_citation,
        "archived_copy": capture_ref(capture) if capture else None,
    }


def evidence_record(view: EvidenceView, claim_slug: str) -> dict[str, Any]:
    """An evidence item on its own (the daily dump's row): the API's item and its claim."""
    return {"claim": claim_slug, **evidence_item(view)}


def source_ref(source: Source | SourceRow) -> dict[str, Any]:
    return {
        "id": source.pk,
        "url": source.url,
        "title": source.title,
        "publisher": source.display_publisher,
        "published_on": iso(source.published_on),
        "online_status": source.online_status,
        "gone_since": iso(source.gone_since),
        "api_url": absolute(fast_reverse("api:source", source.pk)),
        "archived_copy_url": absolute(fast_reverse("archive:source", source.pk)),
    }


def capture_ref(capture: Capture | CaptureRow) -> dict[str, Any]:
    return {
        "capture_id": capture.pk,
        "captured_at": iso(capture.created_at),
        "manifest_sha256": capture.manifest_sha256 or None,
    }


def _download(item: Artifact) -> dict[str, Any]:
    return {"download_url": absolute(fast_reverse("archive:artifact", item.pk, item.name))}


def artifact(item: Artifact, *, with_capture: bool = False) -> dict[str, Any]:
    """An archived file's metadata; ``with_capture`` adds its capture's id (dump rows)."""
    fields = ("capture_id", *API_ARTIFACT) if with_capture else API_ARTIFACT
    return artifact_to_dict(item, fields, extra=_download)


def source_record(source: Source) -> dict[str, Any]:
    """A source with its own fields but without its captures: the daily dump's row."""
    data = source_ref(source)
    data.update(
        normalized_url=source.normalized_url,
        kind=source.kind,
        author=source.author,
        language=source.language,
        description=source.description,
        last_checked_at=iso(source.last_checked_at),
        last_changed_at=iso(source.last_changed_at),
    )
    return data


def capture_item(c: Capture, *, with_source: bool = False) -> dict[str, Any]:
    """A capture without its files; ``with_source`` adds its source's id (dump rows)."""
    fields = ("source_id", *API_CAPTURE) if with_source else API_CAPTURE
    return capture_to_dict(c, fields, empty_as_null=True)


def source_detail(source: Source, captures: list[Capture]) -> dict[str, Any]:
    data = source_record(source)
    data["captures"] = [
        {
            **capture_item(c),
            "artifacts": [artifact(a) for a in c.artifacts.all()],
            "signals": signals_summary(c),
        }
        for c in captures
    ]
    return data


def entity_record(entity: Entity) -> dict[str, Any]:
    """An entity's own fields (needs ``developer`` selected): the API's entity without
    its claims, and the daily dump's row."""
    data = entity_ref(entity)
    data.update(
        description=entity.description,
        aliases=entity.aliases,
        wikidata_id=entity.wikidata_id or None,
        website=entity.website or None,
        developer=entity_ref(entity.developer) if entity.developer else None,
    )
    return data
