"""Everything a moderator needs to decide one queue item, read in a fixed number of queries.

The review panel shows the whole claim (statement, models, content, summary,
tags, language), every evidence item with its source, capture state in plain
words (`app.archive.states`) and the stamped screenshot, the item's history
(its audit entries), similar existing claims (possible duplicates) and the
author's record. Visibility still goes through `app.catalog.access`: the
panel is for moderators, who see everything, but it asks the one rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils.safestring import SafeString

from app.accounts.models import User
from app.archive.models import WITH_FILES, Artifact, ArtifactKind
from app.archive.queries import sources_with_status
from app.archive.states import CaptureState, describe_capture
from app.catalog.access import visible_claims, visible_evidence
from app.catalog.choices import PublicationState, Stance
from app.catalog.models import AuditEntry, Claim, Entity, Evidence
from app.catalog.publication import can_set
from app.lib.markdown import render_markdown
from app.moderation.choices import ItemKind, Outcome
from app.moderation.models import Decision
from app.moderation.queue import QueueItem

HISTORY_LIMIT = 20
SIMILAR_LIMIT = 5
# pg_trgm's similarity of two statements above which they are worth a second look.
SIMILARITY = 0.3


@dataclass
class EvidenceRow:
    item: Evidence
    capture: CaptureState
    screenshot: Artifact | None = None


@dataclass
class AuthorRecord:
    """What an author's earlier work became: claims and evidence by state, and how
    often a moderator sent their work back."""

    author: User
    claims: dict[str, int]
    evidence: dict[str, int]
    sent_back: int

    @property
    def is_new(self) -> bool:
        return not any(self.claims.values()) and not any(self.evidence.values())


@dataclass
class SimilarClaim:
    claim: Claim
    same_names: bool  # names at least one of the same models and the same content
    similarity: float  # statement similarity (PostgreSQL only; 0 elsewhere)

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


@dataclass
class Review:
    claim: Claim | None = None
    evidence: list[EvidenceRow] = field(default_factory=list)
    history: list[AuditEntry] = field(default_factory=list)
    similar: list[SimilarClaim] = field(default_factory=list)
    record: AuthorRecord | None = None
    summary_html: SafeString = field(default_factory=lambda: SafeString(""))
    # A reader's flag on a published claim the moderator may withdraw (the catalog's rule).
    withdrawable: Claim | None = None


def claims_with_names() -> QuerySet[Claim]:
    return Claim.objects.select_related("created_by").prefetch_related(
        Prefetch("models_named", queryset=Entity.objects.select_related("developer")),
        Prefetch("content_named", queryset=Entity.objects.order_by("name")),
        "tags",
    )


def evidence_rows(evidence: QuerySet[Evidence], user: Any) -> list[EvidenceRow]:
    """Each item with its source's latest capture in plain words and the newest screenshot."""
    items = list(
        evidence.select_related("added_by")
        .prefetch_related(Prefetch("source", queryset=sources_with_status(user)))
        .order_by("pk")
    )
    order = {value: n for n, value in enumerate(Stance.values)}
    items.sort(key=lambda item: (order.get(item.stance, len(order)), item.pk))
    shots = screenshots({item.source_id for item in items})
    return [
        EvidenceRow(
            item,
            describe_capture(
                item.source.capture_status,  # type: ignore[attr-defined]
                item.source.capture_error_class or "",  # type: ignore[attr-defined]
                item.source.capture_error_text or "",  # type: ignore[attr-defined]
            ),
            shots.get(item.source_id),
        )
        for item in items
    ]


def screenshots(source_ids: set[int]) -> dict[int, Artifact]:
    """The stamped screenshot of each source's newest capture that kept files (one query)."""
    if not source_ids:
        return {}
    found: dict[int, Artifact] = {}
    rows = (
        Artifact.objects.filter(
            kind=ArtifactKind.SCREENSHOT,
            capture__source_id__in=source_ids,
            capture__status__in=WITH_FILES,
        )
        .annotate(source_id=F("capture__source_id"))
        .only("id", "name", "capture_id", "media_type")
        .order_by("capture__source_id", "-capture__created_at", "-capture_id", "-id")
    )
    for artifact in rows:
        found.setdefault(artifact.source_id, artifact)
    return found


def history(kind: str, pk: int) -> list[AuditEntry]:
    """The item's audit entries, newest first: who submitted, took, decided it, and why."""
    targets: dict[str, str] = {"claim": "catalog.claim", "evidence": "catalog.evidence"}
    target = targets.get(kind, f"moderation.{kind}")
    entries = AuditEntry.objects.filter(target_type=target, target_id=str(pk))
    return list(entries.order_by("-created_at", "-id")[:HISTORY_LIMIT])


