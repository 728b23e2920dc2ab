"""PROV and ClaimReview on a claim with thousands of evidence items, sources, captures and files:
still valid for an outside reader, and built with the same number of queries as for a few
items (the database work does not grow with the claim). The PROV document is streamed: its
peak memory stays flat when the claim grows tenfold. The claim page (and the ClaimReview in
it) shows every item, so it grows with the claim; its time and memory are measured in
bench/large_exports.py, not asserted."""

from __future__ import annotations

import tracemalloc

import extruct
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prov.model import ProvDocument

from app.archive.models import Artifact, Capture, CaptureStatus
from app.catalog.models import Claim, Evidence, Source
from app.ledgerdata.prov import CHUNK, claim_prov_json
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


def _streamed_peak(client, slug: str) -> tuple[int, int]:
    """Peak traced memory while the API streams a claim's PROV-JSON (each piece read and
    dropped, as a server writing to a socket does), and the size of the document."""
    tracemalloc.start()
    try:
        response = client.get(f"/api/v1/claims/{slug}/prov")
        size = sum(len(piece) for piece in response.streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    return peak, size


@pytest.mark.timeout(900)
def test_prov_memory_stays_flat_when_the_claim_grows_tenfold(client):
    n = CHUNK  # at least one full chunk of rows, so the small run is not flattered
    build_claim("warm", 5)
    build_claim("n", n)
    build_claim("ten-n", 10 * n)
    _streamed_peak(client, "warm")  # modules, URL resolvers and caches load once; not measured
    small, small_size = _streamed_peak(client, "n")
    large, large_size = _streamed_peak(client, "ten-n")
    print(f"tracemalloc peak: {small} bytes for N={n} items ({small_size} bytes of PROV-JSON), "
          f"{large} bytes for 10 N ({large_size} bytes)")  # fmt: skip
    assert large_size > 9 * small_size  # the document did grow tenfold...
    assert large < small * 2, (small, large)  # ...its writer's memory did not


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
