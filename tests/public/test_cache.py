"""Public pages are cached for anonymous readers and purged when what they show changes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from app.catalog.models import Claim, Source
from tests.factories import ClaimFactory
from tests.public.world import archived_evidence, make_world

# Real commits: the cache version is bumped after commit (app/public/signals.py), which a
# test wrapped in one transaction would never reach.
pytestmark = pytest.mark.django_db(transaction=True)


def test_an_edited_claim_is_shown_at_once_not_from_the_cache(client):
    claim = ClaimFactory(slug="c", statement="First wording.")
    assert "First wording." in client.get("/claims/c/").content.decode()
    assert "First wording." in client.get("/claims/").content.decode()
    claim.statement = "Second wording."
    claim.save()
    assert "Second wording." in client.get("/claims/c/").content.decode()
    assert "Second wording." in client.get("/claims/").content.decode()


def test_new_evidence_and_a_removed_original_purge_the_claim_page(client):
    world = make_world(evidence=0)
    url = f"/claims/{world.claim.slug}/"
    assert "No published evidence yet." in client.get(url).content.decode()
    [item] = archived_evidence(world.claim, 1)
    assert "No published evidence yet." not in client.get(url).content.decode()
    source = Source.objects.get(pk=item.source_id)
    source.online_status = "gone"
    source.save()
    assert "The original has been removed." in client.get(url).content.decode()


def test_a_conditional_get_is_answered_with_304_until_something_changes(client):
    claim = ClaimFactory(slug="c")
    first = client.get("/claims/c/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get("/claims/c/", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/claims/c/", headers={"If-Modified-Since": modified}).status_code == 304
    Claim.objects.get(pk=claim.pk).save()
    again = client.get("/claims/c/", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again["ETag"] != etag


def test_a_signed_in_person_is_never_served_or_stored_in_the_cache(client, alice):
    ClaimFactory(slug="c")
    client.get("/claims/c/")  # an anonymous copy is now cached
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/claims/c/").content.decode()
    assert "Alice" in page or "alice" in page
    assert len(queries) > 0
    anonymous = Client().get("/claims/c/").content.decode()
    assert "alice" not in anonymous.lower()


def test_the_language_switch_works_from_a_cached_page_with_each_readers_token(db):
    ClaimFactory(slug="c")
    Client().get("/claims/c/")  # cache the page with someone else's request
    reader = Client(enforce_csrf_checks=True)
    page = reader.get("/claims/c/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert "placeholder" not in token
    response = reader.post(
        "/i18n/setlang/",
        {"language": "fr", "next": "/claims/c/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response["Location"] == "/fr/claims/c/"


def test_french_and_english_pages_are_cached_apart(client):
    ClaimFactory(slug="c")
    english = client.get("/claims/c/").content.decode()
    french = client.get("/fr/claims/c/").content.decode()
    assert '<html lang="en">' in english
    assert '<html lang="fr">' in french


def test_ledger_aggregates_are_memoized_until_the_content_changes(settings):
    from app.public.cache import versioned

    settings.CACHE_PAGE_SECONDS = 0  # memoized even with the page cache off
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return Claim.objects.count()

    assert versioned("test-count", count) == 0
    assert versioned("test-count", count) == 0
    assert len(calls) == 1
    ClaimFactory()  # a save bumps the content version
    assert versioned("test-count", count) == 1
    assert len(calls) == 2


def test_rewording_a_claim_leaves_the_ledger_totals_and_the_overview_fresh(settings, alice):
    """The memos hold counts, never a claim's words (cache.WORDING_FIELDS): an edit of a
    claim's summary or statement does not make them (or the overview) stale; any other
    change of the claim does."""
    from app.catalog.services import claim_update, verdict_set
    from app.public.cache import versioned

    settings.CACHE_PAGE_SECONDS = 300
    claim = ClaimFactory(slug="c", summary="Old summary.")
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return Claim.objects.count()

    assert versioned("test-count", count) == 1
    Client().get("/overview/")
    claim_update(claim=claim, actor=alice, summary="New summary.", statement="Reworded.")
    assert versioned("test-count", count) == 1
    assert len(calls) == 1
    with CaptureQueriesContext(connection) as queries:
        assert Client().get("/overview/").status_code == 200
    assert len(queries) == 0  # still fresh: served from the cache
    assert "New summary." in Client().get("/claims/c/").content.decode()

    verdict_set(claim=claim, verdict="supported", note="Checked.", actor=alice)
    assert versioned("test-count", count) == 1
    assert len(calls) == 2
    with CaptureQueriesContext(connection) as queries:
        Client().get("/overview/")
    assert len(queries) > 0


def test_the_home_totals_and_the_unfiltered_facets_follow_new_claims(client, settings):
    settings.CACHE_PAGE_SECONDS = 0
    ClaimFactory(verdict="supported")
    assert "<strong>1</strong> published claim" in client.get("/").content.decode()
    client.get("/claims/")
    ClaimFactory(verdict="supported")
    assert "<strong>2</strong> published claims" in client.get("/").content.decode()
    page = client.get("/claims/?sort=updated").content.decode()
    assert re.search(r"Supported\s*<span class=\"count\">\(2\)</span>", page)


def test_the_memoized_facets_of_the_whole_list_are_kept_per_language(client, settings):
    settings.CACHE_PAGE_SECONDS = 0
    ClaimFactory(verdict="refuted")
    assert "Refuted" in client.get("/claims/").content.decode()
    page = client.get("/fr/claims/").content.decode()
    assert "Réfutée" in page and "Refuted" not in page


def test_the_version_is_bumped_after_commit_and_not_on_rollback():
    from django.db import transaction

    from app.public.cache import current_version

    claim = ClaimFactory(slug="c")
    before = current_version()
    with transaction.atomic():
        Claim.objects.get(pk=claim.pk).save()
        Claim.objects.get(pk=claim.pk).save()
        assert current_version() == before  # not before the commit: readers see the old page
    after = current_version()
    assert after != before
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.get(pk=claim.pk).save()
        raise RuntimeError("rolled back")
    assert current_version() == after
