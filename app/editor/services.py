"""Workspace operations that change several rows (STYLE.md, habit 2).

Every function takes the acting user and records them on the history rows
(``_history_user``), so the change history says who did what even when the
call comes from the API or a test rather than a browser request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from app.accounts.models import User
from app.archive.manifest import write_manifest
from app.archive.models import Capture, CaptureOrigin, CaptureStatus
from app.archive.services import request_capture, source_add
from app.archive.storage import store_artifact
from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import Claim, Entity, Evidence, Source
from app.catalog.services import SourceResult, unique_slug
from app.editor.permissions import PUBLISH
from app.editor.uploads import FileType

CLAIM_FIELDS = (
    "statement",
    "summary",
    "first_seen",
    "language",
    "developer_response",
    "developer_contacted_on",
    "developer_contact_channel",
)
EVIDENCE_FIELDS = ("kind", "stance", "summary", "quote", "locator", "time_start", "time_end")
SOURCE_FIELDS = ("title", "publisher", "published_on")
# States from which an item may be submitted for review.
SUBMITTABLE = (PublicationState.DRAFT,)


def submission_state(actor: User) -> str:
    """What a submission becomes: published for holders of "publish directly", else pending."""
    return PublicationState.PUBLISHED if actor.has_perm(PUBLISH) else PublicationState.PENDING


def _stamp(obj: Model, actor: User | None, reason: str = "") -> None:
    obj._history_user = actor  # type: ignore[attr-defined]
    if reason:
        obj._change_reason = reason[:100]  # type: ignore[attr-defined]


def _set_state(obj: Claim | Evidence, state: str) -> None:
    obj.state = state
    if state == PublicationState.PUBLISHED and obj.published_at is None:
        obj.published_at = timezone.now()


# --- Entities ---------------------------------------------------------------


@dataclass(frozen=True)
class EntityResult:
    entity: Entity
    created: bool


def _entity_slug(name: str) -> str:
    base = slugify(name)[:100].strip("-") or "entity"
    slug, n = base, 2
    while Entity.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _find_or_make(*, name: str, kind: str, actor: User, developer: Entity | None) -> EntityResult:
    existing = Entity.objects.filter(name__iexact=name, kind=kind).first()
    if existing is not None:
        return EntityResult(existing, False)
    entity = Entity(
        name=name, kind=kind, slug=_entity_slug(name), developer=developer, created_by=actor
    )
    _stamp(entity, actor, "created in the claim editor")
    entity.save()
    return EntityResult(entity, True)


@transaction.atomic
def entity_create(*, actor: User, name: str, kind: str, developer_name: str = "") -> EntityResult:
    """Find an entity by name and kind, or create it; a model may name its developer,
    an organization that is found or created the same way."""
    name = " ".join(name.split())
    if kind not in EntityKind.values:
        raise ValueError(f"Unknown entity kind {kind!r}.")
    developer = None
    developer_name = " ".join(developer_name.split())
    if developer_name and kind == EntityKind.MODEL:
        developer = _find_or_make(
            name=developer_name, kind=EntityKind.ORGANIZATION, actor=actor, developer=None
        ).entity
    result = _find_or_make(name=name, kind=kind, actor=actor, developer=developer)
    if developer and result.entity.developer_id is None and not result.created:
        result.entity.developer = developer
        _stamp(result.entity, actor, "developer set in the claim editor")
        result.entity.save(update_fields=["developer", "updated_at"])
    return result


# --- Claims -------------------------------------------------------------------


@transaction.atomic
def claim_create(
    *,
    actor: User,
    statement: str,
    models: list[Entity] | None = None,
    content: list[Entity] | None = None,
    submit: bool = False,
    **fields: Any,
) -> Claim:
    """A new claim by ``actor``: a draft, or submitted at once with ``submit``."""
    unknown = set(fields) - set(CLAIM_FIELDS)
    if unknown:
        raise ValueError(f"Unknown claim fields: {sorted(unknown)}.")
    claim = Claim(statement=statement.strip(), slug=unique_slug(statement), created_by=actor)
    for name, value in fields.items():
        setattr(claim, name, value)
    _stamp(claim, actor, "created")
    claim.save()
    claim.models_named.set(models or [])
    claim.content_named.set(content or [])
    if submit:
        claim_submit(claim=claim, actor=actor)
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    actor: User,
    models: list[Entity] | None = None,
    content: list[Entity] | None = None,
    **fields: Any,
) -> Claim:
    """Change the given fields (and the named entities when given); one history row."""
    unknown = set(fields) - set(CLAIM_FIELDS)
    if unknown:
        raise ValueError(f"Unknown claim fields: {sorted(unknown)}.")
    # Compare with the stored row: a ModelForm has already copied the new
    # values onto the instance it was given.
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    changed = [name for name, value in fields.items() if getattr(claim, name) != value]
    for name in changed:
        setattr(claim, name, fields[name])
    _stamp(claim, actor, "edited")
    if changed:
        claim.save(update_fields=[*changed, "updated_at"])
    if models is not None and set(models) != set(claim.models_named.all()):
        claim.models_named.set(models)
    if content is not None and set(content) != set(claim.content_named.all()):
        claim.content_named.set(content)
    return claim


@transaction.atomic
def claim_submit(*, claim: Claim, actor: User) -> Claim:
    """Send a draft (and its draft evidence) for review, or publish it for
    holders of "publish directly"."""
    state = submission_state(actor)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.state not in SUBMITTABLE:
        raise ValueError(_("Only a draft can be submitted."))
    _set_state(claim, state)
    claim.state_reason = ""
    _stamp(claim, actor, "submitted" if state == PublicationState.PENDING else "published")
    claim.save(update_fields=["state", "state_reason", "published_at", "updated_at"])
    for item in claim.evidence.filter(state=PublicationState.DRAFT):
        _set_state(item, state)
        _stamp(item, actor, "submitted with its claim")
        item.save(update_fields=["state", "published_at", "updated_at"])
    return claim


@transaction.atomic
def claim_publish_now(*, claim: Claim, actor: User) -> Claim:
    """Publish a claim and its unreviewed evidence (needs "publish directly")."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    _set_state(claim, PublicationState.PUBLISHED)
    _stamp(claim, actor, "published")
    claim.save(update_fields=["state", "published_at", "updated_at"])
    waiting = (PublicationState.DRAFT, PublicationState.PENDING)
    for item in claim.evidence.filter(state__in=waiting):
        _set_state(item, PublicationState.PUBLISHED)
        _stamp(item, actor, "published with its claim")
        item.save(update_fields=["state", "published_at", "updated_at"])
    return claim


