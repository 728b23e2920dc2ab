"""The archived-copy page and artifact downloads: archived HTML never runs on our origin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from app.archive.models import ArtifactKind, CaptureStatus, CaptureStep, StepStatus
from app.archive.storage import store_artifact
from app.catalog.choices import PublicationState
from tests.factories import CaptureFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def archived_source(*, published: bool = True, text: str = "Archived words. " + HOSTILE):
    source = SourceFactory(title="Sora and Minecraft")
    EvidenceFactory(
        source=source,
        state=PublicationState.PUBLISHED if published else PublicationState.DRAFT,
    )
    add_capture(source, text)
    return source


def add_capture(source, text: str = "Archived words."):
    capture = CaptureFactory(source=source, status=CaptureStatus.SUCCEEDED, attempts=1)
    html = store_artifact(
        capture=capture,
        kind=ArtifactKind.HTML,
        name="page.html",
        data=f"<html><body>{HOSTILE}{text}</body></html>".encode(),
        media_type="text/html; charset=utf-8",
    )
    store_artifact(
        capture=capture, kind=ArtifactKind.WARC, name="page.warc.gz", data=b"WARC stand-in"
    )
    store_artifact(
        capture=capture,
        kind=ArtifactKind.TEXT,
        name="text.txt",
        data=text.encode(),
        media_type="text/plain; charset=utf-8",
        derived_from=html,
    )
    store_artifact(
        capture=capture,
        kind=ArtifactKind.METADATA,
        name="metadata.json",
        data=b'{"title": "Sora and <b>Minecraft</b>", "language": "en"}',
        media_type="application/json",
    )
    store_artifact(
        capture=capture,
        kind=ArtifactKind.SCREENSHOT,
        name="screenshot.png",
        data=b"\x89PNG stand-in",
        media_type="image/png",
    )
    CaptureStep.objects.create(
        capture=capture, name="fetch", status=StepStatus.SUCCEEDED, tool="httpx + warcio"
    )
    return capture


def test_the_archived_copy_shows_text_escaped_and_every_file_with_its_hash(client):
    source = archived_source()
    capture = source.captures.get()

    page = client.get(reverse("archive:source", args=[source.pk]))

    assert page.status_code == 200
    body = page.content.decode()
    assert "<script>document.title" not in body and "<img src=x" not in body
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in body
    assert "Sora and &lt;b&gt;Minecraft&lt;/b&gt;" in body  # metadata, escaped too
    for artifact in capture.artifacts.all():
        assert artifact.sha256 in body
        assert reverse("archive:artifact", args=[artifact.pk, artifact.name]) in body
    assert 'class="screenshot"' in body
    assert "httpx + warcio" in body  # step details


def test_it_hides_the_archived_copy_of_an_uncited_source_from_outsiders(client, mallory):
    source = archived_source(published=False)
    client.force_login(mallory)

    assert client.get(reverse("archive:source", args=[source.pk])).status_code == 404
    artifact = source.captures.get().artifacts.first()
    url = reverse("archive:artifact", args=[artifact.pk, artifact.name])
    assert client.get(url).status_code == 404


def test_staff_see_the_archived_copy_of_any_source(client, admin_user):
    source = archived_source(published=False)
    client.force_login(admin_user)

    assert client.get(reverse("archive:source", args=[source.pk])).status_code == 200


def test_the_archived_copy_page_costs_the_same_queries_with_20_more_captures(
    client, django_assert_num_queries
):
    source = archived_source()
    url = reverse("archive:source", args=[source.pk])
    client.get(url)  # warm up

    # source, captures, artifacts, steps, and the claims citing it
    with django_assert_num_queries(5):
        first = client.get(url)
    for _ in range(20):
        add_capture(source)
    with django_assert_num_queries(5):
        second = client.get(url)

    assert first.status_code == second.status_code == 200
    assert second.content.decode().count('class="capture card"') == 21


@pytest.mark.parametrize("name", ["page.html", "page.warc.gz"])
def test_raw_html_and_warc_are_only_ever_downloads(client, name):
    source = archived_source()
    artifact = source.captures.get().artifacts.get(name=name)

    response = client.get(reverse("archive:artifact", args=[artifact.pk, artifact.name]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Artifact-SHA256"] == artifact.sha256


def test_extracted_text_is_shown_inline_as_plain_text(client):
    source = archived_source()
    artifact = source.captures.get().artifacts.get(name="text.txt")

    response = client.get(reverse("archive:artifact", args=[artifact.pk, artifact.name]))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_an_artifact_address_with_another_name_is_not_found(client):
    source = archived_source()
    artifact = source.captures.get().artifacts.get(name="page.html")

    url = reverse("archive:artifact", args=[artifact.pk, "page.txt"])

    assert client.get(url).status_code == 404


def test_download_links_use_the_artifact_origin_when_one_is_set(client, settings):
    settings.ARTIFACT_ORIGIN = "https://files.trainedon.example"
    source = archived_source()
    artifact = source.captures.get().artifacts.get(name="page.html")

    body = client.get(reverse("archive:source", args=[source.pk])).content.decode()

    path = reverse("archive:artifact", args=[artifact.pk, artifact.name])
    assert f'href="https://files.trainedon.example{path}?download=1"' in body


def test_staff_can_queue_a_new_capture_of_a_source_from_the_admin(client, admin_user):
    source = archived_source()
    capture = source.captures.get()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:archive_capture_changelist"),
        {"action": "capture_again", "_selected_action": [capture.pk]},
    )

    assert response.status_code == 302
    again = source.captures.exclude(pk=capture.pk).get()
    assert (again.status, again.origin, again.requested_by) == ("queued", "retry", admin_user)


def test_the_admin_does_not_requeue_a_failure_no_retry_can_fix(client, admin_user):
    source = SourceFactory()
    blocked = CaptureFactory(
        source=source, status=CaptureStatus.FAILED, error_class="blocked_address"
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:archive_capture_changelist"),
        {"action": "capture_again", "_selected_action": [blocked.pk]},
        follow=True,
    )
    assert source.captures.count() == 1
    assert "Archiving again would fail the same way" in response.content.decode()
    assert "0 new captures queued." in response.content.decode()
