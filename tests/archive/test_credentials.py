"""Content credentials (C2PA) of archived images: a file signed at test time, an unsigned one,
one whose pixels changed after signing and one whose manifest is broken."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from app.archive.credentials import read_credentials
from app.archive.models import CaptureStatus, StepStatus
from app.archive.storage import open_artifact
from tests.archive.c2pa_sign import (
    ISSUER_ORG,
    SIGNER_NAME,
    TRAINING,
    broken_manifest,
    changed_pixels,
    sign,
)
from tests.archive.conftest import make_png
from tests.lib.servers import respond
from tests.monitor.clips import Clips, clips  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_browser")]


@pytest.fixture(scope="module")
def signed_png() -> bytes:
    return sign(make_png(colour=(20, 160, 20)), "image/png", training=TRAINING)


def test_a_signed_image_gives_its_generator_signer_and_training_mining_uses(
    signed_png: bytes,
) -> None:
    found = read_credentials(io.BytesIO(signed_png), "image/png")

    assert found["status"] == "found"
    assert found["claim_generator"] == "TrainedOn tests 1"
    assert found["signer"]["common_name"] == SIGNER_NAME
    assert found["signer"]["issuer"] == ISSUER_ORG
    assert "cawg.training-mining" in found["assertions"]
    assert found["not_allowed"] == ["cawg.ai_generative_training", "cawg.ai_training"]
    assert found["training_mining"]["cawg.data_mining"] == {
        "use": "constrained",
        "constraint_info": "ask rights@news.example",
    }
    # The signature verifies; our throwaway signer is on no trust list, and says so.
    assert found["validation_state"] == "Valid"
    assert [p["code"] for p in found["problems"]] == ["signingCredential.untrusted"]


def test_changed_pixels_unsigned_files_and_broken_manifests_are_findings_not_errors(
    signed_png: bytes,
) -> None:
    changed = read_credentials(io.BytesIO(changed_pixels(signed_png)), "image/png")
    assert changed["status"] == "found"
    assert changed["validation_state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in [p["code"] for p in changed["problems"]]

    assert read_credentials(io.BytesIO(make_png()), "image/png") == {"status": "none"}

    broken = read_credentials(io.BytesIO(broken_manifest(signed_png)), "image/png")
    assert broken["status"] == "unreadable"
    assert broken["reason"]

    garbage = read_credentials(io.BytesIO(b"not a png at all"), "image/png")
    assert garbage["status"] == "unreadable" and "could not be parsed" in garbage["reason"]
    assert read_credentials(io.BytesIO(b"x"), "text/html")["status"] == "unsupported"


def test_every_archived_image_has_its_credentials_recorded_in_the_manifest(
    site: Any, archive: Any, signed_png: bytes
) -> None:
    site.routes["/signed.png"] = respond(signed_png, content_type="image/png")
    site.routes["/plain.png"] = respond(make_png(), content_type="image/png")
    site.routes["/broken.png"] = respond(broken_manifest(signed_png), content_type="image/png")

    seen = {}
    for name in ("signed", "plain", "broken"):
        capture, _ = archive(site.url_for(f"/{name}.png"))
        assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
        step = capture.steps.get(name="credentials")
        assert step.status == StepStatus.SUCCEEDED, step.error_text
        files = {a.name: a for a in capture.artifacts.all()}
        record = files["content-credentials.json"]
        with open_artifact(files["manifest.json"]) as handle:
            listed = {a["name"]: a["sha256"] for a in json.load(handle)["artifacts"]}
        assert listed["content-credentials.json"] == record.sha256
        with open_artifact(record) as handle:
            stored = json.load(handle)
        assert stored["files"][0]["file"] == "image.png"
        assert stored["files"][0]["sha256"] == files["image.png"].sha256
        assert capture.consent.content_credentials == stored["files"]
        seen[name] = stored["files"][0]

    assert seen["signed"]["status"] == "found"
    assert seen["signed"]["not_allowed"] == ["cawg.ai_generative_training", "cawg.ai_training"]
    assert seen["plain"]["status"] == "none"
    assert seen["broken"]["status"] == "unreadable" and seen["broken"]["reason"]


def test_the_archived_copy_page_and_the_api_show_the_credentials(
    site: Any, archive: Any, signed_png: bytes, client: Any
) -> None:
    from app.catalog.choices import PublicationState
    from tests.factories import EvidenceFactory

    site.routes["/signed.png"] = respond(signed_png, content_type="image/png")
    capture, _ = archive(site.url_for("/signed.png"))
    EvidenceFactory(
        source_id=capture.source_id,
        state=PublicationState.PUBLISHED,
        claim__state=PublicationState.PUBLISHED,
    )

    page = client.get(f"/sources/{capture.source_id}/").content.decode()
    assert (
        "image.png carries content credentials (C2PA) made with TrainedOn tests 1, signed by "
        f"{SIGNER_NAME}, {ISSUER_ORG}; the signature and hashes are valid (the signer is not "
        "on a trust list we check)." in page
    )
    assert "cawg.ai_training: not allowed" in page
    assert "cawg.data_mining: constrained (ask rights@news.example)" in page

    data = client.get(f"/api/v1/sources/{capture.source_id}").json()
    credentials = data["captures"][0]["signals"]["content_credentials"]
    assert credentials[0]["not_allowed"] == ["cawg.ai_generative_training", "cawg.ai_training"]
    assert credentials[0]["validation_state"] == "Valid"


def test_an_archived_video_has_its_credentials_read(
    site: Any,
    archive: Any,
    clips: Clips,  # noqa: F811
) -> None:
    signed = sign(clips.mp4.read_bytes(), "video/mp4", training=TRAINING)
    site.routes["/signed.mp4"] = respond(signed, content_type="video/mp4")

    capture, _ = archive(site.url_for("/signed.mp4"), attempts=1)

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    (entry,) = capture.consent.content_credentials
    assert entry["file"] == "video.mp4" and entry["media_type"] == "video/mp4"
    assert entry["status"] == "found", entry
    assert entry["validation_state"] == "Valid"
    assert entry["not_allowed"] == ["cawg.ai_generative_training", "cawg.ai_training"]