# --- Evidence -----------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceResult:
    evidence: Evidence
    source: SourceResult


def evidence_state_for(*, claim: Claim, actor: User) -> str:
    """Evidence on an unsubmitted claim waits with it; elsewhere it is submitted at once."""
    if claim.state in (PublicationState.DRAFT, PublicationState.REJECTED):
        return PublicationState.DRAFT
    return submission_state(actor)


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    actor: User,
    url: str,
    kind: str,
    stance: str,
    summary: str,
    quote: str = "",
    locator: str = "",
    time_start: Decimal | None = None,
    time_end: Decimal | None = None,
    source_kind: str = "",
) -> EvidenceResult:
    """Cite ``url`` on ``claim``: the source is found or created (and a new one is
    queued for archiving) by `source_add`. Raises `InvalidURL` for a bad address."""
    found = source_add(url=url, actor=actor, kind=source_kind)
    item = Evidence(
        claim=claim,
        source=found.source,
        kind=kind,
        stance=stance,
        summary=summary.strip(),
        quote=quote.strip(),
        locator=locator.strip(),
        time_start=time_start,
        time_end=time_end,
        added_by=actor,
    )
    _set_state(item, evidence_state_for(claim=claim, actor=actor))
    _stamp(item, actor, "added")
    item.save()
    return EvidenceResult(item, found)


