"""Every read API endpoint keeps a fixed number of queries, however many rows it returns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from app.public.cache import bump_version
from tests.public.world import grow, make_world

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "claim list": ("/api/v1/claims", 4),
    "filtered claim list": ("/api/v1/claims?model=vidgen&kind=output_comparison&sort=updated", 5),
    "search": ("/api/v1/claims?q=blockcraft", {"sqlite": 10, "postgresql": 7}),
    "claim": ("/api/v1/claims/vidgen-blockcraft", 7),  # +1: relations (graph)
    "entity": ("/api/v1/entities/blockcraft", 6),
    "source": ("/api/v1/sources/{source}", 3),
    "openapi": ("/api/v1/openapi.json", 0),
    "claims export": ("/api/v1/exports/claims.csv", 3),
    "evidence export": ("/api/v1/exports/evidence.json", 1),
    "sources export": ("/api/v1/exports/sources.csv", 1),
}


def count_queries(client, url: str) -> int:
    bump_version()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(("url", "pinned"), ENDPOINTS.values(), ids=ENDPOINTS.keys())
def test_an_api_endpoint_keeps_its_pinned_query_count_after_20_more_rows(client, url, pinned):
    if isinstance(pinned, dict):
        pinned = pinned[connection.vendor]
    world = make_world()
    url = url.format(source=world.claim.evidence.first().source_id)
    few = count_queries(client, url)
    grow(world, 20)
    many = count_queries(client, url)
    assert (few, many) == (pinned, pinned)
