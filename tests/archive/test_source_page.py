"""The archived-copy page without dead ends or contradictions (issue 15, problems 7 and 8):
it links to the claims citing the source (only those the reader may see) and to its
versions, says one coherent thing about the original page, never promises a screenshot
the capture lacks, and explains a failed capture in plain words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from app.archive.models import ArtifactKind, CaptureStatus, ErrorClass
from app.archive.storage import store_artifact
from app.catalog.choices import OnlineStatus, PublicationState
from tests.archive.test_views import add_capture
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db


def page(client: Client, source: Any) -> str:
    response = client.get(reverse("archive:source", args=[source.pk]))
    assert response.status_code == 200
    return response.content.decode()


def cited_source(**fields: Any) -> Any:
    source = SourceFactory(title="Sora and Minecraft", **fields)
    public = ClaimFactory(statement="Sora was trained on Minecraft videos.")
    EvidenceFactory(source=source, claim=public)
    draft = ClaimFactory(draft=True, statement="A draft claim nobody may see yet.")
    EvidenceFactory(source=source, claim=draft, state=PublicationState.DRAFT, published_at=None)
    return source, public, draft


def test_the_page_links_to_public_citing_claims_and_not_to_drafts(
    client: Client, alice: Any
) -> None:
    source, public, draft = cited_source()
    add_capture(source)
    html = page(client, source)
    assert "Claims citing this source" in html
    assert f'href="{public.get_absolute_url()}" data-citing="{public.slug}"' in html
    assert "Sora was trained on Minecraft videos." in html
    assert draft.slug not in html and "A draft claim nobody may see yet." not in html
    assert "Cited by 1 claim" in html
    # An editor who may see drafts sees it too, marked as not published.
    client.force_login(alice)
    editor = page(client, source)
    assert f'data-citing="{draft.slug}"' in editor and "Cited by 2 claims" in editor


def test_the_page_links_to_the_versions_page(client: Client) -> None:
    source, _public, _draft = cited_source()
    add_capture(source)
    html = page(client, source)
    versions = reverse("monitor:source_versions", args=[source.pk])
    assert f'href="{versions}" data-versions' in html
    # And the versions page links back to the claims citing it.
    back = client.get(versions).content.decode()
    assert f'href="{source.get_absolute_url()}#citing-heading"' in back


def test_a_source_never_checked_is_not_called_online(client: Client) -> None:
    # The demo's case: a stored "alive" with no check ever made.
    source, _public, _draft = cited_source(online_status=OnlineStatus.ALIVE, last_checked_at=None)
    add_capture(source)
    html = page(client, source)
    assert 'data-link-state="unchecked"' in html and "Not checked yet" in html
    assert ">Online<" not in html and "still online at the last check" not in html
    versions = client.get(reverse("monitor:source_versions", args=[source.pk])).content.decode()
    assert 'data-link-state="unchecked"' in versions and "Online" not in versions


def test_a_checked_source_says_when(client: Client) -> None:
    checked = timezone.now() - timedelta(days=2)
    source, _public, _draft = cited_source(
        online_status=OnlineStatus.ALIVE, last_checked_at=checked
    )
    add_capture(source)
    html = page(client, source)
    assert 'data-link-state="alive"' in html and "still online at the last check" in html
    assert f"Last checked on {checked:%Y-%m-%d}." in html
    assert "Not checked yet" not in html


def test_a_gone_source_is_gone(client: Client) -> None:
    gone = timezone.now() - timedelta(days=1)
    source, _public, _draft = cited_source(
        online_status=OnlineStatus.GONE, gone_since=gone, last_checked_at=gone
    )
    add_capture(source)
    html = page(client, source)
    assert 'data-link-state="gone"' in html and "the archived copy is what remains" in html


def test_no_screenshot_is_promised_when_the_capture_has_none(client: Client) -> None:
    source, _public, _draft = cited_source()
    capture = CaptureFactory(source=source, status=CaptureStatus.SUCCEEDED)
    store_artifact(
        capture=capture,
        kind=ArtifactKind.TEXT,
        name="text.txt",
        data=b"Only text here.",
        media_type="text/plain; charset=utf-8",
    )
    html = page(client, source)
    assert "Only text here." in html
    assert 'class="screenshot"' not in html
    assert "shown as a screenshot" not in html
    assert "with its text, screenshot" not in html  # the meta description
    assert "This capture has no screenshot" in html
    # With a screenshot, the page shows it and says so.
    with_shot = SourceFactory()
    EvidenceFactory(source=with_shot)
    add_capture(with_shot)
    shot = page(client, with_shot)
    assert 'class="screenshot"' in shot and "with its text, screenshot" in shot


def test_a_failed_capture_is_explained_in_plain_words(client: Client) -> None:
    source, _public, _draft = cited_source()
    CaptureFactory(
        source=source,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.NOT_FOUND,
        error_text="HTTP 404 from https://news.example/gone",
    )
    html = page(client, source)
    assert "Archiving failed" in html
    assert "The page no longer exists at this address" in html
    summary = html.index("The page no longer exists at this address")
    detail = html.index("HTTP 404 from https://news.example/gone")
    assert summary < html.index("<summary>Technical detail</summary>") < detail
    assert "No capture of this page has been made yet." not in html
    assert "Not archived" not in html  # a failure never reads as pending


def test_a_later_failure_does_not_hide_the_archived_copy(client: Client) -> None:
    source, _public, _draft = cited_source()
    add_capture(source)
    CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
    html = page(client, source)
    status = html[html.index("data-status-summary") : html.index('id="citing-heading"')]
    assert 'data-capture-state="archived"' in status and "data-latest-try" in status
    assert 'data-capture-state="failed"' in html  # the failed try, in the list


def test_the_page_in_french(client: Client) -> None:
    source, _public, _draft = cited_source()
    CaptureFactory(
        source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.BLOCKED_ADDRESS
    )
    with translation.override("fr"):
        url = reverse("archive:source", args=[source.pk])
    html = client.get(url).content.decode()
    assert "Affirmations qui citent cette source" in html
    assert "TrainedOn n’archive pas les adresses de réseau privé ou local." in html
    assert "Pas encore vérifiée" in html and "TrainedOn n’a pas encore vérifié" in html


def test_an_editor_may_retry_from_the_page_only_when_it_can_succeed(
    client: Client, alice: Any
) -> None:
    slow, _public, _draft = cited_source()
    CaptureFactory(source=slow, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
    blocked = SourceFactory()
    EvidenceFactory(source=blocked)
    CaptureFactory(
        source=blocked, status=CaptureStatus.FAILED, error_class=ErrorClass.BLOCKED_ADDRESS
    )
    assert "data-retry" not in page(client, slow)  # readers get no button
    client.force_login(alice)
    assert "data-retry" in page(client, slow)
    html = page(client, blocked)
    assert "data-retry" not in html and "Retry archiving" not in html
    assert reverse("editor:source_upload", args=[blocked.pk]) in html
    # The form posts back to this page.
    response = client.post(
        reverse("editor:source_retry", args=[slow.pk]), {"next": slow.get_absolute_url()}
    )
    assert response.status_code == 302 and response["Location"] == slow.get_absolute_url()
