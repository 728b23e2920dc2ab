"""seed_demo shows the disclosure gap and a case on `make run`."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from app.disclosures.models import Case, Disclosure, GapEntry

pytestmark = pytest.mark.django_db


def test_the_demo_model_has_a_summary_silent_on_game_footage_and_a_case(client):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    summary = Disclosure.objects.get(model__slug="sora")
    assert summary.is_demo and summary.kind == "eu_summary" and summary.state == "published"
    assert "video_games" not in summary.sections.get(code="1.3").data["content_types"]
    entries = GapEntry.objects.filter(claim__slug="sora-trained-on-video-game-footage")
    assert sorted(entries.values_list("section", "gap_state")) == [
        ("1.3", "silent"),
        ("2.3", "silent"),
    ]
    case = Case.objects.get()
    assert case.is_demo and case.events.count() == 2 and case.documents.count() == 1
    gap = client.get("/developers/openai/gap/").content.decode()
    assert gap.count("gap-state gap-silent") == 2
    page = client.get(summary.get_absolute_url()).content.decode()
    assert "Demo record: fictitious" in page
    claim = client.get("/claims/sora-trained-on-video-game-footage/").content.decode()
    assert "The summary lists photography, films and TV, not video games (demo)." in claim
    assert "Demo record: fictitious" in client.get(case.get_absolute_url()).content.decode()
