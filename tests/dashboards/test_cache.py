"""The overview is cached like the public pages and purged by the same version bump."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from app.catalog.choices import EvidenceKind, OnlineStatus, PublicationState, Verdict
from app.catalog.models import Source
from app.catalog.publication import publication_set
from tests.dashboards.pages import soup, table
from tests.factories import ClaimFactory, EvidenceFactory

# Real commits: the version is bumped after commit (app/public/signals.py).
pytestmark = pytest.mark.django_db(transaction=True)

S = PublicationState


def test_publishing_a_claim_and_its_evidence_updates_the_cached_overview(
    client: Client, bob: Any
) -> None:
    ClaimFactory(verdict=Verdict.SUPPORTED)
    pending = ClaimFactory(state=S.PENDING, published_at=None, verdict=Verdict.DISPUTED)
    item = EvidenceFactory(
        claim=pending, state=S.PENDING, published_at=None, kind=EvidenceKind.COURT_FILING
    )
    before = soup(client.get("/overview/").content)
    assert table(before, "verdicts")["Disputed"] == [0]
    assert client.get("/overview/")["ETag"]  # now served from the cache

    publication_set(pending, S.PUBLISHED, actor=bob)
    after = soup(client.get("/overview/").content)
    assert table(after, "verdicts")["Disputed"] == [1]
    assert "Court filing" not in table(after, "kinds")  # the evidence is still pending

    publication_set(item, S.PUBLISHED, actor=bob)
    assert table(soup(client.get("/overview/").content), "kinds") == {"Court filing": [1]}


def test_a_link_check_that_finds_the_original_gone_updates_the_archive_chart(
    client: Client,
) -> None:
    item = EvidenceFactory()
    assert table(soup(client.get("/overview/").content), "online")["Removed"] == [0]
    source = Source.objects.get(pk=item.source_id)
    source.online_status = OnlineStatus.GONE
    source.save(update_fields=["online_status"])
    assert table(soup(client.get("/overview/").content), "online")["Removed"] == [1]
