"""Search over claims, evidence and archived text, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from app.archive.models import ArtifactKind
from app.archive.storage import store_artifact
from app.catalog.models import Source
from app.public import search
from app.public.models import SourceText
from tests.factories import CaptureFactory, ClaimFactory, EntityFactory, EvidenceFactory
from tests.public.world import make_world

pytestmark = pytest.mark.django_db


def results(client, query: str) -> str:
    response = client.get(f"/claims/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('id="results-heading"') :]


def test_a_search_finds_a_claim_by_its_statement_and_highlights_the_match(client, demo):
    page = results(client, "q=Minecraft")
    assert "Sora was trained on video-game footage" in page
    assert "<mark>Minecraft</mark>" in page


def test_a_search_finds_a_claim_by_the_quote_of_its_evidence(client, demo):
    page = results(client, "q=blocky")
    assert "Sora was trained on video-game footage" in page
    assert "<mark>blocky</mark>" in page


def test_a_search_finds_a_claim_by_the_archived_text_of_its_source(client, demo):
    text = SourceText.objects.get(source__normalized_url__contains="statements")
    assert "demonstration" in text.text.lower()
    page = results(client, "q=demonstration")
    assert "Sora was trained on" in page


def test_search_and_filters_combine(client):
    world = make_world()
    other = ClaimFactory(statement="Vidgen was trained on Blockcraft music.", verdict="refuted")
    page = results(client, "q=blockcraft&verdict=refuted")
    assert other.statement in page and world.claim.statement not in page


def test_a_search_escapes_what_it_highlights(client):
    claim = ClaimFactory(statement="Trained on <b>bold</b> tags and Blockcraft.")
    page = results(client, "q=Blockcraft")
    assert claim.slug in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<b>bold</b>" not in page


def test_a_search_that_matches_nothing_says_so(client, demo):
    page = results(client, "q=zeppelin")
    assert "0 claims" in page and "No published claim matches." in page


def test_a_draft_never_matches(client):
    ClaimFactory(draft=True, statement="Draft about Blockcraft.")
    assert "Draft about" not in results(client, "q=Blockcraft")


def test_index_source_copies_the_latest_extracted_text(db):
    source = EvidenceFactory().source
    old = CaptureFactory(source=source)
    store_artifact(capture=old, kind=ArtifactKind.TEXT, name="text.txt", data=b"first words")
    assert search.index_source(source.pk)
    new = CaptureFactory(source=source, status="failed")
    store_artifact(capture=new, kind=ArtifactKind.TEXT, name="text.txt", data=b"failed words")
    newest = CaptureFactory(source=source)
    store_artifact(capture=newest, kind=ArtifactKind.TEXT, name="text.txt", data=b"second words")
    assert search.index_source(source.pk)
    assert SourceText.objects.get(source=source).text == "second words"
    assert SourceText.objects.get(source=source).capture == newest


def test_a_capture_that_finishes_indexes_its_text_by_itself(db, django_capture_on_commit_callbacks):
    source = EvidenceFactory().source
    capture = CaptureFactory(source=source, status="running")
    store_artifact(capture=capture, kind=ArtifactKind.TEXT, name="text.txt", data=b"zeppelins")
    assert not SourceText.objects.filter(source=source).exists()
    with django_capture_on_commit_callbacks() as callbacks:
        capture.status = "succeeded"
        capture.save(update_fields=["status"])
    # Indexed after the capture's transaction commits (and releases its row lock).
    assert not SourceText.objects.filter(source=source).exists()
    for callback in callbacks:
        callback()
    assert SourceText.objects.get(source=source).text == "zeppelins"


def test_index_source_without_text_changes_nothing(db):
    source = EvidenceFactory().source
    assert search.index_source(source.pk) is False
    assert not SourceText.objects.exists()


def test_the_rebuild_command_reindexes_every_source(demo, capsys):
    SourceText.objects.all().delete()
    call_command("rebuild_search_index", batch_size=1)
    assert "3 sources" in capsys.readouterr().out
    with_text = Source.objects.filter(captures__artifacts__kind=ArtifactKind.TEXT).distinct()
    assert SourceText.objects.count() == with_text.count() == 3


# --- PostgreSQL only ------------------------------------------------------------------


def test_postgres_search_tolerates_a_typo_in_an_entity_name(client, demo, needs_postgres):
    page = results(client, "q=Minecarft")
    assert 'href="/entities/minecraft/">Minecraft</a>' in page
    assert "Sora was trained on video-game footage" in page


def test_postgres_search_stems_english_and_french(client, needs_postgres):
    english = ClaimFactory(statement="The model was trained on streams.", language="en")
    french = ClaimFactory(statement="Le modèle a été entraîné sur des vidéos.", language="fr")
    page = results(client, "q=training")
    assert english.statement in page and french.statement not in page
    page = results(client, "q=entraînement")
    assert french.statement in page


def test_postgres_search_ranks_a_statement_above_an_archived_text_match(client, needs_postgres):
    by_text = ClaimFactory(statement="Claim one.", published_at="2030-01-01T00:00Z")
    item = EvidenceFactory(claim=by_text)
    capture = CaptureFactory(source=item.source)
    store_artifact(capture=capture, kind=ArtifactKind.TEXT, name="text.txt", data=b"zeppelin")
    search.index_source(item.source_id)
    by_statement = ClaimFactory(statement="Zeppelin footage claim.")
    page = results(client, "q=zeppelin")
    assert page.index(by_statement.statement) < page.index(by_text.statement)


def test_postgres_search_understands_web_search_syntax(client, needs_postgres):
    a = ClaimFactory(statement="Trained on Blockcraft gameplay.")
    b = ClaimFactory(statement="Trained on Blockcraft music.")
    page = results(client, "q=blockcraft+-music")
    assert a.statement in page and b.statement not in page
    page = results(client, "q=%22blockcraft+music%22")
    assert b.statement in page and a.statement not in page


def test_postgres_search_can_use_the_gin_indexes(needs_postgres):
    """The plan at scale is checked by bench/web.py; here, that each index serves its match."""
    ClaimFactory(statement="Zeppelin claim.")
    EntityFactory(name="Zeppelin")
    plans = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: scanning is cheaper
        for table in ("catalog_claim", "catalog_evidence", "public_sourcetext"):
            sql = f"EXPLAIN SELECT 1 FROM {table} WHERE search_vector @@ {search.TSQUERY}"
            cursor.execute(sql, {"q": "zeppelin"})
            plans[table] = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + search.ENTITY_SQL, {"q": "zepelin", "words": ["zepelin"]})
        plans["entity"] = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on catalog_claim_search_gin" in plans["catalog_claim"]
    assert "Bitmap Index Scan on catalog_evidence_search_gin" in plans["catalog_evidence"]
    assert "Bitmap Index Scan on public_sourcetext_search_gin" in plans["public_sourcetext"]
    assert "catalog_entity_name_trgm" in plans["entity"]


def test_postgres_keeps_evidence_vectors_in_the_claims_language(needs_postgres):
    item = EvidenceFactory(summary="Les vidéos montrent des entraînements.")
    item.claim.language = "fr"
    item.claim.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM catalog_evidence WHERE id = %s", [item.pk])
        vector = cursor.fetchone()[0]
    assert "'entraîn'" in vector  # the French stem
