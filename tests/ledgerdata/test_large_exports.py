"""PROV and ClaimReview on a claim with thousands of evidence items, sources, captures and files:
still valid for an outside reader, and built with the same number of queries as for a few
items (the database work does not grow with the claim; the time and memory are measured in
bench/large_exports.py, not asserted)."""

from __future__ import annotations

import extruct
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prov.model import ProvDocument

from app.archive.models import Artifact, Capture, CaptureStatus
from app.catalog.models import Claim, Evidence, Source
from app.ledgerdata.prov import claim_prov_json
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db
LARGE = 2000


def build_claim(slug: str, n: int) -> Claim:
    """A published claim with ``n`` published items, each on its own archived source."""
    claim = ClaimFactory(slug=slug)
    sources = Source.objects.bulk_create(
        SourceFactory.build(url=f"https://{slug}.example/{i}",
                            normalized_url=f"https://{slug}.example/{i}")
        for i in range(n)
    )  # fmt: skip
    Evidence.objects.bulk_create(EvidenceFactory.build(claim=claim, source=s) for s in sources)
    now = timezone.now()
    captures = Capture.objects.bulk_create(
        Capture(source=s, status=CaptureStatus.SUCCEEDED, requested_url=s.url, final_url=s.url,
                started_at=now, finished_at=now, manifest_sha256="a" * 64)
        for s in sources
    )  # fmt: skip
    Artifact.objects.bulk_create(
        Artifact(capture=c, kind=kind, name=name, size=10, sha256=f"{c.pk:064x}",
                 media_type="text/html", storage_key=f"x/{c.pk}/{name}")
        for c in captures for kind, name in (("html", "page.html"), ("manifest", "manifest.json"))
    )  # fmt: skip
    return claim


def queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as seen:
        result = call()
    return len(seen.captured_queries), result


def test_prov_of_a_claim_with_thousands_of_items_reads_back_whole_in_flat_queries():
    build_claim("small", 20)
    build_claim("large", LARGE)
    few, _ = queries(lambda: claim_prov_json("small"))
    many, text = queries(lambda: claim_prov_json("large"))
    assert many == few, (few, many)
    document = ProvDocument.deserialize(content=text, format="json")
    records = document.get_records()
    kinds = [str(r.get_attribute("prov:type") and next(iter(r.get_attribute("prov:type"))))
             for r in records]  # fmt: skip
    assert kinds.count("tl:Evidence") == LARGE
    assert kinds.count("tl:Capture") == LARGE
    assert kinds.count("tl:Artifact") == 2 * LARGE


def test_claim_review_of_a_claim_with_thousands_of_items_parses_and_lists_each_source(client):
    build_claim("small-page", 20)
    build_claim("large-page", LARGE)
    few, _ = queries(lambda: client.get("/claims/small-page/"))
    many, response = queries(lambda: client.get("/claims/large-page/"))
    assert response.status_code == 200
    assert many == few, (few, many)
    data = extruct.extract(response.content.decode(), base_url="http://testserver/",
                           syntaxes=["json-ld"], errors="strict")  # fmt: skip
    [review] = [d for d in data["json-ld"] if d.get("@type") == "ClaimReview"]
    appearances = review["itemReviewed"]["appearance"]
    assert len(appearances) == LARGE  # the page lists every item; one appearance per source
    assert all(work["archivedAt"][0].endswith("/") for work in appearances)
