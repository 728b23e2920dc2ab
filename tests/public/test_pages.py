from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from app.catalog.choices import EntityKind, EvidenceKind, OnlineStatus, Verdict
from app.catalog.models import Source
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EntityFactory,
    EvidenceFactory,
)
from tests.public.world import archived_evidence, make_world

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_the_home_page_lists_the_published_demo_claims(client, demo):
    page = text(client.get("/"))
    assert "Sora was trained on Twitch streams" in page
    assert "Sora was trained on video-game footage" in page


def test_the_home_page_counts_the_ledger_and_offers_entry_points(client, demo):
    page = text(client.get("/"))
    assert "<strong>2</strong> published claims" in page
    assert "<strong>6</strong> evidence items" in page
    assert "<strong>4</strong> archived sources" in page
    assert 'href="/claims/?model=sora"' in page
    assert 'href="/claims/?developer=openai"' in page
    assert 'href="/claims/?content=minecraft"' in page


def test_a_claim_page_shows_evidence_by_stance_and_the_archived_copy(client, demo):
    response = client.get("/claims/sora-trained-on-video-game-footage/")
    page = text(response)
    assert response.status_code == 200
    assert "Supports" in page and "Context" in page
    assert "archived copy" in page
    assert "Logged as unverified" in page


def test_a_draft_is_not_revealed_to_readers(client):
    claim = ClaimFactory(draft=True, statement="Secret draft statement.")
    assert client.get(f"/claims/{claim.slug}/").status_code == 404
    assert "Secret draft" not in text(client.get("/claims/"))
    assert "Secret draft" not in text(client.get("/claims/?q=secret"))
    assert "Secret draft" not in text(client.get("/claims/feed/"))
    assert claim.slug not in text(client.get("/sitemap.xml"))


def test_an_entity_page_hides_claims_that_are_drafts(client):
    work = EntityFactory(slug="blockcraft", name="Blockcraft")
    ClaimFactory(draft=True, statement="Hidden claim.").content_named.add(work)
    page = text(client.get("/entities/blockcraft/"))
    assert "Hidden claim." not in page
    assert "No published claims name this yet." in page


def test_the_archived_copy_page_lists_files_with_their_hashes(client, demo):
    from app.catalog.access import public_sources

    source = public_sources().order_by("pk").first()
    page = text(client.get(f"/sources/{source.pk}/"))
    for artifact in source.captures.get().artifacts.all():
        assert artifact.sha256 in page


def test_archived_html_is_downloaded_never_rendered_on_our_origin(client, demo):
    from app.archive.models import Artifact

    html = Artifact.objects.filter(kind="html").first()
    response = client.get(f"/archive/artifacts/{html.pk}/{html.name}")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


# --- The claim page -------------------------------------------------------------------


def test_a_video_time_range_reads_as_minutes_and_seconds_with_its_fraction(client):
    world = make_world(evidence=0)
    archived_evidence(world.claim, 1, time_start=Decimal("12.4"), time_end=Decimal("20"))
    page = text(client.get("/claims/vidgen-blockcraft/"))
    assert "00:12.4–00:20" in page  # the cited range exactly, as the editor wrote it


def test_it_warns_when_the_original_is_gone_and_dates_the_archived_copy(client):
    world = make_world(evidence=0)
    [item] = archived_evidence(world.claim, 1)
    Source.objects.filter(pk=item.source_id).update(
        online_status=OnlineStatus.GONE,
        gone_since=timezone.make_aware(timezone.datetime(2025, 3, 4)),
    )
    page = text(client.get("/claims/vidgen-blockcraft/"))
    assert "The original was removed on March 4, 2025." in page
    assert "The archived copy is from" in page


def test_it_warns_when_the_original_changed_after_it_was_cited(client):
    world = make_world(evidence=0)
    [item] = archived_evidence(world.claim, 1)
    Source.objects.filter(pk=item.source_id).update(
        last_changed_at=item.created_at + timedelta(days=3)
    )
    page = text(client.get("/claims/vidgen-blockcraft/"))
    assert "after it was cited here" in page


def test_it_shows_the_archived_copy_made_before_the_evidence_was_cited(client):
    world = make_world(evidence=0)
    [item] = archived_evidence(world.claim, 1)
    later = CaptureFactory(source=item.source, manifest_sha256="cd" * 32)
    later.created_at = item.created_at + timedelta(days=30)
    later.save()
    page = text(client.get("/claims/vidgen-blockcraft/"))
    assert "abababababababab…" in page
    assert "cdcdcdcdcdcdcdcd…" not in page


