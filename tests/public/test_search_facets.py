"""Facet counts of a search: exact up to FACET_SAMPLE matches, estimated past it."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from app.catalog.choices import Verdict
from app.public import queries
from app.public.filters import parse_filters
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def make_claims() -> None:
    for n in range(6):
        verdict = Verdict.SUPPORTED if n < 4 else Verdict.DISPUTED
        ClaimFactory(statement=f"Quasar claim number {n}.", verdict=verdict)
    ClaimFactory(statement="Something else entirely.", verdict=Verdict.REFUTED)


def counts(listing: queries.ClaimListPage) -> dict[str, int]:
    return {v.value: v.count for v in listing.facets["verdict"]}


def test_a_search_with_few_matches_counts_facets_exactly() -> None:
    make_claims()
    listing = queries.claim_list(parse_filters(QueryDict("q=quasar")))
    assert listing.total == 6
    assert not listing.facets_estimated
    assert counts(listing) == {Verdict.SUPPORTED: 4, Verdict.DISPUTED: 2}


def test_past_the_sample_the_counts_are_scaled_and_marked_as_estimates(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_claims()
    monkeypatch.setattr(queries, "FACET_SAMPLE", 3)
    listing = queries.claim_list(parse_filters(QueryDict("q=quasar")))
    assert listing.total == 6  # the list itself is complete
    assert listing.facets_estimated
    sampled = counts(listing)
    assert sum(sampled.values()) == 6  # three sampled claims, scaled by 6 / 3
    assert set(sampled) <= {Verdict.SUPPORTED, Verdict.DISPUTED}
    page = client.get("/claims/?q=quasar").content.decode()
    assert "(≈" in page
    assert "estimated from the 3 best matches" in page
    assert "(≈" not in client.get("/claims/?verdict=supported").content.decode()


def test_a_draft_claim_is_not_found_through_its_evidence_sources_or_entities(client) -> None:
    from tests.factories import EntityFactory, EvidenceFactory

    draft = ClaimFactory(draft=True, statement="Hidden draft.")
    EvidenceFactory(claim=draft, summary="The zeppelin footage was used.")
    draft.content_named.add(EntityFactory(name="Zeppelin"))
    listing = queries.claim_list(parse_filters(QueryDict("q=zeppelin")))
    assert listing.total == 0 and listing.claims == []
    assert "Hidden draft" not in client.get("/claims/?q=zeppelin").content.decode()
