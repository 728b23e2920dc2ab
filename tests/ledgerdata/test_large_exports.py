"""PROV and ClaimReview on a claim with thousands of evidence items, sources, captures and files:
still valid for an outside reader, and built with the same number of queries as for a few
items (the database work does not grow with the claim). The PROV document is streamed: its
peak memory stays flat when the claim grows tenfold. The claim page shows each stance's
first items and links to each stance's list, a page at a time, so the page's memory and the
ClaimReview in it stay flat too; bench/large_exports.py prints their times and sizes."""

from __future__ import annotations

import tracemalloc
import zipfile

import extruct
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prov.model import ProvDocument

from app.archive.models import Artifact, Capture, CaptureStatus
from app.archive.package import _Pipe, package_plan, write_stream
from app.catalog.choices import Stance
from app.catalog.models import Claim, Evidence, Source
from app.ledgerdata.prov import CHUNK, claim_prov_json
from app.public.cache import bump_version
from app.public.queries import CLAIM_PAGE_ITEMS
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db
LARGE = 2000


def build_claim(slug: str, n: int, stances: tuple[str, ...] = ()) -> Claim:
    """A published claim with ``n`` published items, each on its own archived source; the
    items take the ``stances`` in turn (the factory's when none is given)."""
    claim = ClaimFactory(slug=slug)
    sources = Source.objects.bulk_create(
        SourceFactory.build(url=f"https://{slug}.example/{i}",
                            normalized_url=f"https://{slug}.example/{i}")
        for i in range(n)
    )  # fmt: skip
    turn = {"stance": lambda i: stances[i % len(stances)]} if stances else {}
    Evidence.objects.bulk_create(
        EvidenceFactory.build(claim=claim, source=s, **{k: f(i) for k, f in turn.items()})
        for i, s in enumerate(sources)
    )
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


STANCES = tuple(Stance.values)


def json_ld(html: str) -> str:
    """The page's ClaimReview as the page carries it."""
    start = html.index('<script type="application/ld+json">')
    return html[start : html.index("</script>", start)]


def _page_peak(client, path: str) -> tuple[int, int, int, str]:
    """Peak traced memory while an uncached page renders, its query count, the size of its
    JSON-LD, and the page."""
    bump_version()  # a cache miss each time
    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as seen:
            response = client.get(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, path
    html = response.content.decode()
    return peak, len(seen.captured_queries), len(json_ld(html)), html


@pytest.mark.timeout(900)
def test_the_claim_page_and_its_claim_review_stay_flat_when_the_claim_grows_tenfold(client):
    n = 200
    build_claim("warm-page", 5, STANCES)
    build_claim("n-page", n, STANCES)
    build_claim("ten-n-page", 10 * n, STANCES)
    _page_peak(client, "/claims/warm-page/")  # templates, URL patterns, SQL compiled once
    _page_peak(client, "/claims/warm-page/evidence/supports/")
    rows = []
    # The claim page, and a full page of a stance's list: the first of N, the 13th of 10 N.
    for path, deep in (("/claims/{}/", ""), ("/claims/{}/evidence/context/", "?page=13")):
        small, small_queries, small_ld, small_html = _page_peak(client, path.format("n-page"))
        large, large_queries, large_ld, large_html = _page_peak(
            client, path.format("ten-n-page") + deep
        )
        rows.append(f"{path}: peak {small} / {large} bytes, JSON-LD {small_ld} / {large_ld} "
                    f"bytes, {small_queries} / {large_queries} queries for N={n} / 10 N items")  # fmt: skip
        assert large_queries == small_queries, rows[-1]
        assert large < small * 1.5, rows[-1]
        assert large_ld < small_ld * 1.1, rows[-1]
        assert len(large_html) < len(small_html) * 1.1, rows[-1]
    print("\n".join(rows))
    # The large claim's page says how many there are, and leads to all of them.
    html = _page_peak(client, "/claims/ten-n-page/")[3]
    assert html.count('class="evidence card ') == 3 * CLAIM_PAGE_ITEMS
    assert 'href="/claims/ten-n-page/evidence/supports/">Show all 667 supporting items' in html
    assert "Show all 667 contradicting items" in html and "Show all 666 context items" in html


def test_the_claim_review_of_a_large_claim_parses_and_lists_the_items_shown(client):
    build_claim("large-page", LARGE, STANCES)
    html = client.get("/claims/large-page/").content.decode()
    data = extruct.extract(html, base_url="http://testserver/",
                           syntaxes=["json-ld"], errors="strict")  # fmt: skip
    [review] = [d for d in data["json-ld"] if d.get("@type") == "ClaimReview"]
    appearances = review["itemReviewed"]["appearance"]
    assert len(appearances) == 3 * CLAIM_PAGE_ITEMS  # one per item shown, each its own source
    assert all(work["archivedAt"][0].endswith("/") for work in appearances)


def _package_lineage_peak(slug: str) -> tuple[int, int]:
    """Peak traced memory while the evidence package writes its ``provenance.json`` into the
    ZIP (the ZIP's bytes drained and dropped, as the streamed download does), and the
    member's size."""
    plan = package_plan(Claim.objects.get(slug=slug))
    [(name, pieces)] = [member for member in plan.streams if member[0] == "provenance.json"]
    pipe, hashes = _Pipe(), {}
    tracemalloc.start()
    try:
        with zipfile.ZipFile(pipe, mode="w") as archive:  # type: ignore[call-overload]
            for _bytes in write_stream(archive, pipe, zipfile.ZipInfo(name), pieces(), hashes):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, hashes[name][1]


@pytest.mark.timeout(900)
def test_the_packages_lineage_is_streamed_with_flat_memory_when_the_claim_grows_tenfold():
    n = CHUNK
    build_claim("warm-package", 5)
    build_claim("n-package", n)
    build_claim("ten-n-package", 10 * n)
    _package_lineage_peak("warm-package")
    small, small_size = _package_lineage_peak("n-package")
    large, large_size = _package_lineage_peak("ten-n-package")
    print(f"tracemalloc peak writing provenance.json into the package: {small} bytes for "
          f"N={n} items ({small_size} bytes), {large} bytes for 10 N ({large_size} bytes)")  # fmt: skip
    assert large_size > 9 * small_size  # the member did grow tenfold...
    assert large < small * 2, (small, large)  # ...the memory it took to write it did not
