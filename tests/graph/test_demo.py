"""The demo's game-clip dataset answers the lookup on `make run`."""

from __future__ import annotations

from django.core.management import call_command

from app.catalog.models import Entity
from app.graph.demo import SLUG, demo_video_id
from app.graph.lookup import entity_answer, lookup
from app.graph.models import DatasetMember, Relation


def test_seed_demo_adds_the_game_clip_index_and_its_links_to_sora(db: None) -> None:
    call_command("seed_demo", verbosity=0)
    rows = DatasetMember.objects.filter(version__dataset__entity__slug=SLUG)
    assert rows.count() == 400
    assert Relation.objects.filter(claim__slug__startswith="sora-").count() == 4
    answer = lookup("https://www.youtube.com/@AuronPlay")
    assert [a.dataset.slug for a in answer.datasets] == [SLUG]
    assert {p.model.slug for p in answer.datasets[0].paths} == {"sora"}
    assert all(p.alleged for p in answer.datasets[0].paths)
    video = lookup(f"https://youtu.be/{demo_video_id(3)}")
    assert video.datasets[0].matches[0].exact
    streamer = entity_answer(Entity.objects.get(slug="auronplay"))
    assert [a.dataset.slug for a in streamer.datasets] == [SLUG]
    assert len(streamer.datasets[0].matches) == 40  # the twitch.tv/auronplay clip pages
    # Its channel address and its name, looked up, give the answer its page shows.
    shown = [(a.dataset.slug, len(a.matches), len(a.memberships)) for a in streamer.datasets]
    for text in ("https://www.twitch.tv/auronplay", "Auronplay"):
        asked = [
            (a.dataset.slug, len(a.matches), len(a.memberships)) for a in lookup(text).datasets
        ]
        assert asked == shown, text
    call_command("seed_demo", verbosity=0)
    assert rows.count() == 400 and Relation.objects.count() == 4
