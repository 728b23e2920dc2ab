"""Logging evidence: one form, the source found or created, archiving queued at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.archive.models import Capture, CaptureOrigin, CaptureStatus, ErrorClass
from app.catalog.choices import PublicationState
from app.catalog.models import Evidence, Source
from app.public.cache import bump_version
from app.public.signals import Changes
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def evidence_data(**extra: Any) -> dict[str, Any]:
    data = {
        "url": "https://news.example/sora-minecraft",
        "kind": "news_report",
        "stance": "supports",
        "summary": "Side-by-side frames of Sora output and Minecraft.",
    }
    data.update(extra)
    return data


@pytest.fixture
def draft(alice: Any) -> Any:
    return ClaimFactory(draft=True, created_by=alice)


def test_adding_evidence_creates_the_source_and_queues_its_capture(
    client: Client, alice: Any, draft: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(alice)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("editor:evidence_create", args=[draft.slug]), evidence_data()
        )
    assert response.status_code == 302  # POST, redirect, GET without JavaScript
    item = Evidence.objects.get()
    assert item.claim == draft and item.added_by == alice
    assert item.state == PublicationState.DRAFT  # it waits with its draft claim
    capture = Capture.objects.get(source=item.source)
    assert capture.status == CaptureStatus.QUEUED and capture.requested_by == alice
    # the page cache's callbacks (its version, the pages a change touched) aside
    rings = [c for c in callbacks if c is not bump_version and not isinstance(c, Changes)]
    assert len(rings) == 1  # the worker is rung after the commit


def test_a_tracking_variant_finds_the_existing_source(
    client: Client, alice: Any, draft: Any
) -> None:
    known = SourceFactory(
        url="https://news.example/sora", normalized_url="https://news.example/sora"
    )
    EvidenceFactory(source=known)
    EvidenceFactory(source=known)
    client.force_login(alice)
    card = client.post(
        reverse("editor:source_lookup"),
        {"url": "HTTPS://News.Example/sora?utm_source=x&fbclid=y#top"},
        **HX,
    )
    assert f'data-source="{known.pk}"' in card.text
    assert "Already cited by 2 claims." in card.text
    client.post(
        reverse("editor:evidence_create", args=[draft.slug]),
        evidence_data(url="https://news.example/sora?utm_medium=email"),
    )
    assert Source.objects.count() == 1
    assert Evidence.objects.get(claim=draft).source == known
    assert not Capture.objects.exists()  # a known source is not captured again


def test_evidence_on_a_published_claim_goes_to_review(client: Client, alice: Any, pat: Any) -> None:
    claim = ClaimFactory()
    client.force_login(alice)
    client.post(reverse("editor:evidence_create", args=[claim.slug]), evidence_data())
    assert Evidence.objects.get(added_by=alice).state == PublicationState.PENDING
    client.force_login(pat)
    client.post(
        reverse("editor:evidence_create", args=[claim.slug]),
        evidence_data(url="https://b.example/"),
    )
    assert Evidence.objects.get(added_by=pat).state == PublicationState.PUBLISHED


def test_submitting_a_claim_submits_its_draft_evidence(
    client: Client, alice: Any, draft: Any
) -> None:
    client.force_login(alice)
    client.post(reverse("editor:evidence_create", args=[draft.slug]), evidence_data())
    client.post(reverse("editor:claim_submit", args=[draft.slug]))
    draft.refresh_from_db()
    assert draft.state == PublicationState.PENDING
    assert Evidence.objects.get().state == PublicationState.PENDING


def test_with_htmx_the_new_item_and_a_fresh_form_come_back(
    client: Client, alice: Any, draft: Any
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("editor:evidence_create", args=[draft.slug]), evidence_data(), **HX
    )
    item = Evidence.objects.get()
    assert response.status_code == 200
    assert f'id="evidence-{item.pk}"' in response.text
    assert 'id="evidence-form"' in response.text and 'hx-swap-oob="true"' in response.text
    assert 'hx-trigger="every 1s"' in response.text  # its archive badge polls


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "not a url"}, "spaces"),
        ({"url": "javascript:alert(1)"}, "Only http:// and https://"),
        ({"url": "file:///etc/passwd"}, "Only http:// and https://"),
        ({"url": "https://user:pw@news.example/"}, "user name or password"),
        ({"time_start": "00:20", "time_end": "00:12"}, "The end must come after the start."),
        ({"time_start": "", "time_end": "00:12"}, "Give a start time with the end time."),
        ({"time_start": "1:75"}, "seconds must be below 60"),
        ({"time_start": "abc"}, "is not a time"),
        ({"summary": "   "}, "This field is required."),
        ({"stance": "maybe"}, "Select a valid choice"),
    ],
)
def test_bad_evidence_is_refused_with_a_clear_message(
    client: Client, alice: Any, draft: Any, fields: dict[str, str], message: str
) -> None:
    client.force_login(alice)
    page = client.post(
        reverse("editor:evidence_create", args=[draft.slug]), evidence_data(**fields)
    )
    assert page.status_code == 200 and message in page.text
    fragment = client.post(
        reverse("editor:evidence_create", args=[draft.slug]), evidence_data(**fields), **HX
    )
    assert fragment.status_code == 200 and message in fragment.text
    assert fragment["HX-Retarget"] == "#evidence-form"
    assert not Evidence.objects.exists() and not Source.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        ("00:12", "00:20", (Decimal("12"), Decimal("20"))),
        ("1:02:03", "1:02:04.5", (Decimal("3723"), Decimal("3724.5"))),
        ("75", "", (Decimal("75"), None)),
    ],
)
def test_time_ranges_are_read_in_every_notation(
    client: Client, alice: Any, draft: Any, start: str, end: str, seconds: tuple[Any, Any]
) -> None:
    client.force_login(alice)
    client.post(
        reverse("editor:evidence_create", args=[draft.slug]),
        evidence_data(time_start=start, time_end=end, source_kind="video"),
    )
    item = Evidence.objects.get()
    assert (item.time_start, item.time_end) == seconds
    assert item.source.kind == "video"


def test_an_invalid_address_pasted_shows_the_reason(client: Client, alice: Any) -> None:
    client.force_login(alice)
    response = client.post(reverse("editor:source_lookup"), {"url": "ftp://x.example/"}, **HX)
    assert response.status_code == 200
    assert "Only http:// and https://" in response.text
    assert not Source.objects.exists()


def test_the_badge_polls_until_the_capture_is_final(client: Client, alice: Any) -> None:
    source = SourceFactory(title="")
    capture = CaptureFactory(source=source, status=CaptureStatus.RUNNING)
    client.force_login(alice)
    url = reverse("editor:source_card", args=[source.pk]) + "?ctx=form"
    running = client.get(url, **HX)
    assert 'hx-trigger="every 1s"' in running.text and 'data-status="running"' in running.text
    # Its own target: inside the evidence form it must not inherit the form's hx-target.
    assert 'hx-target="this"' in running.text
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.SUCCEEDED)
    Source.objects.filter(pk=source.pk).update(title="Sora and Minecraft", publisher="News Example")
    done = client.get(url, **HX)
    assert "hx-trigger" not in done.text  # no trigger: htmx stops polling
    assert "Archived" in done.text and "Sora and Minecraft" in done.text
    assert 'name="source-title" value="Sora and Minecraft"' in done.text  # filled in the form


def test_a_failed_capture_is_explained_and_a_timeout_can_be_retried(
    client: Client, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    source = SourceFactory()
    CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT,
                   error_text="read timed out after 30 s")  # fmt: skip
    client.force_login(alice)
    card = client.get(reverse("editor:source_card", args=[source.pk]), **HX)
    assert "Archiving failed" in card.text and "Retry archiving" in card.text
    assert "The site took too long to answer" in card.text
    # The technical detail is one click away, not in the sentence.
    assert (
        "<summary>Technical detail</summary><code>timeout: read timed out after 30 s" in card.text
    )
    with django_capture_on_commit_callbacks() as callbacks:
        retried = client.post(
            reverse("editor:source_retry", args=[source.pk]), {"ctx": "row"}, **HX
        )
    assert 'hx-trigger="every 1s"' in retried.text
    newest = Capture.objects.filter(source=source).order_by("-id").first()
    assert newest.origin == CaptureOrigin.RETRY and newest.status == CaptureStatus.QUEUED
    assert len(callbacks) == 1
    client.post(reverse("editor:source_retry", args=[source.pk]))
    assert Capture.objects.filter(source=source, status=CaptureStatus.QUEUED).count() == 1


def test_a_contributor_cannot_retry_captures(client: Client, carol: Any) -> None:
    source = SourceFactory()
    CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
    client.force_login(carol)
    assert client.post(reverse("editor:source_retry", args=[source.pk])).status_code == 403


def test_an_editor_corrects_extracted_metadata_with_the_evidence(
    client: Client, alice: Any, draft: Any
) -> None:
    client.force_login(alice)
    client.post(
        reverse("editor:evidence_create", args=[draft.slug]),
        evidence_data(**{"source-title": "Better title", "source-publisher": "The Paper",
                         "source-published_on": "2024-12-09"}),
    )  # fmt: skip
    source = Source.objects.get()
    assert (source.title, source.publisher, str(source.published_on)) == (
        "Better title", "The Paper", "2024-12-09",
    )  # fmt: skip


def test_editing_evidence_changes_its_fields(client: Client, alice: Any, draft: Any) -> None:
    item = EvidenceFactory(
        claim=draft, added_by=alice, state=PublicationState.DRAFT, published_at=None
    )
    client.force_login(alice)
    response = client.post(
        reverse("editor:evidence_edit", args=[item.pk]),
        {"kind": "research", "stance": "contradicts", "summary": "New words.", "quote": "",
         "locator": "p. 3", "time_start": "", "time_end": "",
         "source-title": "T", "source-publisher": "P", "source-published_on": ""},
    )  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.kind, item.stance, item.summary, item.locator) == (
        "research", "contradicts", "New words.", "p. 3",
    )  # fmt: skip


def test_retry_without_javascript_goes_back_to_the_page(client: Client, alice: Any) -> None:
    source = SourceFactory()
    CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
    client.force_login(alice)
    response = client.post(
        reverse("editor:source_retry", args=[source.pk]), {"next": "/editor/#failed"}
    )
    assert response.status_code == 302 and response["Location"] == "/editor/#failed"
    evil = client.post(
        reverse("editor:source_retry", args=[source.pk]), {"next": "https://evil.example/"}
    )
    assert evil["Location"] == reverse("editor:dashboard")


def test_an_editor_edits_an_entity_and_a_contributor_cannot(
    client: Client, alice: Any, carol: Any
) -> None:
    from tests.factories import EntityFactory

    openai = EntityFactory(name="OpenAI", kind="organization", slug="openai")
    sora = EntityFactory(name="Sora", kind="model", slug="sora")
    client.force_login(carol)
    assert client.get(reverse("editor:entity_edit", args=["sora"])).status_code == 403
    client.force_login(alice)
    response = client.post(
        reverse("editor:entity_edit", args=["sora"]),
        {"name": "Sora", "kind": "model", "developer": openai.pk, "description": "Video model.",
         "website": "openai.com/sora", "wikidata_id": ""},
    )  # fmt: skip
    assert response.status_code == 302
    sora.refresh_from_db()
    assert sora.developer == openai and sora.website == "https://openai.com/sora"
    assert sora.history.first().history_user == alice
    bad = client.post(
        reverse("editor:entity_edit", args=["openai"]),
        {"name": "OpenAI", "kind": "organization", "developer": openai.pk, "wikidata_id": "X1"},
    )
    assert bad.status_code == 200 and "Only an AI model has a developer." in bad.text
