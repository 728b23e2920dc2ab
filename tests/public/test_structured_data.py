"""ClaimReview JSON-LD, Open Graph, Atom feeds and the sitemap, read back as a machine would."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest

from app.catalog.services import verdict_set
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def json_ld(page: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(block) for block in blocks]


def test_a_claim_page_carries_a_claim_review_that_parses(client, demo):
    page = client.get("/claims/sora-trained-on-video-game-footage/").content.decode()
    [review] = json_ld(page)
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"].startswith("Sora was trained on video-game footage")
    assert review["url"].endswith("/claims/sora-trained-on-video-game-footage/")
    assert review["datePublished"] == "2024-12-12"
    assert review["author"] == {
        "@type": "Organization",
        "name": "TrainedOn",
        "url": review["author"]["url"],
    }
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 4,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Supported",
        "ratingExplanation": review["reviewRating"]["ratingExplanation"],
    }
    # The explanation is the verdict's public note (the demo moved this claim to Supported).
    assert review["reviewRating"]["ratingExplanation"].startswith("Supported, moderate:")
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    urls = {a["url"] for a in item["appearance"]}
    assert "https://demo.trainedon.example/news/2024/12/sora-game-footage" in urls
    assert item["firstAppearance"]["url"] in urls
    [article] = [a for a in item["appearance"] if a["url"].endswith("/sora-game-footage")]
    archived = article["archivedAt"]
    assert any(re.search(r"/sources/\d+/$", url) for url in archived)
    assert any("/archive/artifacts/" in url and url.endswith(".warc.gz") for url in archived)
    # The demo's archived video is cited too: its archived copy is the video file.
    [clip] = [a for a in item["appearance"] if a["url"].endswith(".mp4")]
    assert any(url.endswith("/video.mp4") for url in clip["archivedAt"])


def test_the_rating_follows_the_verdict(client):
    claim = ClaimFactory(slug="c")
    verdict_set(claim=claim, verdict="refuted", note="Shown false.", actor=None)
    [review] = json_ld(client.get("/claims/c/").content.decode())
    assert review["reviewRating"]["ratingValue"] == 1
    assert review["reviewRating"]["alternateName"] == "Refuted"


def test_json_ld_cannot_break_out_of_its_script_element(client):
    ClaimFactory(slug="c", statement="</script><script>alert(1)</script>")
    page = client.get("/claims/c/").content.decode()
    [review] = json_ld(page)
    assert review["claimReviewed"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in page


def test_a_claim_page_has_open_graph_tags(client, demo):
    page = client.get("/claims/sora-trained-on-twitch-streams/").content.decode()
    assert '<meta property="og:title" content="Sora was trained on Twitch streams' in page
    assert '<meta property="og:type" content="article">' in page
    assert 'property="og:url" content="http' in page


def test_the_claims_feed_is_atom_with_the_latest_claims(client, demo):
    response = client.get("/claims/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert (
        "Sora was trained on Twitch streams, including those of the streamer Auronplay." in titles
    )


def test_an_entity_feed_lists_only_claims_naming_it(client, demo):
    feed = ElementTree.fromstring(client.get("/entities/auronplay/feed/").content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == [
        "Sora was trained on Twitch streams, including those of the streamer Auronplay."
    ]


def test_a_claim_feed_lists_new_evidence_and_verdict_changes(client):
    claim = ClaimFactory(slug="c")
    EvidenceFactory(claim=claim, summary="A new item.")
    EvidenceFactory(claim=claim, summary="A draft item.", state="draft", published_at=None)
    verdict_set(claim=claim, verdict="supported", note="Two reports agree.", actor=None)
    feed = ElementTree.fromstring(client.get("/claims/c/feed/").content)
    entries = list(feed.iter(f"{ATOM}entry"))
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles[0] == "Verdict: Supported"
    assert "New evidence (Supports): News report" in titles
    body = client.get("/claims/c/feed/").content.decode()
    assert "A new item." in body and "A draft item." not in body


def test_the_sitemap_lists_claims_and_entities_in_both_languages(client, demo):
    body = client.get("/sitemap.xml").content.decode()
    assert "/claims/sora-trained-on-twitch-streams/</loc>" in body
    assert "/fr/claims/sora-trained-on-twitch-streams/</loc>" in body
    assert "/entities/minecraft/</loc>" in body
    assert 'hreflang="fr"' in body
