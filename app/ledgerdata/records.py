"""The record types of the daily dump, and the registry other apps add theirs to.

Every row is made by a serializer of `app.api.serializers`, so a dump row has
exactly the field names of API v1. Only what readers may see is dumped: the
trust core's public querysets (`app.catalog.access`) choose the rows.

Another app adds a record type without importing this one (it sits below):
its module ``<app>/dumps.py`` defines ``DUMP_RECORD_TYPES``, a list of dicts
``{"name": "relations", "columns": [...], "rows": callable, "order": 60}``
where ``rows()`` yields one dict per row with exactly those keys, in that
order, published data only. `record_types()` finds them in every installed app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from app.api import serializers
from app.archive.models import WITH_FILES, Artifact, Capture
from app.catalog.access import public_claims, public_evidence, public_sources
from app.catalog.models import Claim, Entity, Evidence, Source, Tag
from app.public.queries import EvidenceView
from app.public.rows import CaptureRow

CHUNK = 1000


@dataclass(frozen=True)
class RecordType:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[dict[str, Any]]]
    order: int = 100


def claim_rows() -> Iterator[dict[str, Any]]:
    # Trust core: public_claims()/public_evidence() decide what is published.
    names = Entity.objects.only("slug", "name", "kind").order_by("name")
    claims = (
        public_claims()
        .order_by("pk")
        .annotate(
            evidence_count=Count("evidence", filter=Q(evidence__in=public_evidence().values("pk")))
        )
        .prefetch_related(
            Prefetch("models_named", queryset=names),
            Prefetch("content_named", queryset=names),
            Prefetch("tags", queryset=Tag.objects.order_by("slug")),
        )
    )
    for claim in claims.iterator(chunk_size=CHUNK):
        yield serializers.claim_record(
            claim,
            list(claim.models_named.all()),
            list(claim.content_named.all()),
            list(claim.tags.all()),
        )


def _as_cited(field: str, before: bool) -> Subquery:
    """The capture with files that shows the cited source as cited: the last one made
    before the item was added, else the first one after (as on the claim page)."""
    runs = Capture.objects.filter(source=OuterRef("source_id"), status__in=WITH_FILES)
    if before:
        runs = runs.filter(created_at__lte=OuterRef("created_at")).order_by("-created_at", "-id")
    else:
        runs = runs.filter(created_at__gt=OuterRef("created_at")).order_by("created_at", "id")
    return Subquery(runs.values(field)[:1])


def evidence_rows() -> Iterator[dict[str, Any]]:
    items = (
        public_evidence()
        .select_related("source", "claim")
        .order_by("pk")
        .annotate(
            cap_id=Coalesce(_as_cited("id", True), _as_cited("id", False)),
            cap_at=Coalesce(_as_cited("created_at", True), _as_cited("created_at", False)),
            cap_sha=Coalesce(
                _as_cited("manifest_sha256", True), _as_cited("manifest_sha256", False)
            ),
        )
    )
    for item in items.iterator(chunk_size=CHUNK):
        capture = None
        if item.cap_id is not None:
            capture = CaptureRow(item.cap_id, item.source_id, item.cap_at, item.cap_sha)
        changed = item.source.last_changed_at
        view = EvidenceView(
            item=item,  # type: ignore[arg-type]
            capture=capture,
            artifacts=[],
            changed_after_citation=bool(changed and changed > item.created_at),
        )
        yield serializers.evidence_record(view, item.claim.slug)


def source_rows() -> Iterator[dict[str, Any]]:
    for source in public_sources().order_by("pk").iterator(chunk_size=CHUNK):
        yield serializers.source_record(source)


def capture_rows() -> Iterator[dict[str, Any]]:
    captures = Capture.objects.filter(source__in=public_sources()).order_by("pk")
    for capture in captures.iterator(chunk_size=CHUNK):
        yield serializers.capture_item(capture, with_source=True)


def artifact_rows() -> Iterator[dict[str, Any]]:
    files = Artifact.objects.filter(capture__source__in=public_sources()).order_by("pk")
    for item in files.iterator(chunk_size=CHUNK):
        yield serializers.artifact(item, with_capture=True)


def entity_rows() -> Iterator[dict[str, Any]]:
    # Entity pages are public whatever their claims' state (app.public.queries.entity_page).
    entities = Entity.objects.select_related("developer").order_by("pk")
    for entity in entities.iterator(chunk_size=CHUNK):
        yield serializers.entity_record(entity)


def _sample_columns() -> dict[str, tuple[str, ...]]:
    """Each core record type's columns: the keys its serializer gives, read from an unsaved
    object, so the CSV header can never drift from the API's field names."""
    entity = Entity(slug="x", name="x", kind="work")
    source = Source(pk=0, url="https://x.example/", normalized_url="https://x.example/")
    claim = Claim(slug="x", statement="x")
    item = Evidence(pk=0, source=source, claim=claim, kind="document", stance="context")
    capture = Capture(pk=0, source_id=0)
    view = EvidenceView(item=item, capture=None, artifacts=[], changed_after_citation=False)  # type: ignore[arg-type]
    return {
        "entities": tuple(serializers.entity_record(entity)),
        "claims": tuple(serializers.claim_record(claim, [], [], [])),
        "sources": tuple(serializers.source_record(source)),
        "evidence": tuple(serializers.evidence_record(view, "x")),
        "captures": tuple(serializers.capture_item(capture, with_source=True)),
        "artifacts": tuple(
            serializers.artifact(
                Artifact(pk=0, capture_id=0, name="x", size=0, sha256=""), with_capture=True
            )
        ),
    }


def core_record_types() -> list[RecordType]:
    """The ledger's own record types, in dependency order (an importer reads them so)."""
    columns = _sample_columns()
    return [
        RecordType("entities", columns["entities"], entity_rows, 10),
        RecordType("claims", columns["claims"], claim_rows, 20),
        RecordType("sources", columns["sources"], source_rows, 30),
        RecordType("evidence", columns["evidence"], evidence_rows, 40),
        RecordType("captures", columns["captures"], capture_rows, 50),
        RecordType("artifacts", columns["artifacts"], artifact_rows, 51),
    ]


def record_types() -> list[RecordType]:
    """Every record type to dump: the ledger's own, then those other apps declare."""
    found = core_record_types()
    for config in apps.get_app_configs():
        module_name = f"{config.name}.dumps"
        if config.name == __package__ or find_spec(module_name) is None:
            continue
        for spec in getattr(import_module(module_name), "DUMP_RECORD_TYPES", []):
            found.append(
                RecordType(
                    name=str(spec["name"]),
                    columns=tuple(spec["columns"]),
                    rows=spec["rows"],
                    order=int(spec.get("order", 100)),
                )
            )
    names = [r.name for r in found]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"Two dump record types have the same name: {sorted(duplicates)}.")
    return sorted(found, key=lambda r: (r.order, r.name))
