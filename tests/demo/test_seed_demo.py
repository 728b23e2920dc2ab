from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image

from app.archive.media import probe_media
from app.archive.models import Artifact, Capture, CaptureStatus
from app.archive.steps.browser import BAND_COLOUR
from app.archive.storage import open_artifact, rehash
from app.catalog.access import public_claims, public_evidence
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
    assert stances == {"supports", "context", "contradicts"}


def test_the_demo_shows_a_verdict_with_its_history_and_note():
    call_command("seed_demo")
    claim = Claim.objects.get(slug="sora-trained-on-video-game-footage")
    assert (claim.verdict, claim.evidence_strength) == ("supported", "moderate")
    steps = list(claim.verdict_changes.values_list("old_verdict", "new_verdict", "note"))
    assert [(old, new) for old, new, _note in steps] == [("", "unverified"),
                                                        ("unverified", "supported")]  # fmt: skip
    assert "00:02" in steps[-1][2]
    page = Client().get(f"/claims/{claim.slug}/")
    assert page.status_code == 200
    assert "00:02" in page.content.decode()


def test_the_twitch_claim_has_evidence_against_it():
    call_command("seed_demo")
    against = Evidence.objects.get(stance="contradicts")
    assert against.claim.slug == "sora-trained-on-twitch-streams"
    assert against in public_evidence()
    assert against.source.captures.get().artifacts.filter(kind="screenshot").exists()


def test_the_demo_video_has_time_coded_evidence_and_real_frames():
    call_command("seed_demo")
    item = Evidence.objects.get(source__kind="video")
    assert (item.time_start, item.time_end) == (Decimal("2.000"), Decimal("5.000"))
    assert item.time_range_problem == ""
    capture = item.source.captures.get()
    video = capture.artifacts.get(kind="video")
    with open_artifact(video) as handle:
        probe = probe_media(handle)
    assert 5.5 < probe.duration < 6.5 and probe.width == 640
    frames = capture.artifacts.filter(kind="frame").order_by("name")
    assert [f.metadata["time"] for f in frames] == [2.0, 3.5, 5.0]
    for frame in frames:
        with open_artifact(frame) as handle, Image.open(handle) as image:
            assert image.size == (640, 360)
            # From 00:02 the inventory bar is on screen: grey slots along the bottom.
            assert image.convert("RGB").getpixel((320, 360 - 20)) == pytest.approx(
                (198, 198, 198), abs=24
            )
    listed = json.loads(open_artifact(capture.artifacts.get(kind="manifest")).read())
    names = json.dumps(listed)
    assert all(f.name in names for f in frames)  # the manifest, written last, lists them


def test_every_demo_page_capture_has_a_stamped_screenshot():
    call_command("seed_demo")
    for source in Source.objects.filter(kind="article", captures__origin="demo").distinct():
        shot = source.captures.get(origin="demo").artifacts.get(kind="screenshot")
        with open_artifact(shot) as handle, Image.open(handle) as image:
            assert image.format == "PNG" and image.width == 1280 and image.height > 600
            band = image.convert("RGB").getpixel((5, 5))
        assert band == BAND_COLOUR  # the archive's stamp: address and UTC time on top
        assert rehash(shot) == (shot.sha256, shot.size)


def test_every_demo_source_has_a_finished_capture_with_verifiable_files():
    call_command("seed_demo")
    for source in Source.objects.filter(evidence__isnull=False).distinct():  # cited pages
        capture = source.captures.get()
        assert capture.status == CaptureStatus.SUCCEEDED
        kinds = set(capture.artifacts.values_list("kind", flat=True))
        if source.kind == "video":
            assert {"video", "thumbnail", "frame", "manifest"} <= kinds
            continue
        assert {"warc", "html", "text", "metadata", "screenshot", "manifest"} <= kinds
        assert capture.manifest_sha256 == capture.artifacts.get(kind="manifest").sha256
        for artifact in capture.artifacts.all():
            assert rehash(artifact) == (artifact.sha256, artifact.size)
        assert source.title  # copied from the extracted metadata


def test_a_demo_claim_is_logged_before_it_is_published():
    call_command("seed_demo")
    claim = Claim.objects.get(slug="sora-trained-on-video-game-footage")
    assert claim.published_at is not None and claim.created_at < claim.published_at
    page = Client().get(f"/claims/{claim.slug}/").content.decode()
    assert "Logged on Dec. 12, 2024" in page