@transaction.atomic
def evidence_update(*, item: Evidence, actor: User, **fields: Any) -> Evidence:
    unknown = set(fields) - set(EVIDENCE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown evidence fields: {sorted(unknown)}.")
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    if changed:
        for name in changed:
            setattr(item, name, fields[name])
        _stamp(item, actor, "edited")
        item.save(update_fields=[*changed, "updated_at"])
    return item


def source_metadata_update(
    *, source: Source, actor: User, title: str, publisher: str, published_on: date | None
) -> Source:
    """An editor's correction of extracted metadata (named fields only: the worker
    writes other fields of the same row)."""
    values = {"title": title.strip(), "publisher": publisher.strip(), "published_on": published_on}
    changed = [name for name, value in values.items() if getattr(source, name) != value]
    if changed:
        for name in changed:
            setattr(source, name, values[name])
        _stamp(source, actor, "metadata corrected by an editor")
        source.save(update_fields=[*changed, "updated_at"])
    return source


# --- Captures -----------------------------------------------------------------


def capture_retry(*, source: Source, actor: User) -> Capture:
    """Queue a new capture of ``source``, unless one is already waiting or running."""
    with transaction.atomic():
        Source.objects.select_for_update().filter(pk=source.pk).first()
        active = source.captures.filter(
            status__in=[CaptureStatus.QUEUED, CaptureStatus.RUNNING]
        ).first()
        if active is not None:
            return active
        return request_capture(source=source, actor=actor, origin=CaptureOrigin.RETRY)


@transaction.atomic
def capture_upload(
    *,
    source: Source,
    actor: User,
    filetype: FileType,
    filename: str,
    path: str | None = None,
    data: bytes | None = None,
) -> Capture:
    """Record an editor's own copy of a source as a new capture with origin "upload".

    The file is hashed and stored like any archived artifact, and the capture
    gets a manifest; ``how`` and the metadata say who uploaded it.
    """
    now = timezone.now()
    who = actor.get_username()
    capture = Capture.objects.create(
        source=source,
        status=CaptureStatus.SUCCEEDED,
        origin=CaptureOrigin.UPLOAD,
        requested_by=actor,
        requested_url=source.normalized_url,
        started_at=now,
        finished_at=now,
        content_type=filetype.media_type,
        tool_versions={"upload": "trainedon editor"},
    )
    stem = slugify(filename.rsplit(".", 1)[0])[:80] or "upload"
    store_artifact(
        capture=capture,
        kind=filetype.kind,
        name=f"{stem}{filetype.extension}",
        path=path,
        data=data,
        media_type=filetype.media_type,
        how=f"uploaded by {who}",
        metadata={"uploaded_by": who, "original_name": filename[:200]},
    )
    write_manifest(capture)
    return capture


# --- History ------------------------------------------------------------------


RESTORABLE = {Claim: CLAIM_FIELDS, Evidence: EVIDENCE_FIELDS}


@transaction.atomic
def field_restore(*, obj: Claim | Evidence, actor: User, record: Any, field: str) -> Any:
    """Put back one field's value from an earlier history row; this is itself a change."""
    allowed = RESTORABLE[type(obj)]
    if field not in allowed:
        raise ValueError(_("The field %(field)s cannot be restored.") % {"field": field})
    if record.instance_type is not type(obj) or record.id != obj.pk:
        raise ValueError(_("That version belongs to another item."))
    value = getattr(record, field)
    if getattr(obj, field) == value:
        return obj
    if isinstance(obj, Evidence) and field in ("time_start", "time_end"):
        start = value if field == "time_start" else obj.time_start
        end = value if field == "time_end" else obj.time_end
        if end is not None and (start is None or end <= start):
            raise ValueError(_("Restoring that time would put the end before the start."))
    setattr(obj, field, value)
    when = record.history_date.strftime("%Y-%m-%d %H:%M")
    _stamp(obj, actor, f"restored {field} from {when}")
    obj.save(update_fields=[field, "updated_at"])
    return obj
