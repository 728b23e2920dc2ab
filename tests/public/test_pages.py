from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("seed_demo")


def test_the_home_page_lists_the_published_demo_claims(client, demo):
    page = client.get("/").content.decode()
    assert "Sora was trained on Twitch streams" in page
    assert "Sora was trained on video-game footage" in page


def test_a_claim_page_shows_evidence_by_stance_and_the_archived_copy(client, demo):
    response = client.get("/claims/sora-trained-on-video-game-footage/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Supports" in page and "Context" in page
    assert "archived copy" in page
    assert "Logged as unverified" in page


def test_a_draft_is_not_revealed_to_readers(client):
    claim = ClaimFactory(draft=True)
    assert client.get(f"/claims/{claim.slug}/").status_code == 404


def test_the_archived_copy_page_lists_files_with_their_hashes(client, demo):
    from app.catalog.models import Source

    source = Source.objects.first()
    page = client.get(f"/sources/{source.pk}/").content.decode()
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


@pytest.mark.parametrize("path", ["/", "/claims/"])
def test_list_pages_keep_a_flat_query_count(client, path):
    ClaimFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    ClaimFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        client.get(path)
    assert len(many) == len(few)


def test_the_claim_page_keeps_a_flat_query_count(client):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(2, claim=claim)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/claims/{claim.slug}/")
    EvidenceFactory.create_batch(20, claim=claim)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/claims/{claim.slug}/")
    assert len(many) == len(few)
