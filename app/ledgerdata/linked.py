"""Import of the records other apps attach to claims: relations (app/graph), disclosures
and court cases (app/disclosures), in the shapes their dumps give (`app/graph/dumps.py`,
`app/disclosures/dumps.py`).

Each function takes the running `Importer` (its validation helpers, entity and claim
resolution, source spacing) and one record; it raises `Refused` with the field at fault.
As for claims and evidence, nothing is published here: a case or a disclosure lands as a
draft or pending review through `publication_set`, and a relation, whose visibility is its
claim's, is refused on a claim that readers already see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from app.catalog import publication
from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import Claim, Entity
from app.disclosures.models import (
    Case,
    CaseDocument,
    CaseStatus,
    Disclosure,
    DisclosureKind,
    EventKind,
    PartyRole,
)
from app.disclosures.sections import CODES
from app.disclosures.services import (
    SectionInput,
    case_create,
    case_document_add,
    case_event_add,
    case_party_add,
    disclosure_create,
)
from app.graph.models import Attribution, DatasetVersion, Relation, RelationKind, UseStage
from app.graph.services import relation_add
from app.ledgerdata.models import ImportedRecord

if TYPE_CHECKING:
    from app.ledgerdata.importer import Importer


def _helpers() -> Any:
    from app.ledgerdata import importer  # the importer imports this module lazily

    return importer


def _list(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name) or []
    if not isinstance(value, list):
        raise _helpers().Refused(name, "Must be a list.")
    return value


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _helpers().Refused(name, "Must be an object.")
    return value


def _model(imp: Importer, value: Any, name: str) -> Entity:
    entity = imp._entity_ref(value, name, EntityKind.MODEL)
    if entity.kind != EntityKind.MODEL:
        raise _helpers().Refused(name, f"“{entity.name}” is not an AI model.")
    return entity


def _unpublished_claim(imp: Importer, data: dict[str, Any]) -> Claim:
    claim = imp._claim_for(data)
    if claim.state == PublicationState.PUBLISHED:
        # A relation is seen exactly when its claim is: importing one onto a published
        # claim would publish it without review.
        raise _helpers().Refused(
            "claim", "That claim is published: add relations to it in the editor, not by import."
        )
    return claim


# --- Relations ------------------------------------------------------------------------


def relation(imp: Importer, data: dict[str, Any]) -> Relation:
    h = _helpers()
    claim = _unpublished_claim(imp, data)
    kind = h._choice(data, "kind", RelationKind)
    upstream = imp._entity_ref(data.get("from"), "from", EntityKind.WORK)
    downstream = imp._entity_ref(data.get("to"), "to", EntityKind.DATASET)
    is_use = kind == RelationKind.USE
    stage = attribution = ""
    if is_use:
        stage = h._choice(data, "stage", UseStage, default=UseStage.UNKNOWN)
        attribution = h._choice(data, "attribution", Attribution, default="")
    else:
        for name in ("stage", "attribution"):
            if h._str(data, name):
                raise h.Refused(name, "Stage and declared/alleged apply to use relations only.")
    number = data.get("dataset_version")
    version = None
    if number not in (None, ""):
        if isinstance(number, bool) or not str(number).isdigit():
            raise h.Refused("dataset_version", "Must be a version number.")
        # An index is its archived file (imported with import_dataset_index), not part of
        # the ledger's file: the number is kept when that version exists here.
        version = DatasetVersion.objects.filter(
            dataset__entity=downstream, number=int(str(number))
        ).first()
    if Relation.objects.filter(
        claim=claim, kind=kind, upstream=upstream, downstream=downstream
    ).exists():
        raise h.Refused("kind", "The claim already has this relation.")
    try:
        return relation_add(
            claim=claim,
            kind=kind,
            upstream=upstream,
            downstream=downstream,
            actor=imp.actor,
            stage=stage,
            attribution=attribution,
            dataset_version=version,
            note=h._str(data, "note", limit=300),
        )
    except ValidationError as exc:
        raise h.Refused("kind", "; ".join(exc.messages)) from None


def relation_key(data: dict[str, Any]) -> str:
    def ref(value: Any) -> Any:
        if isinstance(value, dict):
            return value.get("slug") or [value.get("name"), value.get("kind")]
        return value

    return "relation:" + _helpers()._digest(
        data.get("claim"), data.get("claim_external_id"), data.get("kind"),
        ref(data.get("from")), ref(data.get("to")),
    )  # fmt: skip


# --- Disclosures -----------------------------------------------------------------------


def _sections(data: dict[str, Any]) -> dict[str, SectionInput]:
    h = _helpers()
    found: dict[str, SectionInput] = {}
    for i, raw in enumerate(_list(data, "sections")):
        name = f"sections[{i}]"
        section = _object(raw, name)
        code = h._str(section, "code", required=True, limit=8)
        if code not in CODES:
            raise h.Refused(f"{name}.code", f"“{code}” is not a section of the template.")
        if code in found:
            raise h.Refused(f"{name}.code", f"Section {code} is given twice.")
        fields = section.get("data") or {}
        if not isinstance(fields, dict):
            raise h.Refused(f"{name}.data", "Must be an object.")
        found[code] = SectionInput(text=h._str(section, "text"), data=fields)
    return found


def disclosure(imp: Importer, data: dict[str, Any]) -> Disclosure:
    h = _helpers()
    model = _model(imp, data.get("model"), "model")
    kind = h._choice(data, "kind", DisclosureKind)
    title = h._str(data, "title", required=True, limit=300)
    source = data.get("source")
    if isinstance(source, str):
        source = {"url": source}
    found = imp._new_source(_object(source, "source"), "source")
    supersedes = None
    earlier = data.get("supersedes")
    if earlier not in (None, ""):
        mapped = imp._mapped("disclosure-id", str(earlier))
        supersedes = Disclosure.objects.filter(pk=mapped).first() if mapped else None
        if supersedes is None:
            raise h.Refused("supersedes", f"No imported disclosure had the id {earlier!r}.")
    try:
        item = disclosure_create(
            model=model,
            actor=imp.actor,
            kind=kind,
            title=title,
            url=found.url,
            version_label=h._str(data, "version", limit=60),
            published_on=h._date(data, "published_on"),
            supersedes=supersedes,
            sections=_sections(data),
            is_demo=data.get("is_demo") in (True, "true"),
            submit=False,
        )
    except ValueError as exc:  # DisclosureError
        raise h.Refused("", str(exc)) from None
    if data.get("id") not in (None, ""):  # a dump's id, for a later version's "supersedes"
        ImportedRecord.objects.get_or_create(
            record_type="disclosure-id",
            external_id=str(data["id"]),
            defaults={"object_id": item.pk, "run": imp.run},
        )
    if imp.submit:
        publication.publication_set(item, PublicationState.PENDING, actor=imp.actor)
    return item


def disclosure_key(data: dict[str, Any]) -> str:
    source = data.get("source")
    url = source.get("url") if isinstance(source, dict) else source
    return "disclosure:" + _helpers()._digest(
        data.get("model"), data.get("kind"), data.get("title"), data.get("version"), url
    )


# --- Cases -------------------------------------------------------------------------------


def case(imp: Importer, data: dict[str, Any]) -> Case:
    h = _helpers()
    title = h._str(data, "title", required=True, limit=300)
    slug = h._str(data, "slug", limit=120)
    made = case_create(
        actor=imp.actor,
        title=title,
        court=h._str(data, "court", required=True, limit=300),
        docket_number=h._str(data, "docket_number", required=True, limit=100),
        filed_on=h._date(data, "filed_on"),
        judge=h._str(data, "judge", limit=200),
        status=h._choice(data, "status", CaseStatus, default=CaseStatus.ACTIVE),
        summary=h._str(data, "summary", limit=10000),
        slug=slug if slug and not Case.objects.filter(slug=slug).exists() else "",
        is_demo=data.get("is_demo") in (True, "true"),
        submit=False,
    )
    if slug and slug != made.slug:
        ImportedRecord.objects.get_or_create(
            record_type="case-slug", external_id=slug, defaults={"object_id": made.pk}
        )
    for i, raw in enumerate(_list(data, "parties")):
        party = _object(raw, f"parties[{i}]")
        ref = {"slug": party.get("entity"), "name": party.get("name"), "kind": party.get("kind")}
        entity = imp._entity_ref(
            {k: v for k, v in ref.items() if v}, f"parties[{i}]", EntityKind.ORGANIZATION
        )
        role = h._choice(party, "role", PartyRole)
        case_party_add(case=made, entity=entity, role=role)
    documents: dict[str, CaseDocument] = {}
    for i, raw in enumerate(_list(data, "documents")):
        name = f"documents[{i}]"
        doc = _object(raw, name)
        entry = h._str(doc, "docket_entry", required=True, limit=40)
        if entry in documents:
            raise h.Refused(f"{name}.docket_entry", f"Document {entry} is listed twice.")
        source = doc.get("source")
        source = {"url": source} if isinstance(source, str) else _object(source, f"{name}.source")
        found = imp._new_source(source, f"{name}.source")
        documents[entry] = case_document_add(
            case=made,
            actor=imp.actor,
            url=found.url,
            docket_entry=entry,
            title=h._str(doc, "title", required=True, limit=300),
            filed_on=h._date(doc, "filed_on"),
        )
    for i, raw in enumerate(_list(data, "events")):
        name = f"events[{i}]"
        event = _object(raw, name)
        when = h._date(event, "date")
        if when is None:
            raise h.Refused(f"{name}.date", "Required.")
        document = event.get("document")
        if document not in (None, "") and str(document) not in documents:
            raise h.Refused(f"{name}.document", f"No document {document!r} in this case.")
        case_event_add(
            case=made,
            when=when,
            kind=h._choice(event, "kind", EventKind),
            title=h._str(event, "title", required=True, limit=300),
            description=h._str(event, "description", limit=5000),
            document=documents.get(str(document)) if document else None,
        )
    for i, value in enumerate(_list(data, "models")):
        made.models_concerned.add(_model(imp, value, f"models[{i}]"))
    for i, value in enumerate(_list(data, "claims")):
        if not isinstance(value, str):
            raise h.Refused(f"claims[{i}]", "Must be the slug of a claim.")
        try:
            made.claims.add(imp._claim_for({"claim": value}))
        except h.Refused as refused:
            raise h.Refused(f"claims[{i}]", refused.message) from None
    if imp.submit:
        publication.publication_set(made, PublicationState.PENDING, actor=imp.actor)
    return made


def case_key(data: dict[str, Any]) -> str:
    slug = data.get("slug")
    if isinstance(slug, str) and slug.strip():
        return f"case:{slug.strip()}"
    return "case:" + _helpers()._digest(
        data.get("title"), data.get("court"), data.get("docket_number")
    )
