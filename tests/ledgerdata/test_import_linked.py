"""Import of relations, disclosures and cases: good records land pending (never published),
malformed ones are refused with their line and field and leave nothing behind."""

from __future__ import annotations

import io
import json

import pytest

from app.catalog import publication
from app.catalog.models import Claim, Entity, Source
from app.disclosures.models import Case, CaseDocument, CaseEvent, Disclosure
from app.graph.models import Relation
from app.ledgerdata.importer import import_file

pytestmark = pytest.mark.django_db

BASE = [
    {"type": "entity", "slug": "vidgen", "name": "VidGen", "kind": "model",
     "developer": {"name": "Example Labs"}},
    {"type": "entity", "slug": "clips", "name": "Clips-1M", "kind": "dataset"},
    {"type": "entity", "slug": "blockworld", "name": "BlockWorld", "kind": "work"},
    {"type": "claim", "slug": "c", "statement": "VidGen was trained on Clips-1M.",
     "models": ["vidgen"], "content": ["clips"]},
]  # fmt: skip
RELATION = {"type": "relation", "claim": "c", "kind": "use", "from": "clips", "to": "vidgen",
            "attribution": "alleged", "note": "Alleged by a report."}  # fmt: skip
DISCLOSURE = {
    "type": "disclosure", "model": "vidgen", "kind": "model_card", "title": "VidGen card",
    "published_on": "2024-12-09", "source": {"url": "https://labs.example/card"},
    "sections": [{"code": "2.1", "text": "Public datasets.", "data": {"datasets": ["Clips-1M"]}}],
}  # fmt: skip
CASE = {
    "type": "case", "slug": "guild-v-labs", "title": "Guild v. Example Labs", "court": "N.D. Ex.",
    "docket_number": "3:25-cv-1", "filed_on": "2025-01-02", "status": "active",
    "parties": [{"name": "Creators Guild", "kind": "organization", "role": "plaintiff"},
                {"entity": "vidgen", "role": "other"}],
    "documents": [{"docket_entry": "1", "title": "Complaint",
                   "source": {"url": "https://court.example/1.pdf"}}],
    "events": [{"date": "2025-01-02", "kind": "complaint", "title": "Filed", "document": "1"}],
    "models": ["vidgen"], "claims": ["c"],
}  # fmt: skip


def run(actor, *records):
    data = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    return import_file(io.BytesIO(data), "ledger.jsonl", actor=actor)


def test_relations_disclosures_and_cases_land_pending_and_import_once(bob):
    outcome = run(bob, *BASE, RELATION, DISCLOSURE, CASE)
    assert (outcome.created, outcome.refused) == (7, 0), outcome.problems
    relation = Relation.objects.get()
    assert (relation.upstream.name, relation.downstream.name, relation.stage) == (
        "Clips-1M", "VidGen", "unknown")  # fmt: skip
    disclosure = Disclosure.objects.get()
    assert disclosure.state == "pending" and disclosure.published_at is None
    assert disclosure.sections.get(code="2.1").data == {"datasets": ["Clips-1M"]}
    case = Case.objects.get()
    assert (case.state, case.slug) == ("pending", "guild-v-labs")
    assert CaseEvent.objects.get().document == CaseDocument.objects.get()
    assert list(case.claims.all()) == list(Claim.objects.all())
    assert sorted(case.parties.values_list("role", flat=True)) == ["other", "plaintiff"]
    for url in ("https://labs.example/card", "https://court.example/1.pdf"):
        assert Source.objects.get(url=url).captures.get().status == "queued"
    again = run(bob, *BASE, RELATION, DISCLOSURE, CASE)
    assert (again.created, again.unchanged, again.refused) == (0, 7, 0)
    assert (Relation.objects.count(), Disclosure.objects.count(), Case.objects.count()) == (1, 1, 1)


def test_malformed_linked_records_are_refused_whole(alice):
    sources = Source.objects.count()
    outcome = run(
        alice,
        *BASE,
        {**RELATION, "from": "no-such-dataset"},  # 5: unknown entity
        {**RELATION, "kind": "membership", "attribution": ""},  # 6: a dataset is not in a model
        {
            **RELATION,
            "kind": "membership",
            "from": "blockworld",
            "to": "clips",
            "stage": "pretraining",
        },  # 7: stage on a membership
        {**DISCLOSURE, "model": "blockworld"},  # 8: not a model
        {**DISCLOSURE, "sections": [{"code": "9.9"}]},  # 9: no such section
        {**DISCLOSURE, "source": {"url": "ftp://x.example/card"}},  # 10: bad address
        {**CASE, "status": "won"},  # 11: unknown status
        {
            **CASE,
            "events": [{"date": "2025-01-02", "kind": "complaint", "title": "x", "document": "7"}],
        },  # 12: unknown document
        {**CASE, "claims": ["missing"]},  # 13: unknown claim
        {**CASE, "parties": [{"entity": "nobody", "role": "plaintiff"}]},  # 14
        {**CASE, "docket_number": 5},  # 15: wrong type
    )
    report = {p["line"]: (p["field"], p["message"]) for p in outcome.problems}
    assert sorted(report) == list(range(5, 16)), report
    assert report[5][0] == "from" and "Unknown entity 'no-such-dataset'" in report[5][1]
    assert report[6][0] == "kind" and report[7][0] == "stage"
    assert report[8] == ("model", "“BlockWorld” is not an AI model.")
    assert report[9][0] == "sections[0].code" and report[10][0] == "source.url"
    assert report[11][0] == "status" and report[12][0] == "events[0].document"
    assert report[13][0] == "claims[0]" and report[14][0] == "parties[0]"
    assert report[15] == ("docket_number", "Must be text, not int.")
    # Nothing half-saved: no relation, disclosure, case, document source or stray entity.
    assert Relation.objects.count() == Disclosure.objects.count() == Case.objects.count() == 0
    assert Source.objects.count() == sources
    assert not Entity.objects.filter(slug="nobody").exists()


def test_a_relation_is_not_imported_onto_a_published_claim(bob):
    run(bob, *BASE)
    claim = Claim.objects.get()
    publication.publication_set(claim, "published", actor=bob)
    outcome = run(bob, RELATION)
    assert outcome.problems[0]["field"] == "claim" and "published" in outcome.problems[0]["message"]
    assert not Relation.objects.exists()
