"""One serializer for captures: the manifest's frozen shape and the command's contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.archive.management.commands.archive import capture_json
from app.archive.manifest import build_manifest, write_manifest
from app.archive.models import ArtifactKind, Capture, CaptureStep
from app.archive.serializers import API_ARTIFACT, artifact_to_dict, capture_to_dict
from app.archive.storage import sha256_bytes, store_artifact
from tests.factories import CaptureFactory

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 12, 7, 6, 0, 0, tzinfo=UTC)
FINISHED = datetime(2026, 12, 7, 6, 0, 3, 500000, tzinfo=UTC)


@pytest.fixture
def capture() -> Capture:
    capture = CaptureFactory(
        requested_url="https://news.example/a",
        final_url="https://news.example/a/",
        http_status=200,
        started_at=STARTED,
        finished_at=FINISHED,
        attempts=1,
        redirect_chain=[{"url": "https://news.example/a", "status": 301}],
        tool_versions={"httpx": "0.28"},
        text_sha256="ab" * 32,
    )
    for name in ("fetch", "manifest"):
        CaptureStep.objects.create(
            capture=capture, name=name, status="succeeded", tool="t", tool_version="1",
            started_at=STARTED, finished_at=FINISHED, error_text="",
        )  # fmt: skip
    warc = store_artifact(capture=capture, kind=ArtifactKind.WARC, name="page.warc.gz", data=b"w")
    store_artifact(
        capture=capture, kind=ArtifactKind.HTML, name="page.html", data=b"<p>",
        derived_from=warc, how="body",
    )  # fmt: skip
    write_manifest(capture)
    return capture


def test_the_manifest_keeps_its_frozen_shape(capture: Capture) -> None:
    assert build_manifest(capture) == {
        "format": "trainedon-capture/1",
        "capture_id": capture.pk,
        "requested_url": "https://news.example/a",
        "final_url": "https://news.example/a/",
        "http_status": 200,
        "redirect_chain": [{"url": "https://news.example/a", "status": 301}],
        "started_at": "2026-12-07T06:00:00Z",
        "finished_at": "2026-12-07T06:00:03.500000Z",
        "origin": "submitted",
        "tool_versions": {"httpx": "0.28"},
        "steps": [
            {
                "name": "fetch",
                "status": "succeeded",
                "tool": "t",
                "tool_version": "1",
                "started_at": "2026-12-07T06:00:00Z",
                "finished_at": "2026-12-07T06:00:03.500000Z",
                "error_class": "",
            }
        ],
        "artifacts": [
            {
                "name": "page.html",
                "kind": "html",
                "media_type": "text/html",
                "size": 3,
                "sha256": sha256_bytes(b"<p>"),
                "derived_from": "page.warc.gz",
                "how": "body",
                "partial": False,
            },
            {
                "name": "page.warc.gz",
                "kind": "warc",
                "media_type": "application/warc",
                "size": 1,
                "sha256": sha256_bytes(b"w"),
                "derived_from": None,
                "how": "",
                "partial": False,
            },
        ],
    }


def test_the_archive_command_prints_the_documented_fields_in_order(capture: Capture) -> None:
    data = json.loads(json.dumps(capture_json(capture)))
    assert list(data) == [
        "capture_id", "source_id", "url", "final_url", "http_status", "status", "error_class",
        "error_text", "attempts", "started_at", "finished_at", "redirect_chain",
        "manifest_sha256", "text_sha256", "tool_versions", "steps", "artifacts",
    ]  # fmt: skip
    assert data["started_at"] == "2026-12-07T06:00:00+00:00"
    assert [s["name"] for s in data["steps"]] == ["fetch", "manifest"]
    assert list(data["steps"][0]) == [
        "name", "status", "tool", "tool_version", "started_at", "finished_at", "error_class",
        "error_text",
    ]  # fmt: skip
    assert [a["name"] for a in data["artifacts"]] == ["page.warc.gz", "page.html", "manifest.json"]
    assert list(data["artifacts"][0]) == [
        "name", "kind", "media_type", "size", "sha256", "storage_key",
    ]  # fmt: skip
    assert data["artifacts"][2]["sha256"] == data["manifest_sha256"] == capture.manifest_sha256


def test_callers_choose_fields_and_add_their_own(capture: Capture) -> None:
    html = capture.artifacts.get(name="page.html")
    data = artifact_to_dict(html, API_ARTIFACT, extra=lambda a: {"download_url": f"/x/{a.pk}"})
    assert list(data) == [*API_ARTIFACT, "download_url"]
    assert data["download_url"] == f"/x/{html.pk}"
    capture.manifest_sha256 = ""
    assert capture_to_dict(capture, ("id", "manifest_sha256"), empty_as_null=True) == {
        "id": capture.pk,
        "manifest_sha256": None,
    }
