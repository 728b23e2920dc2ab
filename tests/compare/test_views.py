"""The comparison page and its files: visible with the evidence item, after two reviews."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from app.catalog.choices import PublicationState
from app.compare import services
from app.compare.models import Comparison, RunStatus
from tests.compare.conftest import Clips
from tests.compare.helpers import make_comparison
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def finished(clips: Clips, alice: Any, evidence: Any, reviewers: list[Any]) -> Comparison:
    comparison = make_comparison(clips, alice, evidence=evidence)
    Comparison.objects.filter(pk=comparison.pk).update(status=RunStatus.SUCCEEDED)
    comparison.refresh_from_db()
    services.files.store_file(comparison, name="pair.png", kind="pair", data=b"\x89PNG fake")
    for person in reviewers:
        services.review_add(comparison=comparison, reviewer=person)
    return comparison


def test_readers_see_a_reviewed_comparison_of_published_evidence(
    client: Any, clips: Clips, alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = finished(clips, alice, EvidenceFactory(), [alice, bob])
    page = client.get(reverse("compare:detail", args=[comparison.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "What this does not show" in body
    assert "3 of 10 attempts resembled the source (failures included)" in body
    assert "a first-person video of a blocky survival game" in body
    served = client.get(reverse("compare:file", args=[comparison.pk, "pair.png"]))
    assert served.status_code == 200
    assert served["X-Artifact-SHA256"] == comparison.files.get(name="pair.png").sha256
    assert "sandbox" in served["Content-Security-Policy"]


def test_a_comparison_waits_for_two_reviews_before_readers_see_it(
    client: Any, clips: Clips, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = finished(clips, alice, EvidenceFactory(), [alice])
    url = reverse("compare:detail", args=[comparison.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("compare:file", args=[comparison.pk, "pair.png"])).status_code == 404
    client.force_login(alice)
    assert client.get(url).status_code == 200  # the editor sees it to review it


def test_a_comparison_of_draft_evidence_is_hidden_from_outsiders(
    client: Any,
    clips: Clips,
    alice: Any,
    bob: Any,
    mallory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    draft = EvidenceFactory(claim=ClaimFactory(draft=True), state=PublicationState.DRAFT)
    with django_capture_on_commit_callbacks(execute=False):
        comparison = finished(clips, alice, draft, [alice, bob])
    url = reverse("compare:detail", args=[comparison.pk])
    assert client.get(url).status_code == 404
    client.force_login(mallory)
    assert client.get(url).status_code == 404
    assert client.get(reverse("compare:file", args=[comparison.pk, "pair.png"])).status_code == 404
    assert client.get(reverse("compare:detail", args=[999999])).status_code == 404
