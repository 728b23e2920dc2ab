"""Exports stream from the database: the whole response is never held in memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc

import pytest
from django.utils import timezone

from app.api import exports
from app.catalog.models import Claim, Evidence, Source
from tests.factories import ClaimFactory, EvidenceFactory
from tests.public.world import make_world

pytestmark = pytest.mark.django_db


def consume(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_each_export_streams_csv_and_json_of_published_rows_only(client):
    world = make_world()
    ClaimFactory(draft=True, statement="A draft claim.")
    EvidenceFactory(claim=world.claim, state="draft", published_at=None, summary="Draft item.")
    draft_claim = ClaimFactory(draft=True)
    hidden = EvidenceFactory(claim=draft_claim, summary="Item of a draft claim.")
    for dataset, expected in (("claims", 1), ("evidence", 2), ("sources", 2)):
        response = client.get(f"/api/v1/exports/{dataset}.csv")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f'filename="trainedon-{dataset}.csv"' in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(consume(response).decode())))
        assert len(rows) == expected, dataset
        data = json.loads(consume(client.get(f"/api/v1/exports/{dataset}.json")))
        assert len(data) == expected
        assert [str(row.get("id", row.get("slug"))) for row in data] == [
            str(row.get("id", row.get("slug"))) for row in rows
        ]
    claims = json.loads(consume(client.get("/api/v1/exports/claims.json")))
    assert claims[0]["models"] == "vidgen" and claims[0]["content"] == "blockcraft"
    evidence = consume(client.get("/api/v1/exports/evidence.csv")).decode()
    assert "Draft item." not in evidence and "Item of a draft claim." not in evidence
    sources = consume(client.get("/api/v1/exports/sources.csv")).decode()
    assert hidden.source.url not in sources
    assert "ab" * 32 in sources


def test_an_empty_export_still_has_its_header(client):
    body = consume(client.get("/api/v1/exports/claims.csv")).decode()
    assert body.startswith("slug,statement,verdict")
    assert json.loads(consume(client.get("/api/v1/exports/evidence.json"))) == []


def test_an_unknown_export_is_a_json_404(client):
    response = client.get("/api/v1/exports/users.csv")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def _bulk_evidence(n: int) -> None:
    now = timezone.now()
    claim = ClaimFactory()
    start = Source.objects.count()
    Source.objects.bulk_create(
        Source(
            url=f"https://bulk.example/{start + i}",
            normalized_url=f"https://bulk.example/{start + i}",
        )
        for i in range(n)
    )
    sources = list(
        Source.objects.filter(url__startswith="https://bulk.example/").order_by("-pk")[:n]
    )
    Evidence.objects.bulk_create(
        Evidence(
            claim=claim,
            source=s,
            kind="news_report",
            stance="supports",
            state="published",
            published_at=now,
            summary="x" * 400,
        )
        for s in sources
    )


def _peak_while_streaming(client, url: str) -> tuple[int, int]:
    tracemalloc.start()
    try:
        response = client.get(url)
        assert response.streaming
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_when_an_export_grows_tenfold(client, monkeypatch):
    """With chunks of 100 rows, 3,000 rows must not need much more memory than 300."""
    monkeypatch.setattr(exports, "CHUNK", 100)
    _bulk_evidence(300)
    small_peak, small_size = _peak_while_streaming(client, "/api/v1/exports/evidence.json")
    _bulk_evidence(2700)
    large_peak, large_size = _peak_while_streaming(client, "/api/v1/exports/evidence.json")
    assert large_size > 9 * small_size  # ten times the rows went out...
    assert large_peak < 2 * small_peak  # ...through about the same memory
    assert Claim.objects.count() == 2