def author_record(author: User | None) -> AuthorRecord | None:
    """Three aggregate queries, whatever the author's history."""
    if author is None:
        return None
    states = [PublicationState.PUBLISHED, PublicationState.PENDING, PublicationState.REJECTED]
    counts = {state: Count("pk", filter=Q(state=state)) for state in states}
    claims = Claim.objects.filter(created_by=author).aggregate(**counts)
    evidence = Evidence.objects.filter(added_by=author).aggregate(**counts)
    sent_back = Decision.objects.filter(author=author, outcome=Outcome.CHANGES).count()
    return AuthorRecord(author, claims, evidence, sent_back)


FIELDS = ("pk", "slug", "statement", "state", "language", "created_at")
MIN_NAME = 3  # shorter entity names ("Q", "X") appear inside too many statements


def entities_named_in(text: str) -> list[int]:
    """The entities whose name appears in ``text`` (case-insensitive), for a suggestion
    that names no entity yet. One scan of the entity table, on either database."""
    if not text.strip():
        return []
    matching = (
        Entity.objects.annotate(text=Value(text), name_length=Length("name"))
        .filter(name_length__gte=MIN_NAME, text__icontains=F("name"))
        .values_list("pk", flat=True)
    )
    return list(matching[:50])


def similar_claims(
    user: Any,
    *,
    statement: str,
    model_ids: list[int],
    content_ids: list[int],
    exclude: int | None = None,
    limit: int = SIMILAR_LIMIT,
) -> list[SimilarClaim]:
    """Existing claims (not drafts) that may be the same claim: among the claims naming
    any of the same entities, those naming one of the same models *and* one of the same
    content first, then by how alike the statements are (pg_trgm's similarity() on
    PostgreSQL; the names alone on SQLite). One query.

    Candidates come from the entities, not from the wording: nearly every statement
    says "X was trained on Y", so a trigram search over every claim finds them all
    (1.2 s for 20k claims, with or without a trigram index, on a loaded machine).
    """
    entity_ids = [*model_ids, *content_ids]
    if not entity_ids:
        return []
    models_through, content_through = Claim.models_named.through, Claim.content_named.through

    def naming(through: Any, ids: list[int]) -> Exists:
        return Exists(through.objects.filter(claim_id=OuterRef("pk"), entity_id__in=ids))

    candidates = (
        visible_claims(user)
        .exclude(state=PublicationState.DRAFT)
        .filter(naming(models_through, entity_ids) | naming(content_through, entity_ids))
        .annotate(
            same_model=naming(models_through, model_ids),
            same_content=naming(content_through, content_ids),
        )
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    if connection.vendor == "postgresql":
        similarity: Any = RawSQL("similarity(catalog_claim.statement, %s)", (statement,))
    else:
        similarity = Value(0.0, output_field=FloatField())
    found = (
        candidates.annotate(similarity=similarity)
        .only(*FIELDS)
        .order_by(F("same_model").desc(), F("same_content").desc(), "-similarity", "-pk")
    )
    return [
        SimilarClaim(c, bool(c.same_model and c.same_content), float(c.similarity))
        for c in found[:limit]
        if (c.same_model and c.same_content) or float(c.similarity) >= SIMILARITY
    ]


def review_of(item: QueueItem, user: Any) -> Review:
    """The panel's data for one queue item of any kind."""
    kind, obj = item.kind, item.obj
    review = Review(history=history(kind, item.pk), record=author_record(item.author))
    if kind == ItemKind.CLAIM:
        claim = claims_with_names().get(pk=obj.pk)
        review.claim = claim
        review.summary_html = render_markdown(claim.summary)
        review.evidence = evidence_rows(visible_evidence(user).filter(claim=claim), user)
        review.similar = similar_claims(
            user,
            statement=claim.statement,
            model_ids=[e.pk for e in claim.models_named.all()],
            content_ids=[e.pk for e in claim.content_named.all()],
            exclude=claim.pk,
        )
    elif kind == ItemKind.EVIDENCE:
        review.claim = claims_with_names().get(pk=obj.claim_id)
        review.evidence = evidence_rows(visible_evidence(user).filter(pk=obj.pk), user)
    elif kind == ItemKind.FLAG and can_set(user, obj.claim, PublicationState.WITHDRAWN):
        review.withdrawable = obj.claim
    elif kind == ItemKind.SUGGESTION and obj.statement:
        named = entities_named_in(obj.statement)
        review.similar = similar_claims(
            user, statement=obj.statement, model_ids=named, content_ids=named
        )
    return review
