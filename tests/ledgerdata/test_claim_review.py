"""The claim page's ClaimReview, read by an outside parser (extruct) as a search engine would."""

from __future__ import annotations

import extruct
import pytest

from app.catalog.services import verdict_set
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db
SLUG = "sora-trained-on-video-game-footage"


def reviews(client, path: str) -> list[dict]:
    html = client.get(path).content.decode()
    data = extruct.extract(
        html, base_url="http://testserver/", syntaxes=["json-ld"], errors="strict"
    )
    return [d for d in data["json-ld"] if d.get("@type") == "ClaimReview"]


def test_extruct_finds_one_claim_review_with_each_source_archived(client, demo):
    [review] = reviews(client, f"/claims/{SLUG}/")
    assert review["claimReviewed"].startswith("Sora was trained on video-game footage")
    appearances = review["itemReviewed"]["appearance"]
    assert appearances, "the demo claim cites sources"
    for work in appearances:
        archived = work["archivedAt"]
        # The first address is the source's archive page; the rest are its archived files.
        assert archived[0].endswith("/"), archived
        assert "/sources/" in archived[0]
        assert any("/archive/artifacts/" in url for url in archived[1:])


def test_the_rating_explains_itself_with_the_latest_verdict_note(client):
    claim = ClaimFactory(slug="c")
    EvidenceFactory(claim=claim)
    verdict_set(claim=claim, verdict="supported", note="Two reports agree.", actor=None)
    verdict_set(claim=claim, verdict="confirmed", note="The developer's card says so.", actor=None)
    [review] = reviews(client, "/claims/c/")
    rating = review["reviewRating"]
    assert rating["ratingValue"] == 5
    assert rating["ratingExplanation"] == "The developer's card says so."


def test_a_claim_with_no_verdict_note_has_no_explanation(client):
    ClaimFactory(slug="no-note")
    [review] = reviews(client, "/claims/no-note/")
    assert "ratingExplanation" not in review["reviewRating"]


def test_a_source_with_no_capture_has_no_archived_at(client):
    claim = ClaimFactory(slug="not-archived")
    EvidenceFactory(claim=claim)
    [review] = reviews(client, "/claims/not-archived/")
    [work] = review["itemReviewed"]["appearance"]
    assert "archivedAt" not in work


def test_a_page_of_a_stance_list_carries_a_claim_review_of_the_items_it_shows(client):
    """The stance list's page 2 (items 51 to 60 of 60): its ClaimReview parses, rates the
    claim with its explanation and lists the ten sources that page shows, in its order."""
    claim = ClaimFactory(slug="long")
    items = [EvidenceFactory(claim=claim, stance="contradicts") for _ in range(60)]
    verdict_set(claim=claim, verdict="disputed", note="Reports disagree.", actor=None)
    [review] = reviews(client, "/claims/long/evidence/contradicts/?page=2")
    assert review["url"] == "http://testserver/claims/long/"
    assert review["reviewRating"]["ratingExplanation"] == "Reports disagree."
    urls = [work["url"] for work in review["itemReviewed"]["appearance"]]
    assert urls == [item.source.url for item in items[50:]]
    [first_page] = reviews(client, "/claims/long/evidence/contradicts/")
    assert len(first_page["itemReviewed"]["appearance"]) == 50
    [claim_page] = reviews(client, "/claims/long/")
    assert len(claim_page["itemReviewed"]["appearance"]) == 25  # the claim page's first items
