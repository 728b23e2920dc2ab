"""Operations on the graph: relations, dataset indexes and their versions.

Relations are written here and nowhere else; their visibility and publication
are their claim's (`app.catalog.access`, `app.catalog.publication`). A new
index version archives its file first (a capture of the address it came from,
with the file as an artifact), then imports from that archived copy, so what
the lookup answers always rests on a stored, hashed file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from app.archive.manifest import write_manifest
from app.archive.models import ArtifactKind, Capture, CaptureOrigin, CaptureStatus
from app.archive.storage import store_artifact
from app.catalog import audit, publication
from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import Claim, Entity
from app.catalog.services import claim_create, evidence_add, source_get_or_create
from app.graph.models import (
    Attribution,
    Dataset,
    DatasetVersion,
    FileFormat,
    ImportStatus,
    Relation,
    RelationKind,
    UseStage,
)

log = logging.getLogger(__name__)

# Which entity kinds each relation may join, in the direction data flows.
ENDPOINTS: dict[str, set[tuple[str, str]]] = {
    RelationKind.MEMBERSHIP: {
        (EntityKind.WORK, EntityKind.DATASET),
        (EntityKind.CREATOR, EntityKind.DATASET),
        (EntityKind.ORGANIZATION, EntityKind.DATASET),
    },
    RelationKind.USE: {(EntityKind.DATASET, EntityKind.MODEL)},
    RelationKind.DERIVATION: {
        (EntityKind.DATASET, EntityKind.DATASET),
        (EntityKind.MODEL, EntityKind.MODEL),
    },
}


def relation_check(
    *,
    kind: str,
    upstream: Entity,
    downstream: Entity,
    stage: str = "",
    attribution: str = "",
    dataset_version: DatasetVersion | None = None,
) -> None:
    """Raise `ValidationError` unless the relation makes sense (admin and service share it)."""
    if kind not in RelationKind.values:
        raise ValidationError(_("Unknown relation kind."))
    if (upstream.kind, downstream.kind) not in ENDPOINTS[kind]:
        raise ValidationError(
            _("A %(kind)s relation cannot go from a %(a)s to a %(b)s.")
            % {
                "kind": RelationKind(kind).label,
                "a": EntityKind(upstream.kind).label,
                "b": EntityKind(downstream.kind).label,
            }
        )
    if upstream.pk == downstream.pk:
        raise ValidationError(_("A relation joins two different entities."))
    if kind == RelationKind.USE:
        if attribution not in Attribution.values:
            raise ValidationError(
                _("Say whether the developer declared this use or others allege it.")
            )
        if stage and stage not in UseStage.values:
            raise ValidationError(_("Unknown training stage."))
    elif stage or attribution:
        raise ValidationError(_("Stage and declared/alleged apply to use relations only."))
    if dataset_version is not None:
        if kind != RelationKind.MEMBERSHIP:
            raise ValidationError(_("Only a membership names a dataset version."))
        if dataset_version.dataset_id != downstream.pk:
            raise ValidationError(_("That version belongs to another dataset."))


def _relation_add(
    *,
    claim: Claim,
    kind: str,
    upstream: Entity,
    downstream: Entity,
    actor: Any,
    stage: str = "",
    attribution: str = "",
    dataset_version: DatasetVersion | None = None,
    note: str = "",
) -> tuple[Relation, bool]:
    if kind == RelationKind.USE and not stage:
        stage = UseStage.UNKNOWN
    relation_check(
        kind=kind,
        upstream=upstream,
        downstream=downstream,
        stage=stage,
        attribution=attribution,
        dataset_version=dataset_version,
    )
    with transaction.atomic():
        position = claim.relations.count()
        relation, created = Relation.objects.get_or_create(
            claim=claim,
            kind=kind,
            upstream=upstream,
            downstream=downstream,
            defaults={
                "stage": stage,
                "attribution": attribution,
                "dataset_version": dataset_version,
                "note": note[:300],
                "position": position,
                "created_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        if created:
            audit.record(
                actor=actor, action="relation.add", target=relation, after=relation_facts(relation)
            )
    return relation, created


def relation_add(**fields: Any) -> Relation:
    """Attach one link to the claim that asserts it (the claim's state decides who sees it):
    ``claim``, ``kind``, ``upstream``, ``downstream``, ``actor`` and optionally ``stage``,
    ``attribution``, ``dataset_version``, ``note``. Returns the claim's relation with the
    same kind and ends when it already has one (nothing is written then)."""
    return _relation_add(**fields)[0]


# The ends of a relation that a new claim names as its content (the model ends are its models).
CONTENT_KINDS = {EntityKind.WORK, EntityKind.CREATOR, EntityKind.DATASET, EntityKind.ORGANIZATION}


def relation_statement(kind: str, upstream: Entity, downstream: Entity) -> str:
    """A new claim's statement written from the relation it asserts."""
    if kind == RelationKind.MEMBERSHIP:
        text = _("%(a)s is in the dataset %(b)s")
    elif kind == RelationKind.USE:
        text = _("%(a)s was used to train %(b)s")
    else:
        text = _("%(b)s was derived from %(a)s")
    return (text % {"a": upstream.name, "b": downstream.name})[:400]


@dataclass(frozen=True)
class NewRelation:
    relation: Relation
    created: bool  # False: the claim already asserted this link (nothing written)


def relation_create(
    *,
    actor: Any,
    kind: str,
    upstream: Entity,
    downstream: Entity,
    claim: Claim | None = None,
    statement: str = "",
    stage: str = "",
    attribution: str = "",
    dataset_version: DatasetVersion | None = None,
    note: str = "",
    evidence: dict[str, Any] | None = None,
) -> NewRelation:
    """A relation on ``claim``, or on a new draft claim asserting it (``statement``, else
    `relation_statement`; its model and content ends named), with ``evidence`` (the
    fields of `catalog.services.evidence_add`) cited on that claim, in one transaction.

    The workspace's relation form and the API's ``POST /relations`` both call it; who
    may is their question (``catalog.access``). Raises `ValidationError` for a relation
    that makes no sense, `InvalidURL` for the evidence's address (nothing is written).
    """
    with transaction.atomic():
        if claim is None:
            ends = (upstream, downstream)
            claim = claim_create(
                actor=actor,
                statement=statement or relation_statement(kind, upstream, downstream),
                models=[e for e in ends if e.kind == EntityKind.MODEL],
                content=[e for e in ends if e.kind in CONTENT_KINDS],
            )
        relation, created = _relation_add(
            claim=claim, kind=kind, upstream=upstream, downstream=downstream, actor=actor,
            stage=stage, attribution=attribution, dataset_version=dataset_version, note=note,
        )  # fmt: skip
        if evidence is not None:
            evidence_add(claim=claim, actor=actor, **evidence)
    return NewRelation(relation=relation, created=created)


# Fields of a relation that an edit may change (the claim and the author stay).
RELATION_FIELDS = ("kind", "upstream", "downstream", "stage", "attribution", "dataset_version",
                   "note")  # fmt: skip


def relation_facts(relation: Relation) -> dict[str, Any]:
    """What an audit entry records of a relation: its claim and fields, ends by slug."""
    return {
        "claim": relation.claim.slug,
        "kind": relation.kind,
        "upstream": relation.upstream.slug,
        "downstream": relation.downstream.slug,
        "stage": relation.stage,
        "attribution": relation.attribution,
        "dataset_version": (
            str(relation.dataset_version) if relation.dataset_version_id is not None else ""
        ),
        "note": relation.note,
    }


def change_needs_reason(claim: Claim) -> bool:
    """A relation of a claim that has left the draft (under review, published, ...) is
    not changed silently: the change says why, in the audit log."""
    return claim.state != PublicationState.DRAFT


def can_remove_relation(user: Any, relation: Relation) -> bool:
    """`publication.can_remove_part` of its claim (published: who may withdraw it)."""
    return publication.can_remove_part(user, relation.claim)


def _reason(claim: Claim, reason: str) -> str:
    reason = reason.strip()[:500]
    if change_needs_reason(claim) and not reason:
        raise ValidationError(
            _("This relation's claim is %(state)s: say why you change it (kept in the log).")
            % {"state": PublicationState(claim.state).label.lower()}
        )
    return reason


def relation_update(*, relation: Relation, actor: Any, reason: str = "", **fields: Any) -> Relation:
    """Change a relation's fields (``RELATION_FIELDS``) after the same checks as a new one.

    Raises `ValidationError` for a relation that makes no sense, one the claim already
    has (code ``duplicate``: the API answers 409), or a change to a claim past its draft
    without a reason. Writes one audit entry (``relation.change``) with the fields before
    and after.
    """
    unknown = set(fields) - set(RELATION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown relation fields: {sorted(unknown)}.")
    with transaction.atomic():
        locked = (
            Relation.objects.select_for_update(of=("self",))
            .select_related("claim", "upstream", "downstream", "dataset_version")
            .get(pk=relation.pk)
        )
        merged = {name: fields.get(name, getattr(locked, name)) for name in RELATION_FIELDS}
        if merged["kind"] == RelationKind.USE and not merged["stage"]:
            merged["stage"] = UseStage.UNKNOWN
        if merged["kind"] != RelationKind.USE:
            merged["stage"] = merged["attribution"] = ""
        if merged["kind"] != RelationKind.MEMBERSHIP:
            merged["dataset_version"] = None
        merged["note"] = str(merged["note"] or "")[:300]
        relation_check(
            kind=merged["kind"], upstream=merged["upstream"], downstream=merged["downstream"],
            stage=merged["stage"], attribution=merged["attribution"],
            dataset_version=merged["dataset_version"],
        )  # fmt: skip
        changed = [name for name in RELATION_FIELDS if getattr(locked, name) != merged[name]]
        if not changed:
            return locked
        why = _reason(locked.claim, reason)
        twin = Relation.objects.filter(
            claim=locked.claim_id, kind=merged["kind"], upstream=merged["upstream"],
            downstream=merged["downstream"],
        ).exclude(pk=locked.pk)  # fmt: skip
        if twin.exists():
            raise ValidationError(_("This claim already asserts that relation."), code="duplicate")
        before = relation_facts(locked)
        for name in changed:
            setattr(locked, name, merged[name])
        locked.save(update_fields=changed)
        record_change(actor=actor, relation=locked, before=before, reason=why)
    return locked


def record_change(*, actor: Any, relation: Relation, before: dict[str, Any], reason: str) -> None:
    """The ``relation.change`` audit entry: the claim, and the fields that changed before
    and after (``before`` is `relation_facts` of the relation as it was)."""
    after = relation_facts(relation)
    if after == before:
        return
    audit.record(
        actor=actor,
        action="relation.change",
        target=relation,
        before={k: v for k, v in before.items() if k == "claim" or v != after[k]},
        after={k: v for k, v in after.items() if k == "claim" or v != before[k]},
        reason=reason,
    )


def relation_remove(*, relation: Relation, actor: Any, reason: str = "") -> None:
    """Delete a relation from its claim; the audit entry (``relation.remove``) keeps
    everything it said. Who may is `can_remove_relation`'s question (the views ask it);
    a claim past its draft needs a reason."""
    with transaction.atomic():
        locked = (
            Relation.objects.select_for_update(of=("self",))
            .select_related("claim", "upstream", "downstream", "dataset_version")
            .filter(pk=relation.pk)
            .first()
        )
        if locked is None:
            return  # already removed (a repeated post)
        why = _reason(locked.claim, reason)
        facts = relation_facts(locked)
        audit.record(actor=actor, action="relation.remove", target=locked, before=facts, reason=why)
        locked.delete()


def dataset_for(entity: Entity, *, homepage: str = "", license: str = "") -> Dataset:
    """The index metadata of a dataset entity, created on first use."""
    if entity.kind != EntityKind.DATASET:
        raise ValidationError(_("%(name)s is not a dataset.") % {"name": entity.name})
    dataset, _created = Dataset.objects.get_or_create(
        entity=entity, defaults={"homepage": homepage, "license": license}
    )
    return dataset


def format_of(file_name: str) -> str:
    """The index file's format from its name (``.csv``, ``.jsonl``/``.ndjson``, ``.parquet``)."""
    name = file_name.lower().removesuffix(".gz")
    if name.endswith(".csv") or name.endswith(".tsv"):
        return FileFormat.CSV
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return FileFormat.JSONL
    if name.endswith((".parquet", ".pq")):
        return FileFormat.PARQUET
    raise ValidationError(
        _("Give a .csv, .jsonl or .parquet file (or say its format); got %(name)s.")
        % {"name": file_name}
    )


@dataclass(frozen=True)
class NewVersion:
    version: DatasetVersion
    capture: Capture


def version_create(
    *,
    dataset: Dataset,
    path: str | Path,
    file_name: str,
    source_url: str,
    actor: Any,
    file_format: str = "",
    default_kind: str = "",
    label: str = "",
    origin: str = CaptureOrigin.UPLOAD,
) -> NewVersion:
    """Archive an index file and create its queued version (the import runs later).

    ``source_url`` is where the file was published; the file becomes an
    artifact of a capture of that address, like an editor's upload.
    Raises `ValidationError` for a bad address or format.
    """
    file_format = file_format or format_of(file_name)
    if file_format not in FileFormat.values:
        raise ValidationError(_("Unknown file format."))
    Path(path).stat()  # a missing file fails here, before any row (its hash: the artifact's)
    user = actor if getattr(actor, "pk", None) else None
    try:
        source = source_get_or_create(url=source_url, actor=user).source
    except ValueError as exc:  # InvalidURL
        raise ValidationError(
            _("The address the file came from is not valid: %(e)s") % {"e": exc}
        ) from exc
    now = timezone.now()
    stem = slugify(Path(file_name).stem)[:80] or "index"
    with transaction.atomic():
        capture = Capture.objects.create(
            source=source,
            status=CaptureStatus.SUCCEEDED,
            origin=origin,
            requested_by=user,
            requested_url=source.normalized_url,
            started_at=now,
            finished_at=now,
            content_type=f"dataset index ({file_format})",
            tool_versions={"upload": "trainedon dataset index"},
        )
        who = user.get_username() if user else "command line"
        artifact = store_artifact(
            capture=capture,
            kind=ArtifactKind.UPLOAD,
            name=f"{stem}.{file_format}",
            path=str(path),
            media_type={"csv": "text/csv", "jsonl": "application/jsonl"}.get(
                file_format, "application/vnd.apache.parquet"
            ),
            how=f"dataset index uploaded by {who}",
            metadata={"original_name": file_name[:200], "dataset": dataset.entity.slug},
        )
        write_manifest(capture)
        Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
        number = (dataset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = DatasetVersion.objects.create(
            dataset=dataset,
            number=number,
            label=label[:100],
            file_format=file_format,
            default_kind=default_kind,
            file_name=file_name[:300],
            file_sha256=artifact.sha256,
            file_size=artifact.size,
            artifact=artifact,
            source=source,
            created_by=user,
        )
    return NewVersion(version=version, capture=capture)


def version_enqueue(version: DatasetVersion) -> None:
    """Ring the worker after commit; a lost ring leaves the version queued (re-send with
    ``manage.py import_dataset_index --resume VERSION``)."""
    from app.graph.tasks import import_version

    def ring() -> None:
        try:
            import_version.apply_async(args=(version.pk,), retry=True)
        except Exception:  # broker down: the row stays queued, the sweep re-sends it
            log.warning("could not enqueue dataset version %s", version.pk, exc_info=True)
            return
        DatasetVersion.objects.filter(pk=version.pk).update(enqueued_at=timezone.now())

    transaction.on_commit(ring)


def version_claim(version_id: int) -> bool:
    """Take a queued version for import (conditional update: a repeated task does nothing)."""
    now = timezone.now()
    return bool(
        DatasetVersion.objects.filter(pk=version_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now
        )
    )
