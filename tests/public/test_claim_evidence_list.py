"""A claim page shows each stance's first items (queries.CLAIM_PAGE_ITEMS) and its count;
"Show all N ... items" leads to the stance's whole list, a page at a time, oldest first,
without JavaScript (issue 17: the page and its ClaimReview stay flat as a claim grows)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from app.catalog.choices import PublicationState, Stance
from app.public import queries
from app.public.cache import bump_version
from app.public.queries import CLAIM_PAGE_ITEMS, STANCE_PAGE_ITEMS
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db
SUPPORTING = STANCE_PAGE_ITEMS + 10  # two pages of the supporting list


@pytest.fixture
def claim():
    """A claim with 60 supporting items, 3 of context and none contradicting, plus an
    unpublished supporting item that no page may show or count."""
    claim = ClaimFactory(slug="long")
    for i in range(SUPPORTING):
        EvidenceFactory(claim=claim, stance=Stance.SUPPORTS, summary=f"Supporting item {i}.")
    for i in range(3):
        EvidenceFactory(claim=claim, stance=Stance.CONTEXT, summary=f"Context item {i}.")
    EvidenceFactory(claim=claim, stance=Stance.SUPPORTS, state=PublicationState.DRAFT,
                    published_at=None, summary="Hidden draft item.")  # fmt: skip
    return claim


def ids_in(html: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(r'<article class="evidence card [^"]*" id="evidence-(\d+)"', html)
    ]


def test_the_claim_page_shows_each_stances_first_items_its_count_and_a_link_to_all(client, claim):
    html = client.get("/claims/long/").content.decode()
    everything = [v.item for v in queries.claim_page("long").evidence]  # the API's: every item
    supporting = [item.pk for item in everything if item.stance == Stance.SUPPORTS]
    context = [item.pk for item in everything if item.stance == Stance.CONTEXT]
    assert ids_in(html) == supporting[:CLAIM_PAGE_ITEMS] + context  # same order as before
    assert 'href="#stance-supports">Supports <strong>60</strong>' in html
    assert 'Evidence <span class="count">(63)</span>' in html
    assert (f'<a href="/claims/long/evidence/supports/">Show all {SUPPORTING} supporting items</a>'
            in html)  # fmt: skip
    assert "context items" not in html  # all three are on the page: no link
    assert "None found: no published evidence contradicts this claim so far." in html
    assert "Hidden draft item." not in html


def test_the_stance_list_has_every_item_a_page_at_a_time_in_the_claim_pages_order(client, claim):
    everything = [v.item for v in queries.claim_page("long").evidence]
    supporting = [item.pk for item in everything if item.stance == Stance.SUPPORTS]
    first = client.get("/claims/long/evidence/supports/").content.decode()
    second = client.get("/claims/long/evidence/supports/?page=2").content.decode()
    assert ids_in(first) + ids_in(second) == supporting
    assert f"Items 1 to {STANCE_PAGE_ITEMS} of {SUPPORTING}" in first
    assert f"Items {STANCE_PAGE_ITEMS + 1} to {SUPPORTING} of {SUPPORTING}" in second
    assert '<a rel="next" href="/claims/long/evidence/supports/?page=2">Next</a>' in first
    assert '<a rel="prev" href="/claims/long/evidence/supports/">Previous</a>' in second
    assert "Page 2 of 2" in second and 'rel="next"' not in second.split("<body")[1]
    # Not a page for search engines: the claim page is the claim's; each page names itself.
    assert '<meta name="robots" content="noindex, follow">' in first
    assert '<link rel="canonical" href="http://testserver/claims/long/evidence/supports/">' in first
    assert ('<link rel="canonical" href="http://testserver/claims/long/evidence/supports/?page=2">'
            in second)  # fmt: skip
    assert '<a href="/claims/long/">Back to the claim</a>' in second
    assert "Hidden draft item." not in first + second


def test_an_empty_stance_says_so_and_bad_pages_are_refused_with_a_message(client, claim):
    empty = client.get("/claims/long/evidence/contradicts/")
    assert empty.status_code == 200
    html = empty.content.decode()
    assert "None found: no published evidence contradicts this claim so far." in html
    assert "Know of some? Suggest evidence." in html
    assert client.get("/claims/long/evidence/contradicts/?page=2").status_code == 404
    assert client.get("/claims/long/evidence/supports/?page=3").status_code == 404
    assert client.get("/claims/long/evidence/supports/?page=0").status_code == 400
    assert client.get("/claims/long/evidence/refutes/").status_code == 404
    assert client.get("/claims/nothing/evidence/supports/").status_code == 404
    bad = client.get("/claims/long/evidence/supports/?page=two")
    assert bad.status_code == 400
    assert "must be a positive whole number" in bad.content.decode()


def test_each_page_of_the_list_is_cached_under_its_own_address(client, claim):
    bump_version()
    first = client.get("/claims/long/evidence/supports/").content
    second = client.get("/claims/long/evidence/supports/?page=2").content
    with CaptureQueriesContext(connection) as seen:
        again_first = client.get("/claims/long/evidence/supports/").content
        again_second = client.get("/claims/long/evidence/supports/?page=2").content
    assert len(seen.captured_queries) == 0  # both from the cache...
    again = [ids_in(again_first.decode()), ids_in(again_second.decode())]
    assert again == [ids_in(first.decode()), ids_in(second.decode())]  # ...each its own page
    assert ids_in(first.decode()) != ids_in(second.decode())


def test_the_stance_list_query_count_is_pinned(client, claim):
    counts = []
    for path in ("/claims/long/evidence/supports/", "/claims/long/evidence/supports/?page=2"):
        bump_version()
        with CaptureQueriesContext(connection) as seen:
            assert client.get(path).status_code == 200
        counts.append(len(seen.captured_queries))
    # The claim, its names, the items, their captures, the verdict history (and the
    # captures' files when any item has an archived copy; these have none).
    assert counts == [5, 5]


def test_french_readers_get_the_link_and_the_list_in_french(client, claim):
    html = client.get("/fr/claims/long/").content.decode()
    assert f'href="/fr/claims/long/evidence/supports/">Voir les {SUPPORTING} preuves qui' in html
    assert f"(cette page n’en montre que {CLAIM_PAGE_ITEMS})" in html
    listing = client.get("/fr/claims/long/evidence/supports/?page=2").content.decode()
    assert f"Éléments {STANCE_PAGE_ITEMS + 1} à {SUPPORTING} sur {SUPPORTING}" in listing
    assert "Retour à l’affirmation" in listing and "Page 2 sur 2" in listing
    assert "Appuie" in listing


def test_the_shown_note_follows_the_readers_language_in_one_process(client, claim):
    """The note after "Show all" is translated once per language (views._shown_note)."""
    english = f'<span class="meta">(the first {CLAIM_PAGE_ITEMS} are shown here)</span>'
    french = f'<span class="meta">(cette page n’en montre que {CLAIM_PAGE_ITEMS})</span>'
    for path, note, other in [
        ("/claims/long/", english, french),
        ("/fr/claims/long/", french, english),
        ("/claims/long/", english, french),
    ]:
        bump_version()
        html = client.get(path).content.decode()
        assert html.count(note) == 1 and other not in html
        assert '<span class="count">(60)</span>' in html
