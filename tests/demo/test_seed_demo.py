from __future__ import annotations

import pytest
from django.core.management import call_command

from app.archive.models import Artifact, Capture, CaptureStatus
from app.archive.storage import rehash
from app.catalog.access import public_claims
from app.catalog.models import Claim, Entity, Evidence, Source

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, object]:
    return {
        "entities": list(Entity.objects.values_list("slug", "updated_at").order_by("slug")),
        "claims": list(Claim.objects.values_list("slug", "updated_at").order_by("slug")),
        "evidence": Evidence.objects.count(),
        "sources": list(Source.objects.values_list("normalized_url", "updated_at").order_by("id")),
        "artifacts": list(Artifact.objects.values_list("name", "sha256").order_by("id")),
        "captures": Capture.objects.count(),
    }


def test_seed_demo_loads_the_sora_case_and_running_it_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first

    sora = Entity.objects.get(slug="sora")
    assert sora.developer.slug == "openai"
    claims = public_claims()
    assert claims.count() == 2
    stances = set(Evidence.objects.values_list("stance", flat=True))
    assert stances == {"supports", "context"}


def test_every_demo_source_has_a_finished_capture_with_verifiable_files():
    call_command("seed_demo")
    for source in Source.objects.filter(evidence__isnull=False).distinct():  # cited pages
        capture = source.captures.get()
        assert capture.status == CaptureStatus.SUCCEEDED
        kinds = set(capture.artifacts.values_list("kind", flat=True))
        assert {"warc", "html", "text", "metadata", "manifest"} <= kinds
        assert capture.manifest_sha256 == capture.artifacts.get(kind="manifest").sha256
        for artifact in capture.artifacts.all():
            assert rehash(artifact) == (artifact.sha256, artifact.size)
        assert source.title  # copied from the extracted metadata
