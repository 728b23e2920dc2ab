"""Every public page keeps a fixed number of queries, however many rows it shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from app.public.cache import bump_version
from tests.public.world import archived_evidence, grow, make_world

pytestmark = pytest.mark.django_db

PAGES = {
    "home": ("/", 8),  # -2: the entry points in one query (app.catalog.naming)
    "claim list": ("/claims/", 5),
    "filtered list": ("/claims/?model=vidgen&verdict=disputed&verdict=supported&sort=evidence", 6),
    "search": ("/claims/?q=blockcraft&content=blockcraft", {"sqlite": 13, "postgresql": 10}),
    # The claim's query also asks whether its relations (graph), its disclosure gap and
    # cases (disclosures) and the signal timelines of its cited pages (archive) have
    # anything to show: +1 query each only when they do (none here).
    "claim page": ("/claims/vidgen-blockcraft/", 6),
    "claim page in French": ("/fr/claims/vidgen-blockcraft/", 6),
    "model page": ("/entities/vidgen/", 6),  # +1: its disclosures, gap and cases
    # +2: index rows, paths (graph); +1: signal timelines (archive)
    "work page": ("/entities/blockcraft/", 9),
    # +2: it lists its models' claims (a developer is named through its models);
    # +1: signal timelines (archive)
    "developer page": ("/entities/frontier/", 7),
    "entity index": ("/entities/", 1),
    "methodology": ("/methodology/", 0),
    "data page": ("/data/", 0),
    "claims feed": ("/claims/feed/", 3),
    "entity feed": ("/entities/vidgen/feed/", 4),
    "claim feed": ("/claims/vidgen-blockcraft/feed/", 6),
    "sitemap": ("/sitemap.xml", 2),
}


def count_queries(client, url: str) -> int:
    bump_version()  # measure a cache miss
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(("url", "pinned"), PAGES.values(), ids=PAGES.keys())
def test_a_public_page_keeps_its_pinned_query_count_after_20_more_rows(client, url, pinned):
    if isinstance(pinned, dict):  # the search runs other SQL on each database
        pinned = pinned[connection.vendor]
    world = make_world()
    few = count_queries(client, url)
    grow(world, 20)
    many = count_queries(client, url)
    assert (few, many) == (pinned, pinned)


def test_the_claim_page_with_50_evidence_items_takes_at_most_10_queries(client):
    world = make_world(evidence=0)
    archived_evidence(world.claim, 50)
    queries = count_queries(client, "/claims/vidgen-blockcraft/")
    assert queries <= 10
    page = client.get("/claims/vidgen-blockcraft/").content.decode()
    assert page.count('class="evidence ') == 50


def test_a_cached_page_costs_no_query(client):
    make_world()
    client.get("/claims/vidgen-blockcraft/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/claims/vidgen-blockcraft/")
    assert response.status_code == 200
    assert len(queries) == 0
