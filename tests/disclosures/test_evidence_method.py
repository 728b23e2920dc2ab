"""Each evidence item's method note and grounded/speculative flag, on every output:
the claim page, the read API, the exports, ClaimReview's reviewBody and the evidence package."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from app.archive.package import package_manifest, package_plan
from app.catalog.choices import EvidenceKind, Grounding
from app.catalog.models import Evidence
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("m")</script><img src=x onerror=alert(1)>'
NOTE = "Prompted Sora v1 on 2025-01-10 with 20 neutral prompts; 3 of 20 outputs showed the HUD."


@pytest.fixture
def tested():
    claim = ClaimFactory(slug="sora-hud")
    item = EvidenceFactory(
        claim=claim,
        kind=EvidenceKind.OUTPUT_COMPARISON,
        method_note=NOTE,
        grounding=Grounding.GROUNDED,
        summary="Outputs reproduce the hotbar.",
    )
    guess = EvidenceFactory(
        claim=claim,
        kind=EvidenceKind.LEAKED_DOCUMENT,
        method_note="Inferred from a file name in the leak.",
        grounding=Grounding.SPECULATIVE,
        summary="A spreadsheet lists a channel.",
    )
    return claim, item, guess


def consume(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_claim_page_shows_method_and_flag(client, tested):
    page = client.get("/claims/sora-hud/").content.decode()
    assert "Output-resemblance test" in page
    assert NOTE in page
    assert re.search(r'class="grounding grounded">Grounded<', page)
    assert re.search(r'class="grounding speculative">Speculative<', page)
    assert "Leaked internal document" in page


def test_the_claim_page_in_french_translates_the_flag(client, tested):
    page = client.get("/fr/claims/sora-hud/").content.decode()
    assert re.search(r'class="grounding speculative">Spéculati', page)


def test_a_hostile_method_note_renders_inert(client):
    EvidenceFactory(claim=ClaimFactory(slug="hostile"), method_note=HOSTILE)
    page = client.get("/claims/hostile/").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_read_api_carries_method_and_flag(client, tested):
    data = client.get("/api/v1/claims/sora-hud").json()
    by_kind = {e["kind"]: e for e in data["evidence"]}
    assert by_kind["output_comparison"]["method_note"] == NOTE
    assert by_kind["output_comparison"]["grounding"] == "grounded"
    assert by_kind["leaked_document"]["grounding"] == "speculative"


def test_an_unassessed_item_has_a_null_flag_in_the_api(client):
    EvidenceFactory(claim=ClaimFactory(slug="plain"))
    [item] = client.get("/api/v1/claims/plain").json()["evidence"]
    assert item["grounding"] is None and item["method_note"] == ""


def test_the_exports_carry_method_and_flag(client, tested):
    rows = list(csv.DictReader(io.StringIO(consume(client.get("/api/v1/exports/evidence.csv")))))
    by_kind = {r["kind"]: r for r in rows}
    assert by_kind["output_comparison"]["method_note"] == NOTE
    assert by_kind["leaked_document"]["grounding"] == "speculative"
    items = json.loads(consume(client.get("/api/v1/exports/evidence.json")))
    assert {i["grounding"] for i in items} == {"grounded", "speculative"}


def test_claim_review_body_names_kind_flag_and_method(client, tested):
    page = client.get("/claims/sora-hud/").content.decode()
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    body = json.loads(block)["reviewBody"]
    assert "Output-resemblance test (Grounded): Outputs reproduce the hotbar." in body
    assert f"Method: {NOTE}" in body
    assert "Leaked internal document (Speculative)" in body


def test_the_evidence_package_carries_method_and_flag(tested):
    claim, item, guess = tested
    manifest = package_manifest(package_plan(claim), generated_at=timezone.now())
    by_id = {e["id"]: e for e in manifest["evidence"]}
    assert by_id[item.pk]["method_note"] == NOTE
    assert by_id[item.pk]["grounding"] == "grounded"
    assert by_id[guess.pk]["grounding"] == "speculative"


def test_the_database_refuses_an_unknown_flag(tested):
    _claim, item, _guess = tested
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=item.pk).update(grounding="certain")


def test_every_old_kind_stays_valid(tested):
    _claim, item, _guess = tested
    for kind in ("news_report", "output_comparison", "developer_statement", "document",
                 "research", "testimony"):  # fmt: skip
        Evidence.objects.filter(pk=item.pk).update(kind=kind)


def test_an_editor_enters_method_and_flag_and_edits_them(client, alice):
    from django.urls import reverse

    claim = ClaimFactory(draft=True, created_by=alice)
    client.force_login(alice)
    form = client.get(reverse("editor:claim", args=[claim.slug])).content.decode()
    assert 'name="method_note"' in form and 'name="grounding"' in form
    response = client.post(
        reverse("editor:evidence_create", args=[claim.slug]),
        {
            "url": "https://news.example/hud",
            "kind": "output_comparison",
            "stance": "supports",
            "summary": "The HUD is reproduced.",
            "method_note": f"  {NOTE}  ",
            "grounding": "grounded",
        },
    )
    assert response.status_code == 302
    item = Evidence.objects.get(claim=claim)
    assert (item.method_note, item.grounding) == (NOTE, "grounded")
    edit = {
        "kind": "output_comparison", "stance": "supports", "summary": "The HUD is reproduced.",
        "method_note": "Redone on 40 prompts.", "grounding": "speculative",
    }  # fmt: skip
    client.post(reverse("editor:evidence_edit", args=[item.pk]), edit)
    item.refresh_from_db()
    assert (item.method_note, item.grounding) == ("Redone on 40 prompts.", "speculative")
    bad = client.post(reverse("editor:evidence_edit", args=[item.pk]), {**edit, "grounding": "x"})
    assert bad.status_code == 400 or "Select a valid choice" in bad.content.decode()
    item.refresh_from_db()
    assert item.grounding == "speculative"
