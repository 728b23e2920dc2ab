"""Capture failures in plain words for editors, and Retry only when it can succeed
(issue 15, problem 8): the workspace card, the no-JavaScript form and the write API
all go through archive.services.capture_retry's one rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from app.accounts.services import token_create
from app.archive.models import Capture, CaptureOrigin, CaptureStatus, ErrorClass
from tests.factories import CaptureFactory, SourceFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
LOOPBACK = "refusing 127.0.0.1:8400: loopback"


def blocked_source() -> Any:
    source = SourceFactory(url="http://127.0.0.1:8400/x", normalized_url="http://127.0.0.1:8400/x")
    CaptureFactory(
        source=source,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.BLOCKED_ADDRESS,
        error_text=LOOPBACK,
    )
    return source


def test_a_blocked_address_is_explained_with_the_detail_one_click_away(
    client: Client, alice: Any
) -> None:
    source = blocked_source()
    client.force_login(alice)
    card = client.get(reverse("editor:source_card", args=[source.pk]), **HX).text
    sentence = "TrainedOn does not archive private or local network addresses."
    assert "Archiving failed" in card and sentence in card
    # The developer words only inside <details>, after the plain sentence.
    assert card.count("127.0.0.1:8400: loopback") == 1
    detail = card.index("<details")
    assert card.index(sentence) < detail < card.index(LOOPBACK)
    # No Retry for a failure no retry can fix; the upload stays offered.
    assert "Retry archiving" not in card
    assert reverse("editor:source_upload", args=[source.pk]) in card


def test_a_retry_of_a_blocked_address_is_refused(client: Client, alice: Any) -> None:
    source = blocked_source()
    client.force_login(alice)
    url = reverse("editor:source_retry", args=[source.pk])
    card = client.post(url, {"ctx": "row"}, **HX)
    assert card.status_code == 200  # htmx swaps the card, with the reason
    assert "data-refused" in card.text
    assert "Archiving again would fail the same way" in card.text
    assert "Retry archiving" not in card.text
    # Without JavaScript: back to the page with the refusal as an error message.
    page = client.post(url, {"next": "/editor/"}, follow=True)
    assert "Archiving again would fail the same way" in page.text
    assert page.redirect_chain == [("/editor/", 302)]
    assert Capture.objects.filter(source=source).count() == 1  # nothing queued


def test_the_refusal_is_in_french(client: Client, alice: Any) -> None:
    source = blocked_source()
    client.force_login(alice)
    with translation.override("fr"):
        url = reverse("editor:source_retry", args=[source.pk])
    text = client.post(url, {"ctx": "row"}, **HX).text
    assert "Échec de l’archivage" in text
    assert "TrainedOn n’archive pas les adresses de réseau privé ou local." in text
    assert "Archiver à nouveau échouerait de la même façon" in text
    assert "Détail technique" in text


def test_a_timeout_offers_retry_and_retries(
    client: Client, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    source = SourceFactory()
    CaptureFactory(
        source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT, error_text="x"
    )
    client.force_login(alice)
    card = client.get(reverse("editor:source_card", args=[source.pk]), **HX).text
    assert "Retry archiving" in card
    with django_capture_on_commit_callbacks():
        client.post(reverse("editor:source_retry", args=[source.pk]), {"ctx": "row"}, **HX)
    newest = Capture.objects.filter(source=source).order_by("-id").first()
    assert newest.origin == CaptureOrigin.RETRY and newest.status == CaptureStatus.QUEUED


def _api(client: Client, token: str, url: str) -> Any:
    return client.post(
        url, b"", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_write_api_refuses_the_same_retry(
    client: Client, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    token = token_create(user=alice, name="bot").secret
    blocked = blocked_source()
    response = _api(client, token, reverse("api:source-retry", args=[blocked.pk]))
    assert response.status_code == 409
    error = json.loads(response.content)["error"]
    assert error["code"] == "not_retryable"
    assert "private or local network addresses" in error["message"]
    assert Capture.objects.filter(source=blocked).count() == 1

    slow = SourceFactory()
    CaptureFactory(source=slow, status=CaptureStatus.FAILED, error_class=ErrorClass.SERVER_ERROR)
    with django_capture_on_commit_callbacks():
        queued = _api(client, token, reverse("api:source-retry", args=[slow.pk]))
    assert queued.status_code == 202
    body = json.loads(queued.content)
    assert body["status"] == "queued" and body["origin"] == "retry"
    # Asked again while it waits: the same capture, nothing new.
    again = _api(client, token, reverse("api:source-retry", args=[slow.pk]))
    assert json.loads(again.content)["id"] == body["id"]


def test_a_contributor_cannot_retry_through_the_api(client: Client, carol: Any) -> None:
    source = SourceFactory()
    CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
    token = token_create(user=carol, name="bot").secret
    response = _api(client, token, reverse("api:source-retry", args=[source.pk]))
    assert response.status_code == 403
    assert Capture.objects.filter(source=source).count() == 1
