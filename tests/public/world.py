"""A small ledger for page tests: a model, its developer, a work, claims with archived evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.archive.models import ArtifactKind
from app.archive.storage import store_artifact
from app.catalog.choices import EntityKind, EvidenceKind, Stance, Verdict
from app.catalog.models import Claim, Entity, Evidence, VerdictChange
from app.public.search import index_source
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EntityFactory,
    EvidenceFactory,
    ModelEntityFactory,
    SourceFactory,
)


@dataclass
class World:
    developer: Entity
    model: Entity
    work: Entity
    claim: Claim
    claims: list[Claim] = field(default_factory=list)


def archived_evidence(claim: Claim, n: int, **extra: Any) -> list[Evidence]:
    """Evidence items citing sources that each have a capture with files and archived text."""
    items = []
    for i in range(n):
        source = SourceFactory()
        capture = CaptureFactory(source=source, manifest_sha256="ab" * 32)
        store_artifact(
            capture=capture, kind=ArtifactKind.WARC, name="page.warc.gz", data=b"WARC %d" % i
        )
        store_artifact(
            capture=capture,
            kind=ArtifactKind.TEXT,
            name="text.txt",
            data=f"Archived text {source.pk} about blocky gameplay.".encode(),
            media_type="text/plain",
        )
        index_source(source.pk)
        stance = [Stance.SUPPORTS, Stance.CONTRADICTS, Stance.CONTEXT][i % 3]
        items.append(EvidenceFactory(claim=claim, source=source, stance=stance, **extra))
    return items


def make_world(evidence: int = 2) -> World:
    developer = EntityFactory(kind=EntityKind.ORGANIZATION, name="Frontier Labs", slug="frontier")
    model = ModelEntityFactory(name="Vidgen", slug="vidgen", developer=developer)
    work = EntityFactory(name="Blockcraft", slug="blockcraft")
    claim = ClaimFactory(
        statement="Vidgen was trained on Blockcraft gameplay.",
        slug="vidgen-blockcraft",
        verdict=Verdict.SUPPORTED,
        summary="Outputs show the **Blockcraft** toolbar.",
    )
    claim.models_named.add(model)
    claim.content_named.add(work)
    archived_evidence(claim, evidence, kind=EvidenceKind.OUTPUT_COMPARISON)
    VerdictChange.objects.create(claim=claim, new_verdict=Verdict.SUPPORTED, note="Reviewed.")
    return World(developer, model, work, claim, [claim])


def grow(world: World, n: int = 20) -> None:
    """n more claims naming the same entities, n more evidence items and verdict changes."""
    for _ in range(n):
        claim = ClaimFactory(verdict=Verdict.DISPUTED)
        claim.models_named.add(world.model)
        claim.content_named.add(world.work)
        world.claims.append(claim)
        VerdictChange.objects.create(
            claim=world.claim, new_verdict=Verdict.SUPPORTED, note="Again."
        )
    archived_evidence(world.claim, n, time_start=Decimal("12"), time_end=Decimal("20"))
    for claim in world.claims[-n:]:
        archived_evidence(claim, 1)
