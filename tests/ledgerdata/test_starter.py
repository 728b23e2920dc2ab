"""The starter ledger (data/starter-ledger.jsonl): real cases, imported as pending only,
twice without change, every source queued for capture and found in the facts file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from app.archive.models import Capture, CaptureStatus
from app.catalog.models import Claim, Entity, Evidence, Source
from app.disclosures.models import Case, CaseDocument, Disclosure
from app.graph.models import Relation
from app.ledgerdata.models import ImportedRecord
from app.lib.urls import normalize_url
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
STARTER = ROOT / "data" / "starter-ledger.jsonl"
FACTS = json.loads((Path(__file__).parent / "fixtures" / "starter-case-urls.json").read_text())


def counts() -> dict[str, int]:
    return {
        "claims": Claim.objects.count(),
        "evidence": Evidence.objects.count(),
        "sources": Source.objects.count(),
        "entities": Entity.objects.count(),
        "captures": Capture.objects.count(),
        "claim history": Claim.history.count(),
        "relations": Relation.objects.count(),
        "cases": Case.objects.count(),
        "case documents": CaseDocument.objects.count(),
        "disclosures": Disclosure.objects.count(),
    }


def test_the_starter_ledger_imports_pending_twice_without_change(capsys):
    call_command("import_ledger", str(STARTER))
    assert " 0 refused" in capsys.readouterr().out
    first = counts()
    assert first["claims"] == len(FACTS["cases"]) == 16
    assert (first["relations"], first["cases"], first["disclosures"]) == (13, 9, 1)
    call_command("import_ledger", str(STARTER))
    out = capsys.readouterr().out
    assert " 0 created" in out and " 0 refused" in out
    assert counts() == first
    assert set(Claim.objects.values_list("state", flat=True)) == {"pending"}
    assert set(Evidence.objects.values_list("state", flat=True)) == {"pending"}
    assert set(Case.objects.values_list("state", flat=True)) == {"pending"}
    assert set(Disclosure.objects.values_list("state", flat=True)) == {"pending"}
    assert not Case.objects.filter(published_at__isnull=False).exists()
    assert not Claim.objects.filter(published_at__isnull=False).exists()
    for source in Source.objects.all():
        statuses = set(source.captures.values_list("status", flat=True))
        assert statuses == {CaptureStatus.QUEUED}, source.url


def test_each_cases_sources_are_addresses_of_the_facts_file():
    call_command("import_ledger", str(STARTER))
    imported = ImportedRecord.objects.filter(record_type="claim")
    case_of = {r.object_id: r.external_id.removeprefix("starter:claim:") for r in imported}
    assert len(case_of) == Claim.objects.count()
    for claim in Claim.objects.all():
        slug = case_of[claim.pk]
        allowed = {normalize_url(u) for u in FACTS["cases"][slug]}
        cited = {e.source.normalized_url for e in claim.evidence.select_related("source")}
        assert cited, f"{slug} cites no source"
        assert cited <= allowed, (slug, cited - allowed)
    for case in Case.objects.prefetch_related("claims", "documents__source"):
        allowed = set()
        for claim in case.claims.all():
            allowed |= {normalize_url(u) for u in FACTS["cases"][case_of[claim.pk]]}
        filed = {d.source.normalized_url for d in case.documents.all()}
        assert filed and filed <= allowed, (case.slug, filed - allowed)
    sora = Disclosure.objects.get(model__slug="sora")
    allowed = {normalize_url(u) for u in FACTS["cases"]["sora-video-games-twitch"]}
    assert sora.source.normalized_url in allowed
    used = set(Source.objects.values_list("normalized_url", flat=True))
    assert not used & {normalize_url(u) for u in FACTS["not_to_enter"]}


def test_the_file_is_in_the_import_format_and_states_no_unconfirmed_byline():
    text = STARTER.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    kinds = {"entity", "claim", "evidence", "relation", "case", "disclosure"}
    assert {r["type"] for r in records} == kinds
    assert len({r["external_id"] for r in records}) == len(records)
    assert "Wiggers" not in text and "techcrunch" not in text.lower()
