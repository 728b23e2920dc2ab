"""A claim page with every kind of evidence card: archived with a stamped screenshot, a
time-coded video with its poster and frames, a failed capture, one still running."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from app.archive.models import ArtifactKind, CaptureStatus, ErrorClass
from app.archive.steps.browser import stamp
from app.archive.storage import store_artifact
from app.catalog.choices import EvidenceKind, SourceKind, Stance, Strength, Verdict
from app.catalog.models import Claim, Evidence, VerdictChange
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory


def page_png(title: str, width: int = 1280, height: int = 1600) -> bytes:
    """A page-like picture: a header, a headline and lines of text, then stamped."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 90), fill=(30, 41, 59))
    draw.text((40, 30), "Example News", fill=(255, 255, 255))
    draw.text((40, 140), title, fill=(17, 24, 39))
    for y in range(220, height - 40, 36):
        draw.rectangle((40, y, width - 40 - (y * 7) % 300, y + 14), fill=(203, 213, 225))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return stamp(buffer.getvalue(), "https://news.example/story", timezone.now())


def small_png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class ClaimWorld:
    claim: Claim
    archived: Evidence
    video: Evidence
    failed: Evidence
    running: Evidence
    video_artifact: Any


def archived_item(claim: Claim, stance: str, n: int, screenshot: bytes | None = None) -> Evidence:
    source = SourceFactory(publisher=f"Example News {n}", title=f"Story number {n}")
    capture = CaptureFactory(source=source, manifest_sha256="ab" * 32)
    store_artifact(
        capture=capture, kind=ArtifactKind.WARC, name="page.warc.gz", data=b"WARC %d" % n
    )
    store_artifact(
        capture=capture,
        kind=ArtifactKind.SCREENSHOT,
        name="screenshot.png",
        data=screenshot if screenshot is not None else small_png((200, 210, 225)),
        media_type="image/png",
    )
    return EvidenceFactory(
        claim=claim,
        source=source,
        stance=stance,
        kind=EvidenceKind.NEWS_REPORT,
        summary=f"Report {n}: the outputs show the game's toolbar and inventory.",
        quote="The clips reproduce the toolbar pixel for pixel." if n % 2 else "",
    )


def make_claim_world(extra: int = 0) -> ClaimWorld:
    """The claim ``vidgen-blockcraft-footage``; ``extra`` more archived items (all stances)."""
    claim = ClaimFactory(
        statement="Vidgen was trained on Blockcraft gameplay footage.",
        slug="vidgen-blockcraft-footage",
        verdict=Verdict.SUPPORTED,
        evidence_strength=Strength.MODERATE,
        summary="Several outputs reproduce **Blockcraft**'s interface.",
    )
    VerdictChange.objects.create(
        claim=claim, new_verdict=Verdict.SUPPORTED, note="Three independent reports agree."
    )
    archived = archived_item(claim, Stance.SUPPORTS, 0, page_png("Vidgen clips show Blockcraft"))

    source = SourceFactory(
        kind=SourceKind.VIDEO, publisher="VideoSite", title="Side-by-side comparison"
    )
    capture = CaptureFactory(source=source, manifest_sha256="cd" * 32)
    video_artifact = store_artifact(
        capture=capture,
        kind=ArtifactKind.VIDEO,
        name="video.mp4",
        data=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64,
        media_type="video/mp4",
    )
    store_artifact(
        capture=capture,
        kind=ArtifactKind.THUMBNAIL,
        name="thumbnail.png",
        data=small_png((40, 60, 90)),
        media_type="image/png",
    )
    video = EvidenceFactory(
        claim=claim,
        source=source,
        stance=Stance.SUPPORTS,
        kind=EvidenceKind.OUTPUT_COMPARISON,
        summary="A side-by-side video shows the same toolbar.",
        time_start=Decimal("12"),
        time_end=Decimal("20.5"),
    )
    for moment in (12.0, 16.25, 20.5):
        store_artifact(
            capture=capture,
            kind=ArtifactKind.FRAME,
            name=f"frame-{video.pk}-{moment}.png",
            data=small_png((60, 80, 120)),
            media_type="image/png",
            metadata={"evidence_id": video.pk, "time": moment},
        )

    gone = SourceFactory(publisher="Gone Blog", title="A deleted post")
    CaptureFactory(
        source=gone,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.NOT_FOUND,
        error_text="HTTP 404 from gone.example",
    )
    failed = EvidenceFactory(
        claim=claim,
        source=gone,
        stance=Stance.CONTEXT,
        summary="A blog post that discussed the clips.",
    )
    busy = SourceFactory(publisher="Slow Site", title="Still loading")
    CaptureFactory(source=busy, status=CaptureStatus.RUNNING)
    running = EvidenceFactory(
        claim=claim, source=busy, stance=Stance.CONTEXT, summary="A forum thread."
    )
    stances = [Stance.SUPPORTS, Stance.CONTEXT]
    for n in range(1, extra + 1):
        archived_item(claim, stances[n % 2], n)
    return ClaimWorld(claim, archived, video, failed, running, video_artifact)
