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


def test_a_deleted_gap_entry_is_never_served_stale(world, pat, client, settings):
    """Readers may get a page up to CACHE_STALE_SECONDS old after an edit, but a
    deleted row is purged: its text leaves the cached page at once."""
    from app.disclosures.models import GapEntry

    settings.CACHE_STALE_SECONDS = 5
    settings.CACHE_PAGE_SECONDS = 300
    _dev, model, claim = world
    gap_set(claim=claim, model=model, section="2.3", gap_state="silent",
            note="Says nothing of game sites.", actor=pat)  # fmt: skip
    assert "Says nothing of game sites." in client.get("/claims/vidgen-games/").content.decode()
    GapEntry.objects.filter(claim=claim).delete()
    assert "Says nothing of game sites." not in client.get("/claims/vidgen-games/").content.decode()
