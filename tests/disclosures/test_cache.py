"""A committed change to the gap reaches the cached claim page at once (signals.py)."""

from __future__ import annotations

import pytest

from app.disclosures.services import gap_set

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_published_gap_entry_shows_on_the_cached_claim_page_after_commit(world, pat, client):
    _dev, model, claim = world
    before = client.get("/claims/vidgen-games/").content.decode()  # now cached
    assert "Says nothing of game sites." not in before
    gap_set(claim=claim, model=model, section="2.3", gap_state="silent",
            note="Says nothing of game sites.", actor=pat)  # fmt: skip
    assert "Says nothing of game sites." in client.get("/claims/vidgen-games/").content.decode()
