"""Time-coded video evidence: frames of the cited moment, the range checked against the video."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from app.archive.frames import plan_range, refresh_evidence_frames
from app.archive.models import Artifact, ArtifactKind
from app.archive.storage import open_artifact
from app.catalog.models import Evidence
from tests.conftest import PASSWORD, wait_for
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory
from tests.lib.servers import LocalServer
from tests.monitor.conftest import run_capture


def frames_of(item: Evidence) -> list[Artifact]:
    found = Artifact.objects.filter(kind=ArtifactKind.FRAME, metadata__evidence_id=item.pk)
    return sorted(found, key=lambda a: a.metadata["time"])


def cited_video(site: LocalServer, start: str, end: str | None) -> Evidence:
    url = site.url_for("/video.html")
    source = SourceFactory(url=url, normalized_url=url, kind="video")
    return EvidenceFactory(
        source=source,
        claim=ClaimFactory(),
        time_start=Decimal(start),
        time_end=Decimal(end) if end is not None else None,
    )


@pytest.mark.django_db
def test_the_capture_grabs_frames_at_the_start_middle_and_end_of_the_range(
    video_site: LocalServer,
) -> None:
    item = cited_video(video_site, "1", "3")
    capture = run_capture(item.source)
    frames = frames_of(item)
    assert [f.name for f in frames] == [
        f"frame-e{item.pk}-1.000.png",
        f"frame-e{item.pk}-2.000.png",
        f"frame-e{item.pk}-3.000.png",
    ]
    assert all(f.capture_id == capture.pk and f.media_type == "image/png" for f in frames)
    assert frames[0].derived_from == capture.artifacts.get(kind=ArtifactKind.VIDEO)
    assert len({f.sha256 for f in frames}) == 3  # testsrc moves: three different pictures
    with open_artifact(capture.artifacts.get(kind=ArtifactKind.MANIFEST)) as handle:
        listed = {entry["name"] for entry in json.load(handle)["artifacts"]}
    assert {f.name for f in frames} <= listed  # made during the capture: sealed in its manifest
    item.refresh_from_db()
    assert item.time_range_problem == ""


@pytest.mark.django_db
def test_a_range_past_the_end_of_the_video_is_flagged_for_the_editor(
    video_site: LocalServer, client: Any, alice: Any
) -> None:
    item = cited_video(video_site, "2", "30")
    run_capture(item.source)
    item.refresh_from_db()
    assert item.time_range_problem == (
        "The range ends at 00:30, past the end of the archived video (00:04)."
    )
    assert [f.metadata["time"] for f in frames_of(item)] == [2.0, 3.0, 4.0]
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("editor:claim", args=[item.claim.slug]))
    assert "past the end of the archived video (00:04)" in page.content.decode()


@pytest.mark.django_db
def test_a_range_starting_after_the_end_gets_no_frames_and_a_problem(
    video_site: LocalServer,
) -> None:
    item = cited_video(video_site, "12", None)
    run_capture(item.source)
    item.refresh_from_db()
    assert item.time_range_problem.startswith("The range starts at 00:12, after the end")
    assert frames_of(item) == []


def test_a_single_moment_gets_one_frame_and_a_fitting_range_no_problem() -> None:
    assert plan_range(Decimal("1.5"), None, 4.0).times == [1.5]
    assert plan_range(Decimal("0"), Decimal("4.2"), 4.04) == plan_range(
        Decimal("0"), Decimal("4.2"), 4.04
    )
    assert plan_range(Decimal("0"), Decimal("4.2"), 4.04).problem == ""
    live = plan_range(Decimal("1"), Decimal("9"), 2.0, partial=True)
    assert live.problem.endswith("bounded recording of a live stream.")


@pytest.mark.django_db
def test_the_claim_page_plays_the_video_from_the_range_and_shows_its_frames(
    video_site: LocalServer, client: Any
) -> None:
    item = cited_video(video_site, "1", "3")
    run_capture(item.source)
    video = Artifact.objects.get(kind=ArtifactKind.VIDEO, capture__source=item.source)
    html = client.get(item.claim.get_absolute_url()).content.decode()
    src = reverse("monitor:video", args=[video.pk, video.name])
    assert f'src="{src}#t=1,3"' in html
    for frame in frames_of(item):
        assert reverse("archive:artifact", args=[frame.pk, frame.name]) in html
    assert len(re.findall(r"Archived frame at 00:0[123]", html)) == 3
    frame = frames_of(item)[0]
    served = client.get(reverse("archive:artifact", args=[frame.pk, frame.name]))
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_the_claim_page_costs_the_same_queries_with_more_time_coded_evidence(
    video_site: LocalServer, client: Any
) -> None:
    item = cited_video(video_site, "1", "3")
    run_capture(item.source)
    url = item.claim.get_absolute_url()
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(url, HTTP_CACHE_CONTROL="no-cache", data={"v": 1})
    for second in range(20):
        EvidenceFactory(claim=item.claim, source=item.source, time_start=Decimal(second % 4))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, data={"v": 2})
    assert page.status_code == 200
    assert len(many) == len(one)


@pytest.mark.django_db
def test_evidence_cited_later_on_an_archived_video_gets_its_frames(
    video_site: LocalServer,
) -> None:
    url = video_site.url_for("/og.html")
    source = SourceFactory(url=url, normalized_url=url)
    run_capture(source)
    item = EvidenceFactory(source=source, time_start=Decimal("0.5"), time_end=Decimal("1.5"))
    assert refresh_evidence_frames(evidence_id=item.pk) == "3 frames"
    frames = frames_of(item)
    assert [f.metadata["time"] for f in frames] == [0.5, 1.0, 1.5]
    assert all(f.metadata["after_manifest"] is True for f in frames)
    assert refresh_evidence_frames(evidence_id=item.pk) == "up to date"  # nothing decoded again
    assert len(frames_of(item)) == 3


@pytest.mark.worker
def test_a_worker_grabs_frames_when_a_range_is_saved_on_an_archived_video(
    video_site: LocalServer, start_worker: Any
) -> None:
    url = video_site.url_for("/og.html")
    source = SourceFactory(url=url, normalized_url=url)
    run_capture(source)
    start_worker(concurrency=1)
    item = EvidenceFactory(source=source, time_start=Decimal("1"), time_end=None)
    assert wait_for(lambda: frames_of(item), timeout=60)[0].name == f"frame-e{item.pk}-1.000.png"
    item.time_end = Decimal("40")
    item.save(update_fields=["time_end"])
    wait_for(lambda: Evidence.objects.get(pk=item.pk).time_range_problem, timeout=60)
    assert "past the end" in Evidence.objects.get(pk=item.pk).time_range_problem


@pytest.mark.django_db
def test_frames_made_after_the_manifest_still_pass_verify_archive(
    video_site: LocalServer,
) -> None:
    from django.core.management import call_command

    url = video_site.url_for("/og.html")
    source = SourceFactory(url=url, normalized_url=url)
    capture = run_capture(source)
    item = EvidenceFactory(source=source, time_start=Decimal("1"))
    assert refresh_evidence_frames(evidence_id=item.pk) == "1 frames"
    call_command("verify_archive", "--capture", str(capture.pk))
