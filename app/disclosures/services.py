"""Every write of the disclosures app: disclosures and their versions, sections,
the disclosure gap and court cases. Publication goes through
`app.catalog.publication.publication_set` (the records are registered there
in `app.disclosures.publishing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from app.accounts.models import User
from app.catalog import publication
from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import Claim, Entity
from app.catalog.services import source_add, unique_slug
from app.disclosures.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseParty,
    Disclosure,
    DisclosureSection,
    GapEntry,
    MarketPresence,
)
from app.disclosures.sections import CODES


class DisclosureError(ValueError):
    """A request the records cannot take; the message is for the editor (views answer 400)."""


def _submit(item: Any, actor: User) -> None:
    """A new record is submitted at once: published for holders of "publish
    directly", else pending review (the trust core's rule)."""
    target = publication.submission_state(actor)
    if target != PublicationState.DRAFT:
        publication.publication_set(item, target, actor=actor)


# --- Disclosures ----------------------------------------------------------------


@dataclass(frozen=True)
class SectionInput:
    text: str = ""
    data: dict[str, Any] | None = None


def _model(entity: Entity) -> Entity:
    if entity.kind != EntityKind.MODEL:
        raise DisclosureError(_("A disclosure belongs to an AI model, not to “%s”.") % entity.name)
    return entity


@transaction.atomic
def disclosure_create(
    *,
    model: Entity,
    actor: User,
    kind: str,
    title: str,
    url: str,
    version_label: str = "",
    published_on: date | None = None,
    supersedes: Disclosure | None = None,
    sections: dict[str, SectionInput] | None = None,
    is_demo: bool = False,
    submit: bool = True,
) -> Disclosure:
    """A new disclosure with every template section (empty ones too), its source
    archived by the existing engine. With ``supersedes``, the new one replaces
    that version of the same model's declaration (both stay readable).
    Raises `InvalidURL` for a bad address, `DisclosureError` for the rest."""
    _model(model)
    if supersedes is not None:
        previous = Disclosure.objects.select_for_update().get(pk=supersedes.pk)
        if previous.model_id != model.pk:
            raise DisclosureError(_("A new version must be about the same model."))
        if Disclosure.objects.filter(supersedes=previous).exists():
            raise DisclosureError(_("That version has already been superseded."))
    unknown = set(sections or {}) - set(CODES)
    if unknown:
        raise DisclosureError(_("Unknown sections: %s.") % ", ".join(sorted(unknown)))
    found = source_add(url=url, actor=actor)
    item = Disclosure.objects.create(
        model=model,
        kind=kind,
        title=title.strip(),
        version_label=version_label.strip(),
        source=found.source,
        published_on=published_on,
        supersedes=supersedes,
        created_by=actor,
        is_demo=is_demo,
    )
    given = sections or {}
    DisclosureSection.objects.bulk_create(
        DisclosureSection(
            disclosure=item,
            code=code,
            text=given.get(code, SectionInput()).text.strip(),
            data=given.get(code, SectionInput()).data or {},
        )
        for code in CODES
    )
    if submit:
        _submit(item, actor)
    return item


@transaction.atomic
def section_save(
    *, disclosure: Disclosure, code: str, text: str, data: dict[str, Any], actor: User
) -> DisclosureSection:
    if code not in CODES:
        raise DisclosureError(_("Unknown section %s.") % code)
    section, _created = DisclosureSection.objects.select_for_update().get_or_create(
        disclosure=disclosure, code=code
    )
    section.text = text.strip()
    section.data = {k: v for k, v in data.items() if v not in ("", [], None)}
    section.save(update_fields=["text", "data"])
    disclosure.save(update_fields=["updated_at"])  # the public pages' version follows
    return section


def market_presence_set(
    *, model: Entity, placed_on: date | None, note: str = "", url: str = "", actor: User
) -> MarketPresence:
    _model(model)
    source = source_add(url=url, actor=actor).source if url else None
    presence, _created = MarketPresence.objects.update_or_create(
        model=model, defaults={"placed_on": placed_on, "note": note.strip(), "source": source}
    )
    return presence


# --- The gap -------------------------------------------------------------------


@transaction.atomic
def gap_set(
    *,
    claim: Claim,
    model: Entity,
    section: str,
    gap_state: str,
    note: str,
    actor: User,
    disclosure: Disclosure | None = None,
    is_demo: bool = False,
) -> GapEntry:
    """Set how ``model``'s disclosure compares with ``claim`` under ``section``:
    a new entry is submitted (pending, or published at once for holders of
    "publish directly"); a changed one keeps its state, as edited evidence does."""
    _model(model)
    if section not in CODES:
        raise DisclosureError(_("Unknown section %s.") % section)
    if not note.strip():
        raise DisclosureError(_("Say in a note what the disclosure says, or does not."))
    if not claim.models_named.filter(pk=model.pk).exists():
        raise DisclosureError(_("The claim does not name %s.") % model.name)
    if disclosure is not None and disclosure.model_id != model.pk:
        raise DisclosureError(_("That disclosure is about another model."))
    entry = (
        GapEntry.objects.select_for_update()
        .filter(claim=claim, model=model, section=section)
        .first()
    )
    if entry is None:
        entry = GapEntry.objects.create(
            claim=claim,
            model=model,
            section=section,
            gap_state=gap_state,
            note=note.strip(),
            disclosure=disclosure,
            created_by=actor,
            is_demo=is_demo,
        )
        _submit(entry, actor)
        return entry
    entry.gap_state, entry.note, entry.disclosure = gap_state, note.strip(), disclosure
    entry.save(update_fields=["gap_state", "note", "disclosure", "updated_at"])
    return entry


# --- Cases -------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    actor: User,
    title: str,
    court: str,
    docket_number: str,
    filed_on: date | None = None,
    judge: str = "",
    status: str = "active",
    summary: str = "",
    slug: str = "",
    is_demo: bool = False,
    submit: bool = True,
) -> Case:
    case = Case.objects.create(
        slug=slug or unique_slug(title, model=Case),
        title=title.strip(),
        court=court.strip(),
        docket_number=docket_number.strip(),
        filed_on=filed_on,
        judge=judge.strip(),
        status=status,
        summary=summary.strip(),
        created_by=actor,
        is_demo=is_demo,
    )
    if submit:
        _submit(case, actor)
    return case


def case_party_add(*, case: Case, entity: Entity, role: str) -> CaseParty:
    party, _created = CaseParty.objects.get_or_create(case=case, entity=entity, role=role)
    case.save(update_fields=["updated_at"])
    return party


@transaction.atomic
def case_document_add(
    *, case: Case, actor: User, url: str, docket_entry: str, title: str, filed_on: date | None
) -> CaseDocument:
    """A docket document, archived by the existing engine from its address."""
    if CaseDocument.objects.filter(case=case, docket_entry=docket_entry.strip()).exists():
        raise DisclosureError(_("Docket document %s is already listed.") % docket_entry)
    found = source_add(url=url, actor=actor)
    document = CaseDocument.objects.create(
        case=case,
        docket_entry=docket_entry.strip(),
        title=title.strip(),
        filed_on=filed_on,
        source=found.source,
    )
    case.save(update_fields=["updated_at"])
    return document


def case_event_add(
    *,
    case: Case,
    when: date,
    kind: str,
    title: str,
    description: str = "",
    document: CaseDocument | None = None,
) -> CaseEvent:
    if document is not None and document.case_id != case.pk:
        raise DisclosureError(_("That document belongs to another case."))
    event = CaseEvent.objects.create(
        case=case,
        date=when,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        document=document,
    )
    case.save(update_fields=["updated_at"])
    return event
