"""Signal timelines: a site that starts opting out between captures, on the claim page and on
the page of the work the claim names; unpublished work never shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from app.archive.models import CaptureStatus, ConsentRecord, HostFile
from app.archive.timeline import claim_timelines, entity_timelines
from app.catalog.choices import PublicationState
from tests.archive.conftest import new_capture
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory, ModelEntityFactory
from tests.lib.servers import respond

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_browser")]

ALLOW_ALL = "User-agent: *\nAllow: /\n"
OPT_OUT = "User-agent: GPTBot\nDisallow: /\n\nUser-agent: CCBot\nDisallow: /\n"


def capture_on(site: Any, path: str, robots: str, days_ago: int) -> Any:
    """A capture of ``path`` as if taken ``days_ago`` days ago, with that day's robots.txt."""
    from app.archive.pipeline import run_capture_by_id

    HostFile.objects.all().delete()  # a new day: the site's files are fetched again
    site.routes["/robots.txt"] = respond(robots, content_type="text/plain")
    capture = new_capture(site.url_for(path))
    run_capture_by_id(capture.pk)
    capture.refresh_from_db()
    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    ConsentRecord.objects.filter(capture=capture).update(
        observed_at=timezone.now() - timedelta(days=days_ago)
    )
    return capture


@pytest.fixture
def opted_out_later(site: Any) -> Any:
    """article.html captured three times: allowed, then GPTBot and CCBot disallowed (twice)."""
    capture_on(site, "/article.html", ALLOW_ALL, days_ago=30)
    capture_on(site, "/article.html", OPT_OUT, days_ago=10)
    return capture_on(site, "/article.html", OPT_OUT, days_ago=1)


def test_a_site_that_starts_opting_out_shows_as_two_periods(opted_out_later: Any) -> None:
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source_id=opted_out_later.source_id)

    (timeline,) = claim_timelines(claim)

    assert timeline.source_id == opted_out_later.source_id
    assert timeline.host == "127.0.0.1"
    assert timeline.changes == 1
    before, after = timeline.periods
    assert before.captures == 1 and after.captures == 2
    assert before.lines[0] == "robots.txt allowed every AI crawler we check"
    assert after.lines[0] == "robots.txt disallowed GPTBot and CCBot"
    assert before.last < after.first and after.last - after.first == timedelta(days=9)


def test_the_claim_and_work_pages_show_the_timeline_and_hide_unpublished_sources(
    opted_out_later: Any, site: Any, client: Any
) -> None:
    work = EntityFactory(name="Blockcraft")
    claim = ClaimFactory(slug="vidgen-blockcraft-signals")
    claim.content_named.add(work)
    EvidenceFactory(claim=claim, source_id=opted_out_later.source_id)
    # The same work named by a draft claim whose source says something else: never shown.
    hidden = capture_on(site, "/french.html", OPT_OUT, days_ago=2)
    draft = ClaimFactory(state=PublicationState.DRAFT, published_at=None)
    draft.content_named.add(work)
    EvidenceFactory(claim=draft, source_id=hidden.source_id, state=PublicationState.DRAFT)

    for address in (f"/claims/{claim.slug}/", f"/entities/{work.slug}/"):
        page = client.get(address).content.decode()
        assert "What the sites said about AI training, capture by capture" in page, address
        assert "changed 1 time" in page
        assert "robots.txt disallowed GPTBot and CCBot" in page
        assert f'href="/sources/{opted_out_later.source_id}/"' in page
        assert "french.html" not in page and f"/sources/{hidden.source_id}/" not in page

    french = client.get(f"/fr/claims/{claim.slug}/").content.decode()
    assert "capture par capture" in french and "a changé 1 fois" in french
    assert [t.source_id for t in entity_timelines(work)] == [opted_out_later.source_id]
    model = ModelEntityFactory()
    claim.models_named.add(model)
    assert entity_timelines(model) == []
    assert "capture by capture" not in client.get(f"/entities/{model.slug}/").content.decode()


def test_pages_without_signals_show_no_timeline(client: Any) -> None:
    claim = ClaimFactory(slug="no-signals")
    EvidenceFactory(claim=claim)
    assert claim_timelines(claim) == []
    assert "capture by capture" not in client.get(f"/claims/{claim.slug}/").content.decode()
