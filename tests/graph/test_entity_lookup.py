"""A work's or creator's page and "Is my work in it?" agree: the entity's website
(a YouTube channel, a Twitch channel, a plain site) or its name looked up gives the
rows and datasets its page shows (`app.graph.lookup.entity_matches`, one rule)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from app.catalog.choices import EntityKind, Strength, Verdict
from app.catalog.models import Entity
from app.graph.importer import normalize
from app.graph.lookup import Answer, entity_answer, lookup, parse
from app.graph.models import Attribution, DatasetMember, RelationKind
from app.graph.services import relation_add
from tests.factories import EntityFactory
from tests.graph.conftest import _claim, _index

INDEX = (
    "kind,video_id,channel_id,url,title,author\n"
    "video,dQw4w9WgXcQ,@tubeperson,,Tube clip,\n"
    "video,9bZkp7q19f0,UCuAXFkgsw1L7xaCfnd5JJOw,,Other tube clip,\n"
    "page,,,https://www.twitch.tv/streamerone/clip/abc-1,Stream clip 1,\n"
    "page,,,https://www.twitch.tv/StreamerOne/clip/abc-2,Stream clip 2,\n"
    "page,,,https://www.twitch.tv/otherstreamer/clip/def,Stream clip 3,\n"
    "page,,,https://essays.example.net/posts/1,Essay one,\n"
    "page,,,https://elsewhere.example.com/posts/1,Essay two,\n"
    "book,,,,A Quiet Novel,Nadia Novelist\n"
)

# (name, website, rows of the index its page shows)
CREATORS = [
    ("Tube Person", "https://www.youtube.com/@TubePerson", 1),
    ("Streamer One", "https://www.twitch.tv/streamerone", 2),
    ("Essay Writer", "https://essays.example.net/", 1),
    ("Nadia Novelist", "", 1),
]


@pytest.fixture
def clips(db: None, tmp_path: Path) -> dict[str, Entity]:
    dataset = EntityFactory(kind=EntityKind.DATASET, name="ClipSet", slug="clipset")
    other = EntityFactory(kind=EntityKind.DATASET, name="StreamSet", slug="streamset")
    model = EntityFactory(kind=EntityKind.MODEL, name="VidGen", slug="vidgen")
    _index(tmp_path, dataset, "clips.csv", INDEX)
    nobody: Any = None
    relation_add(claim=_claim(Verdict.SUPPORTED, Strength.WEAK), kind=RelationKind.USE,
                 upstream=dataset, downstream=model, actor=nobody,
                 attribution=Attribution.ALLEGED)  # fmt: skip
    people = {
        name: EntityFactory(kind=EntityKind.CREATOR, name=name, website=website)
        for name, website, _rows in CREATORS
    }
    # Only a claim places Streamer One in StreamSet (no index of it is held).
    relation_add(claim=_claim(Verdict.SUPPORTED, Strength.WEAK), kind=RelationKind.MEMBERSHIP,
                 upstream=people["Streamer One"], downstream=other, actor=nobody)  # fmt: skip
    return people


def _shown(answer: Answer) -> dict[str, tuple[list[tuple[str, str, str]], int]]:
    """Each dataset's exact rows and claimed memberships, as a page shows them."""
    return {
        a.dataset.slug: (
            sorted((m.kind, m.key, m.title) for m in a.matches if m.exact),
            len(a.memberships),
        )
        for a in answer.datasets
        if a.exact
    }


@pytest.mark.parametrize(("name", "website", "rows"), CREATORS)
def test_the_entity_page_and_the_lookup_agree(
    clips: dict[str, Entity], name: str, website: str, rows: int
) -> None:
    entity = clips[name]
    page = _shown(entity_answer(entity))
    assert len(page["clipset"][0]) == rows, page
    addresses = [website, website.rstrip("/") + "?utm_source=x"] if website else []
    asked = [name, name.upper(), *addresses]
    for text in asked:
        assert _shown(lookup(text)) == page, text
    client = Client()
    html = client.get(entity.get_absolute_url()).content.decode()
    phrase = "1 row of its index matches" if rows == 1 else f"{rows} rows of its index match"
    assert "ClipSet" in html and phrase in html and "VidGen" in html
    for text in asked:
        found = client.get("/lookup/", {"q": text}).content.decode()
        assert "ClipSet" in found and "VidGen" in found, text
        assert ("StreamSet" in found) == (name == "Streamer One"), text
        # A name also finds close titles; an address finds exactly the page's rows.
        assert text not in addresses or phrase in found, text
    assert ("StreamSet" in html) == (name == "Streamer One")


def test_a_twitch_channel_is_its_own_rows_not_the_whole_site(clips: dict[str, Entity]) -> None:
    query = parse("https://www.twitch.tv/StreamerOne")
    assert (query.kind, query.value, query.kind_label) == (
        "twitch",
        "twitch.tv/streamerone",
        "Twitch channel",
    )
    answer = lookup("twitch.tv/streamerone/")
    titles = sorted(m.title for m in answer.datasets[0].matches)
    assert titles == ["Stream clip 1", "Stream clip 2"]
    # A clip's own address is that page, and the site is every Twitch page.
    clip = parse("https://www.twitch.tv/streamerone/clip/abc-1")
    assert clip.kind == "url"
    assert [m.title for m in lookup(clip.text).datasets[0].matches] == ["Stream clip 1"]
    assert len(lookup("https://www.twitch.tv/").datasets[0].matches) == 3
    channels = set(DatasetMember.objects.values_list("channel_id", flat=True))
    assert {"twitch.tv/streamerone", "twitch.tv/otherstreamer", "@tubeperson"} <= channels
    data = Client().get("/api/v1/lookup", {"q": "https://www.twitch.tv/streamerone"}).json()
    assert data["query"]["read_as"] == "twitch" and data["datasets"][0]["match"] == "exact"


def test_a_channel_column_may_hold_a_twitch_channel() -> None:
    row = normalize({"url": "https://example.org/v/1", "channel": "https://twitch.tv/Someone"},
                    "page", 2)  # fmt: skip
    assert row[4] == "twitch.tv/someone"
    for reserved in ("https://www.twitch.tv/directory", "https://www.twitch.tv/videos/123"):
        assert parse(reserved).kind == "url"
