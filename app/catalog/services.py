"""The ledger's operations: every change to claims, evidence, entities and sources.

The workspace, the moderation queue, the API and imports are thin layers over
these functions (STYLE.md habits 2 and 15). Publication state changes only
through `app.catalog.publication`; who may do what is `app.catalog.access`.

Every function takes the acting user and records them on the history rows
(``_history_user``), so the change history says who did what even when the
call comes from the API or a test rather than a browser request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from app.accounts.models import User
from app.catalog import publication
from app.catalog.choices import EntityKind, PublicationState, Strength, Verdict
from app.catalog.models import Claim, Entity, Evidence, Source, VerdictChange
from app.catalog.signals import source_created
from app.lib.urls import normalize_url

CLAIM_FIELDS = (
    "statement",
    "summary",
    "first_seen",
    "language",
    "developer_response",
    "developer_contacted_on",
    "developer_contact_channel",
)
EVIDENCE_FIELDS = (
    "kind", "stance", "summary", "quote", "locator", "method_note", "grounding",
    "time_start", "time_end",
)  # fmt: skip
SOURCE_FIELDS = ("title", "publisher", "published_on")


class _Actor:
    """Default author: the acting user (a suggestion is written for its author, who
    may be an anonymous reader: None)."""


ACTOR: Any = _Actor()


def _stamp(obj: Model, actor: User | None, reason: str = "") -> None:
    obj._history_user = actor  # type: ignore[attr-defined]
    if reason:
        obj._change_reason = reason[:100]  # type: ignore[attr-defined]


# --- Sources ------------------------------------------------------------------


@dataclass(frozen=True)
class SourceResult:
    source: Source
    created: bool


def source_get_or_create(*, url: str, actor: User | None = None, kind: str = "") -> SourceResult:
    """Find the source for an address (by normalized URL) or create it, without
    asking for a capture (`manage.py archive` runs its own).

    Raises `app.lib.urls.InvalidURL` for text that is not an http(s) address.
    """
    normalized = normalize_url(url)
    existing = Source.objects.filter(normalized_url=normalized).first()
    if existing is not None:
        return SourceResult(existing, False)
    defaults: dict[str, object] = {"url": url.strip(), "added_by": actor}
    if kind:
        defaults["kind"] = kind
    try:
        with transaction.atomic():
            source, created = Source.objects.get_or_create(
                normalized_url=normalized, defaults=defaults
            )
    except IntegrityError:  # lost a race with another request adding the same address
        return SourceResult(Source.objects.get(normalized_url=normalized), False)
    return SourceResult(source, created)


def source_add(*, url: str, actor: User | None = None, kind: str = "") -> SourceResult:
    """Find or create the source of an address; a new source gets its first capture.

    The capture is asked for through `source_created`, in the same transaction
    (the archive app answers it with a queued capture row, rung after commit).
    Raises `app.lib.urls.InvalidURL` for text that is not an http(s) address.
    """
    with transaction.atomic():
        result = source_get_or_create(url=url, actor=actor, kind=kind)
        if result.created:
            source_created.send(sender=Source, source=result.source, actor=actor)
    return result


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


def unique_slug(text: str, *, model: type[Model] = Claim, max_length: int = 100) -> str:
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name or "item"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return slug


# --- Entities ---------------------------------------------------------------


@dataclass(frozen=True)
class EntityResult:
    entity: Entity
    created: bool


def _find_or_make(*, name: str, kind: str, actor: User, developer: Entity | None) -> EntityResult:
    existing = Entity.objects.filter(name__iexact=name, kind=kind).first()
    if existing is not None:
        return EntityResult(existing, False)
    entity = Entity(
        name=name,
        kind=kind,
        slug=unique_slug(name, model=Entity),
        developer=developer,
        created_by=actor,
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
    actor: User | None,
    statement: str,
    models: list[Entity] | None = None,
    content: list[Entity] | None = None,
    submit: bool = False,
    created_by: User | None = ACTOR,
    **fields: Any,
) -> Claim:
    """A new draft claim by ``actor`` (or written for ``created_by``, a
    suggestion's author); submitted at once with ``submit``."""
    unknown = set(fields) - set(CLAIM_FIELDS)
    if unknown:
        raise ValueError(f"Unknown claim fields: {sorted(unknown)}.")
    author = actor if created_by is ACTOR else created_by
    claim = Claim(statement=statement.strip(), slug=unique_slug(statement), created_by=author)
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


def claim_submit(*, claim: Claim, actor: Any) -> Claim:
    """Send a draft for review, or publish it for holders of "publish directly";
    the actor's own draft evidence goes with it (`app.catalog.publication`)."""
    if claim.state != PublicationState.DRAFT:
        raise publication.PublicationError(_("Only a draft can be submitted."))
    return publication.publication_set(
        claim, publication.submission_state(actor), actor=actor, reason=""
    )


def claim_publish(*, claim: Claim, actor: Any) -> Claim:
    """Publish a claim now (a draft, or the actor's own submission; moderators any)."""
    return publication.publication_set(claim, PublicationState.PUBLISHED, actor=actor)


def claim_withdraw(*, claim: Claim, actor: Any, reason: str) -> Claim:
    """Take a published claim off the public site, with a reason (moderators;
    `publication_set` audits it and purges the page cache)."""
    return publication.publication_set(
        claim, PublicationState.WITHDRAWN, actor=actor, reason=reason
    )


@transaction.atomic
def verdict_set(
    *, claim: Claim, verdict: str, note: str, actor: User | None, strength: str | None = None
) -> VerdictChange:
    """Change a claim's verdict (and optionally its strength) with a public note."""
    if verdict not in Verdict.values:
        raise ValueError(f"Unknown verdict {verdict!r}.")
    if strength is not None and strength not in Strength.values:
        raise ValueError(f"Unknown evidence strength {strength!r}.")
    if not note.strip():
        raise ValueError("A verdict change needs a public note.")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    change = VerdictChange.objects.create(
        claim=claim,
        old_verdict=claim.verdict,
        new_verdict=verdict,
        old_strength=claim.evidence_strength,
        new_strength=claim.evidence_strength if strength is None else strength,
        note=note.strip(),
        changed_by=actor,
    )
    claim.verdict = verdict
    if strength is not None:
        claim.evidence_strength = strength
    _stamp(claim, actor, f"verdict: {note.strip()[:80]}")
    claim.save(update_fields=["verdict", "evidence_strength", "updated_at"])
    return change


# --- Evidence -----------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceResult:
    evidence: Evidence
    source: SourceResult


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
    method_note: str = "",
    grounding: str = "",
    time_start: Decimal | None = None,
    time_end: Decimal | None = None,
    source_kind: str = "",
    added_by: User | None = ACTOR,
    submit: bool = True,
) -> EvidenceResult:
    """Cite ``url`` on ``claim``: the source is found or created (and a new one is
    queued for archiving) by `source_add`. The item starts as a draft and, unless
    ``submit`` is false, is submitted at once when its claim is under review or
    published (`publication.new_evidence_state`). ``added_by``: the author when
    it is not the actor (a suggestion's). Raises `InvalidURL` for a bad address."""
    found = source_add(url=url, actor=actor, kind=source_kind)
    item = Evidence(
        claim=claim,
        source=found.source,
        kind=kind,
        stance=stance,
        summary=summary.strip(),
        quote=quote.strip(),
        locator=locator.strip(),
        method_note=method_note.strip(),
        grounding=grounding,
        time_start=time_start,
        time_end=time_end,
        added_by=actor if added_by is ACTOR else added_by,
    )
    _stamp(item, actor, "added")
    item.save()
    state = publication.new_evidence_state(claim=claim, actor=actor)
    if submit and state != PublicationState.DRAFT:
        publication.publication_set(item, state, actor=actor)
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
