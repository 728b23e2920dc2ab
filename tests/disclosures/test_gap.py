"""The disclosure gap: states set by editors, shown through the trust core's rules,
"no summary found", and the developer's table in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from app.catalog import publication
from app.catalog.choices import EntityKind, PublicationState
from app.disclosures.models import DisclosureKind, GapEntry, GapState, MarketPresence
from app.disclosures.services import DisclosureError, SectionInput, disclosure_create, gap_set
from app.public.cache import bump_version
from tests.factories import ClaimFactory, EntityFactory, ModelEntityFactory

pytestmark = pytest.mark.django_db


def summary(model, actor, **sections):
    return disclosure_create(
        model=model, actor=actor, kind=DisclosureKind.EU_SUMMARY, title=f"Summary of {model}",
        url=f"https://dev.example/{model.slug}.pdf",
        sections={code.replace("_", "."): SectionInput(text) for code, text in sections.items()},
    )  # fmt: skip


def test_an_editor_sets_a_state_with_a_note_and_a_moderator_publishes_it(world, alice, bob, client):
    _dev, model, claim = world
    entry = gap_set(claim=claim, model=model, section="2.3", gap_state=GapState.SILENT,
                    note="No crawled video domain is listed.", actor=alice)  # fmt: skip
    assert entry.state == PublicationState.PENDING
    assert "No crawled video domain" not in client.get("/claims/vidgen-games/").content.decode()
    publication.publication_set(entry, PublicationState.PUBLISHED, actor=bob)
    bump_version()  # what the commit does (app/disclosures/signals.py); tests never commit
    page = client.get("/claims/vidgen-games/").content.decode()
    assert "No crawled video domain is listed." in page and "Silent" in page
    model_page = client.get("/entities/vidgen/").content.decode()
    assert "No crawled video domain is listed." in model_page


def test_a_gap_entry_on_a_draft_claim_stays_hidden_even_when_published(world, pat, client):
    _dev, model, _claim = world
    draft = ClaimFactory(draft=True, slug="draft-claim")
    draft.models_named.add(model)
    gap_set(claim=draft, model=model, section="1.3", gap_state=GapState.CONTRADICTS,
            note="Secret contradiction.", actor=pat)  # fmt: skip
    assert GapEntry.objects.get().state == PublicationState.PUBLISHED
    assert "Secret contradiction." not in client.get("/entities/vidgen/").content.decode()
    assert "Secret contradiction." not in client.get("/developers/frontier/gap/").content.decode()
    assert client.get("/api/v1/developers/frontier/gap").json()["claims"] == 0


def test_bad_gap_entries_are_refused(world, alice):
    _dev, model, claim = world
    with pytest.raises(DisclosureError, match="note"):
        gap_set(claim=claim, model=model, section="2.3", gap_state="silent", note=" ", actor=alice)
    with pytest.raises(DisclosureError, match="does not name"):
        gap_set(claim=claim, model=ModelEntityFactory(), section="2.3", gap_state="silent",
                note="x", actor=alice)  # fmt: skip
    with pytest.raises(DisclosureError, match="Unknown section"):
        gap_set(claim=claim, model=model, section="4.1", gap_state="silent", note="x", actor=alice)


def test_a_contributor_cannot_use_the_gap_form(world, carol, client):
    client.force_login(carol)
    assert client.get("/editor/claims/vidgen-games/gap/").status_code == 403


def test_the_gap_form_sets_an_entry_without_javascript(world, pat, client):
    client.force_login(pat)
    _dev, model, _claim = world
    response = client.post("/editor/claims/vidgen-games/gap/", {
        "model": model.pk, "section": "1.3", "gap_state": "declares", "note": "Lists video games.",
    })  # fmt: skip
    assert response.status_code == 302
    entry = GapEntry.objects.get()
    assert (entry.section, entry.gap_state, entry.state) == ("1.3", "declares", "published")
    bad = client.post("/editor/claims/vidgen-games/gap/", {"model": model.pk, "section": "9"})
    assert bad.status_code == 400


def test_no_summary_found_shows_for_a_model_on_the_eu_market_without_one(world, pat, client):
    _dev, model, _claim = world
    assert "no summary found" in client.get("/claims/vidgen-games/").content.decode()
    assert "no summary found" in client.get("/entities/vidgen/").content.decode()
    assert "no summary found" in client.get("/developers/frontier/gap/").content.decode()
    summary(model, pat)
    bump_version()  # what the commit does
    for url in ("/claims/vidgen-games/", "/entities/vidgen/", "/developers/frontier/gap/"):
        assert "no summary found" not in client.get(url).content.decode(), url


def test_a_pending_summary_does_not_count_as_found_for_readers(world, alice, client):
    summary(world[1], alice)  # pending review
    assert "no summary found" in client.get("/developers/frontier/gap/").content.decode()


def test_the_developer_table_shows_each_cell_with_its_claims(world, pat, client):
    _dev, model, claim = world
    summary(model, pat, **{"1_3": "Video games are among the content types."})
    gap_set(claim=claim, model=model, section="1.3", gap_state="declares", note="Listed.",
            actor=pat)  # fmt: skip
    gap_set(claim=claim, model=model, section="2.3", gap_state="contradicts",
            note="It says no video sites were crawled.", actor=pat)  # fmt: skip
    page = client.get("/developers/frontier/gap/").content.decode()
    assert "gap-contradicts" in page and "gap-declares" in page
    assert "stated in the disclosure" in page and "not stated in the disclosure" in page
    assert page.count('href="/claims/vidgen-games/"') == 2
    data = client.get("/api/v1/developers/frontier/gap").json()
    [row] = data["models"]
    assert row["sections"]["2.3"]["state"] == "contradicts"
    assert row["sections"]["1.3"]["disclosure"] == "declared"
    assert row["sections"]["2.1"]["disclosure"] == "not_stated"
    assert row["sections"]["2.3"]["claims"][0]["claim"] == "vidgen-games"
    french = client.get("/fr/developers/frontier/gap/").content.decode()
    assert "Contredit" in french


def build(models: int, claims: int, actor) -> None:
    developer = EntityFactory(kind=EntityKind.ORGANIZATION, slug="big")
    made = [ModelEntityFactory(developer=developer, slug=f"big-{n}") for n in range(models)]
    for model in made[::2]:
        MarketPresence.objects.create(model=model)
    for model in made[1::2]:
        summary(model, actor, **{"2_1": "Public datasets."})
    sections = ("1.3", "2.1", "2.3", "3.1")
    for n in range(claims):
        claim = ClaimFactory()
        model = made[n % models]
        claim.models_named.add(model)
        gap_set(claim=claim, model=model, section=sections[n % 4], gap_state="silent",
                note=f"Note {n}.", actor=actor)  # fmt: skip


def test_the_gap_table_of_20_models_and_50_claims_takes_at_most_15_queries(
    client, pat, django_assert_max_num_queries
):
    build(20, 50, pat)
    from app.public.cache import bump_version

    bump_version()
    with django_assert_max_num_queries(15):
        response = client.get("/developers/big/gap/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<tr>") == 21  # the header and 20 models
    assert page.count("gap-state gap-silent") == 50


def test_the_gap_table_query_count_does_not_grow_with_rows(client, pat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from app.public.cache import bump_version

    build(2, 4, pat)
    bump_version()
    with CaptureQueriesContext(connection) as few:
        client.get("/developers/big/gap/")
    developer = EntityFactory._meta.model.objects.get(slug="big")
    for n in range(10):
        model = ModelEntityFactory(developer=developer)
        claim = ClaimFactory()
        claim.models_named.add(model)
        gap_set(claim=claim, model=model, section="2.3", gap_state="silent", note=f"{n}",
                actor=pat)  # fmt: skip
    bump_version()
    with CaptureQueriesContext(connection) as many:
        client.get("/developers/big/gap/")
    assert len(few) == len(many)


def test_a_contributor_may_not_publish_a_gap_entry(world, carol):
    _dev, model, claim = world
    entry = GapEntry.objects.create(claim=claim, model=model, section="2.3", gap_state="silent",
                                    note="x", created_by=carol)  # fmt: skip
    with pytest.raises(PermissionDenied):
        publication.publication_set(entry, PublicationState.PUBLISHED, actor=carol)