def test_the_summary_is_markdown_without_any_html_a_writer_could_inject(client):
    claim = ClaimFactory(
        slug="md",
        summary="**Bold** [link](https://example.org) <script>alert(1)</script> "
        "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    page = text(client.get(f"/claims/{claim.slug}/"))
    page = page[page.index('class="summary"') : page.index('id="evidence-heading"')]
    assert "<strong>Bold</strong>" in page
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer ugc">link</a>' in page
    assert "<script>alert" not in page
    assert 'href="javascript' not in page
    assert "<img" not in page


def test_the_claim_page_shows_the_developer_response_and_verdict_history(client):
    claim = ClaimFactory(
        slug="asked",
        developer_response="declined",
        developer_contacted_on=date(2025, 1, 15),
        developer_contact_channel="press office e-mail",
    )
    from app.catalog.services import verdict_set

    verdict_set(
        claim=claim, verdict=Verdict.DISPUTED, note="The developer disputes it.", actor=None
    )
    page = text(client.get("/claims/asked/"))
    assert "Declined to comment" in page
    assert "contacted on Jan. 15, 2025" in page
    assert "press office e-mail" in page
    assert "Unverified → <strong>Disputed</strong>" in page
    assert "The developer disputes it." in page


def test_the_claim_page_offers_a_citation_and_shows_the_claim_language(client):
    ClaimFactory(slug="fr-claim", statement="Le modèle a appris sur des vidéos.", language="fr")
    page = text(client.get("/claims/fr-claim/"))
    assert 'id="citation">TrainedOn. “Le modèle a appris sur des vidéos.”' in page
    assert '<h1 lang="fr">' in page
    assert "<dd>French</dd>" in page


def test_an_unknown_claim_is_404(client):
    assert client.get("/claims/no-such-claim/").status_code == 404


# --- The claim list -------------------------------------------------------------------


def test_facets_narrow_the_list_and_show_counts(client):
    world = make_world()
    other = ClaimFactory(statement="Another claim.", verdict=Verdict.REFUTED)
    page = text(client.get("/claims/?verdict=refuted"))
    assert "Another claim." in page and world.claim.statement not in page
    page = text(client.get("/claims/?model=vidgen"))
    assert world.claim.statement in page and other.statement not in page
    assert 'value="vidgen" checked' in page
    assert 'Vidgen <span class="count">(1)</span>' in page
    page = text(client.get("/claims/?developer=frontier&content=blockcraft&kind=output_comparison"))
    assert world.claim.statement in page and other.statement not in page
    page = text(client.get("/claims/?kind=testimony"))
    assert "0 claims" in page


def test_a_date_range_and_a_language_narrow_the_list(client):
    old = ClaimFactory(statement="Old claim.", published_at=timezone.now() - timedelta(days=400))
    new = ClaimFactory(statement="Nouvelle affirmation.", language="fr")
    since = (timezone.now() - timedelta(days=10)).date().isoformat()
    page = text(client.get(f"/claims/?since={since}"))
    assert new.statement in page and old.statement not in page
    page = text(client.get("/claims/?language=fr"))
    assert new.statement in page and old.statement not in page


def test_sorting_by_most_evidence_puts_the_best_documented_claim_first(client):
    thin = ClaimFactory(statement="Thin claim.")
    rich = ClaimFactory(statement="Rich claim.", published_at=timezone.now() - timedelta(days=5))
    EvidenceFactory.create_batch(3, claim=rich)
    EvidenceFactory(claim=thin)
    page = text(client.get("/claims/?sort=evidence"))
    assert page.index("Rich claim.") < page.index("Thin claim.")
    page = text(client.get("/claims/"))
    assert page.index("Thin claim.") < page.index("Rich claim.")


def test_the_list_is_paginated_with_links_that_keep_the_filters(client):
    ClaimFactory.create_batch(25, verdict=Verdict.SUPPORTED)
    page = text(client.get("/claims/?verdict=supported"))
    assert "25 claims" in page
    assert page.count('class="claim-card"') == 20
    assert 'href="?verdict=supported&amp;page=2"' in page
    second = text(client.get("/claims/?verdict=supported&page=2"))
    assert second.count('class="claim-card"') == 5
    assert client.get("/claims/?page=9").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "verdict=maybe",
        "kind=rumour",
        "since=yesterday",
        "model=no-such-model",
        "sort=random",
        "page=two",
        "language=Français",
        "since=2025-02-01&until=2025-01-01",
        "q=" + "x" * 201,
    ],
)
def test_a_bad_filter_value_is_a_400_with_a_message(client, query):
    response = client.get(f"/claims/?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in text(response)


def test_htmx_gets_only_the_results_fragment(client):
    make_world()
    response = client.get("/claims/?verdict=supported", headers={"HX-Request": "true"})
    page = text(response)
    assert page.lstrip().startswith('<div id="results"')
    assert "<html" not in page
    assert "Vidgen was trained" in page
    full = text(client.get("/claims/?verdict=supported"))
    assert "<html" in full and 'hx-get="/claims/"' in full


# --- Entities and fixed pages -----------------------------------------------------------


def test_a_model_page_names_its_developer_and_groups_claims_by_verdict(client):
    world = make_world()
    ClaimFactory(statement="Refuted claim.", verdict=Verdict.REFUTED).models_named.add(world.model)
    page = text(client.get("/entities/vidgen/"))
    assert 'Developer</dt><dd><a href="/entities/frontier/">Frontier Labs</a>' in page
    assert page.index("Supported") < page.index("Refuted")
    assert "2 claims name it" in page


def test_a_work_page_answers_which_models_are_said_to_be_trained_on_it(client):
    make_world()
    page = text(client.get("/entities/blockcraft/"))
    assert "Which models are said to be trained on Blockcraft?" in page
    assert '<a href="/entities/vidgen/">Vidgen</a> (Frontier Labs)' in page


def test_a_developer_page_lists_its_models(client):
    make_world()
    page = text(client.get("/entities/frontier/"))
    assert '<li><a href="/entities/vidgen/">Vidgen</a></li>' in page


def test_the_entity_index_groups_entities_by_kind(client):
    make_world()
    EntityFactory(kind=EntityKind.DATASET, name="Big Crawl")
    page = text(client.get("/entities/"))
    assert "Dataset" in page and "Big Crawl" in page


def test_the_methodology_page_explains_every_verdict_kind_stance_and_strength(client):
    page = text(client.get("/methodology/"))
    for choices in (Verdict, EvidenceKind):
        for _value, label in choices.choices:
            assert f">{label}</dt>" in page.replace("&#x27;", "'")
    for label in ("Supports", "Contradicts", "Context", "Weak", "Moderate", "Strong"):
        assert f">{label}</dt>" in page


def test_the_data_page_links_the_exports_and_the_api(client):
    page = text(client.get("/data/"))
    assert "/api/v1/exports/claims.csv" in page
    assert "/api/v1/openapi.json" in page


def test_the_claim_page_names_models_with_developers_content_and_tags_in_order(client):
    from app.catalog.models import Tag

    lab = EntityFactory(kind=EntityKind.ORGANIZATION, name="Frontier Lab", slug="frontier-lab")
    zeta = EntityFactory(kind=EntityKind.MODEL, name="Zeta", slug="zeta", developer=lab)
    alpha = EntityFactory(kind=EntityKind.MODEL, name="Alpha", slug="alpha")
    claim = ClaimFactory(slug="named")
    claim.models_named.add(zeta, alpha)
    claim.content_named.add(EntityFactory(name="Worlds"), EntityFactory(name="Blocks"))
    claim.tags.add(Tag.objects.create(name="video", slug="video"))
    claim.tags.add(Tag.objects.create(name="games", slug="games"))
    page = " ".join(text(client.get("/claims/named/")).split())
    assert (
        '<a href="/entities/alpha/">Alpha</a>, <a href="/entities/zeta/">Zeta</a> '
        '<span class="meta">(by <a href="/entities/frontier-lab/">Frontier Lab</a>)</span>'
    ) in page
    assert page.index(">Blocks</a>") < page.index(">Worlds</a>")
    assert "<dd>games, video</dd>" in page
    body = client.get("/api/v1/claims/named").json()
    assert [m["slug"] for m in body["models"]] == ["alpha", "zeta"]
    assert [c["name"] for c in body["content"]] == ["Blocks", "Worlds"]
    assert body["tags"] == ["games", "video"]
