"""One shape per graph record, for the API, the exports and the lookup (STYLE.md 16).

Index metadata only: a dataset's versions with their file hash, size and row
count, never the member rows themselves (the lookup returns the rows it matched).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from app.catalog.choices import EntityKind
from app.catalog.models import Claim, Entity
from app.graph.models import Dataset, DatasetVersion, ImportStatus, Relation
from app.graph.visibility import public_claims


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def relation_json(r: Relation) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "from": {"slug": r.upstream.slug, "name": r.upstream.name, "kind": r.upstream.kind},
        "to": {"slug": r.downstream.slug, "name": r.downstream.name, "kind": r.downstream.kind},
        "stage": r.stage or None,
        "attribution": r.attribution or None,
        "dataset_version": r.dataset_version.number if r.dataset_version else None,
        "note": r.note,
    }


def claim_relations(claim: Claim) -> list[dict[str, Any]]:
    """The links a claim asserts (the caller has already decided the claim is visible)."""
    rows = claim.relations.select_related("upstream", "downstream", "dataset_version")
    return [relation_json(r) for r in rows.order_by("position", "id")]


def version_json(v: DatasetVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "label": v.label,
        "file_format": v.file_format,
        "file_sha256": v.file_sha256,
        "file_size": v.file_size,
        "rows": v.row_count,
        "rejected_lines": v.rejected_count,
        "imported_at": _iso(v.imported_at),
        "source_url": v.source.url if v.source else None,
    }


def dataset_index(entity: Entity) -> dict[str, Any] | None:
    """A dataset entity's index metadata and imported versions, or None."""
    if entity.kind != EntityKind.DATASET:
        return None
    dataset = Dataset.objects.filter(entity=entity).first()
    if dataset is None:
        return None
    versions = dataset.versions.filter(status=ImportStatus.DONE).select_related("source")
    return {
        "homepage": dataset.homepage or None,
        "license": dataset.license or None,
        "versions": [version_json(v) for v in versions.order_by("-number")],
    }


def relation_rows() -> Iterator[dict[str, Any]]:
    """Every relation of a public claim, flat, for the exports."""
    rows = (
        Relation.objects.filter(claim__in=public_claims())
        .select_related("claim", "upstream", "downstream", "dataset_version")
        .order_by("pk")
    )
    for r in rows.iterator(chunk_size=2000):
        yield {
            "id": r.pk,
            "claim": r.claim.slug,
            "kind": r.kind,
            "from": r.upstream.slug,
            "from_kind": r.upstream.kind,
            "to": r.downstream.slug,
            "to_kind": r.downstream.kind,
            "stage": r.stage,
            "attribution": r.attribution,
            "dataset_version": r.dataset_version.number if r.dataset_version else "",
            "verdict": r.claim.verdict,
            "evidence_strength": r.claim.evidence_strength,
        }


def version_rows() -> Iterator[dict[str, Any]]:
    """Every imported index version's metadata, for the exports."""
    rows = (
        DatasetVersion.objects.filter(status=ImportStatus.DONE)
        .select_related("dataset__entity", "source")
        .order_by("dataset_id", "number")
    )
    for v in rows.iterator(chunk_size=2000):
        yield {"dataset": v.dataset.entity.slug, **version_json(v)}


EXPORTS = {"relations": relation_rows, "dataset-versions": version_rows}
EXPORT_COLUMNS = {
    "relations": ["id", "claim", "kind", "from", "from_kind", "to", "to_kind", "stage",
                  "attribution", "dataset_version", "verdict", "evidence_strength"],
    "dataset-versions": ["dataset", "number", "label", "file_format", "file_sha256",
                         "file_size", "rows", "rejected_lines", "imported_at", "source_url"],
}  # fmt: skip
