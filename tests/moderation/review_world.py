"""A pending claim as a moderator meets it: named models and content, tags, a summary,
three evidence items (archived with a stamped screenshot, failed, never archived),
a near-duplicate already published, and an author with a record."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from app.archive.models import ArtifactKind, CaptureStatus, ErrorClass
from app.archive.steps.browser import stamp
from app.archive.storage import store_artifact
from app.catalog.choices import PublicationState, Stance
from app.catalog.models import Claim, Evidence, Tag
from app.moderation.models import Decision
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EntityFactory,
    EvidenceFactory,
    ModelEntityFactory,
    SourceFactory,
)


def screenshot_png(url: str) -> bytes:
    """A small page-like image, stamped as the capture pipeline stamps it."""
    page = Image.new("RGB", (800, 600), (250, 250, 250))
    for y in range(60, 560, 40):
        page.paste((60, 70, 90), (40, y, 40 + 600 - (y % 160), y + 12))
    raw = io.BytesIO()
    page.save(raw, format="PNG")
    return stamp(raw.getvalue(), url, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@dataclass
class ReviewWorld:
    claim: Claim
    archived: Evidence
    failed: Evidence
    unarchived: Evidence
    duplicate: Claim


def build(author: Any) -> ReviewWorld:
    model = ModelEntityFactory(name="Vidgen 2")
    content = EntityFactory(name="Speedrun archive")
    claim = ClaimFactory(
        state=PublicationState.PENDING,
        published_at=None,
        created_by=author,
        language="en",
        statement="Vidgen 2 was trained on the Speedrun archive videos.",
        summary="The **developer's** paper lists the archive among its sources.",
    )
    claim.models_named.add(model)
    claim.content_named.add(content)
    claim.tags.add(Tag.objects.create(name="video", slug="video"))

    ok_source = SourceFactory(
        title="Vidgen 2 technical report", url="https://papers.example/vidgen2"
    )
    capture = CaptureFactory(source=ok_source, status=CaptureStatus.SUCCEEDED)
    store_artifact(
        capture=capture,
        kind=ArtifactKind.SCREENSHOT,
        name="screenshot.png",
        data=screenshot_png(ok_source.url),
        media_type="image/png",
    )
    archived = EvidenceFactory(
        claim=claim, source=ok_source, added_by=author, state=PublicationState.PENDING,
        published_at=None, quote="Training data: the Speedrun archive (2019-2024).",
    )  # fmt: skip
    gone_source = SourceFactory(title="", url="https://gone.example/post")
    CaptureFactory(
        source=gone_source,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.NOT_FOUND,
        error_text="HTTP 404 from https://gone.example/post",
    )
    failed = EvidenceFactory(
        claim=claim, source=gone_source, added_by=author, stance=Stance.CONTEXT,
        state=PublicationState.PENDING, published_at=None,
    )  # fmt: skip
    unarchived = EvidenceFactory(
        claim=claim, source=SourceFactory(title="Forum thread"), added_by=author,
        stance=Stance.CONTRADICTS, state=PublicationState.PENDING, published_at=None,
    )  # fmt: skip
    duplicate = ClaimFactory(statement="Vidgen 2 learned from speedrun videos.")
    duplicate.models_named.add(model)
    duplicate.content_named.add(content)
    # The author's record: two published claims, one rejected, sent back once.
    ClaimFactory.create_batch(2, created_by=author)
    ClaimFactory(created_by=author, state=PublicationState.REJECTED, published_at=None)
    Decision.objects.create(item_kind="claim", item_id=0, item_label="An earlier claim",
                            author=author, outcome="changes", reason_text="Quote it.")  # fmt: skip
    return ReviewWorld(claim, archived, failed, unarchived, duplicate)
