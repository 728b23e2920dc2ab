"""The archived-copy page in Debian's chromium at 390, 768 and 1366 px (issue 15):
screenshots in var/screenshots/, no serious or critical axe-core finding, nothing wider
than the screen (the files table with its 64-character hashes included), and the same
page readable with JavaScript off."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from app.archive.models import ArtifactKind, CaptureStatus, ErrorClass
from app.archive.storage import store_artifact
from app.catalog.choices import OnlineStatus, PublicationState
from tests.browser import check_page, chromium, no_js_page
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_URL = "https://news.example/2024/12/09/" + "sora-minecraft-" * 8 + "frames"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def png(width: int = 1280, height: int = 1800) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 90), fill="#0b4f8a")
    draw.text((24, 30), f"{LONG_URL}  captured 2024-12-09 10:00 UTC", fill="white")
    for row in range(12):
        top = 140 + row * 130
        draw.rectangle((60, top, width - 60, top + 90), outline="#999999", width=2)
        draw.text((80, top + 35), f"Paragraph {row + 1} of the archived article", fill="#222")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def archived_world() -> dict[str, Any]:
    checked = timezone.now() - timedelta(days=3)
    source = SourceFactory(
        url=LONG_URL,
        normalized_url=LONG_URL,
        title="Sora's output matches Minecraft frame for frame, a side-by-side analysis",
        publisher="News Example",
        online_status=OnlineStatus.CHANGED,
        last_checked_at=checked,
    )
    claim = ClaimFactory(statement="Sora was trained on Minecraft gameplay videos.")
    EvidenceFactory(source=source, claim=claim)
    other = ClaimFactory(statement="OpenAI used game footage to train its video model.")
    EvidenceFactory(source=source, claim=other, stance="context")
    draft = ClaimFactory(draft=True, statement="An unpublished draft that cites it.")
    EvidenceFactory(source=source, claim=draft, state=PublicationState.DRAFT, published_at=None)
    good = CaptureFactory(
        source=source, status=CaptureStatus.SUCCEEDED, attempts=1, manifest_sha256="a" * 64
    )
    good.created_at = timezone.now() - timedelta(days=5)
    good.save(update_fields=["created_at"])
    text = "Side-by-side frames of Sora output and Minecraft. " * 40
    for kind, name, data, media in (
        (ArtifactKind.WARC, "page.warc.gz", b"WARC stand-in" * 50, "application/warc"),
        (ArtifactKind.HTML, "page.html", b"<html><body>x</body></html>", "text/html"),
        (ArtifactKind.TEXT, "text.txt", text.encode(), "text/plain; charset=utf-8"),
        (ArtifactKind.METADATA, "metadata.json", b'{"title": "Sora", "language": "en"}',
         "application/json"),
        (ArtifactKind.SCREENSHOT, "screenshot-with-a-rather-long-file-name.png", png(),
         "image/png"),
    ):  # fmt: skip
        store_artifact(capture=good, kind=kind, name=name, data=data, media_type=media)
    CaptureFactory(
        source=source,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.TIMEOUT,
        error_text="ReadTimeout: read timed out after 30.0 s on " + LONG_URL,
    )
    failed = SourceFactory(
        url="https://gone.example/press-release",
        normalized_url="https://gone.example/press-release",
        title="A press release that is gone",
        online_status=OnlineStatus.ALIVE,  # stored, but never checked
    )
    EvidenceFactory(source=failed, claim=claim)
    CaptureFactory(
        source=failed,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.NOT_FOUND,
        error_text="HTTP 404 Not Found from https://gone.example/press-release",
    )
    return {"source": source, "failed": failed, "claim": claim, "draft": draft}


def test_the_archived_copy_page_at_three_widths(browser: Any, live_server: Any) -> None:
    world = archived_world()
    source, failed = world["source"], world["failed"]
    page = browser.new_page()
    url = live_server.url + source.get_absolute_url()
    check_page(page, url, "archived-copy")
    # What the reader sees first: one status, the way to the claims and the versions.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    summary = page.locator("[data-status-summary]")
    assert "Archived" in summary.inner_text() and "Changed since archived" in summary.inner_text()
    assert "Online" not in summary.inner_text().replace("online", "")
    assert page.locator("[data-versions]").is_visible()
    citing = page.locator("[data-citing]")
    assert citing.count() == 2
    assert world["draft"].statement not in page.content()
    # The failed later try: plain words first, the technical detail one click away.
    failed_try = page.locator('section.capture [data-capture-state="failed"]').first
    detail = failed_try.locator("details code")
    assert not detail.is_visible()
    failed_try.locator("summary").click()
    assert detail.is_visible() and "ReadTimeout" in detail.inner_text()
    # The files table fits: its hashes wrap instead of pushing the page sideways.
    table = page.locator("table.files").first
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator("[data-citing]").first.click()
    page.wait_for_url(re.compile(r"/claims/"))
    page.close()

    page = browser.new_page()
    check_page(page, live_server.url + failed.get_absolute_url(), "archived-copy-failed")
    text = page.locator("main").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "No archived copy"
    assert "Archiving failed" in text and "The page no longer exists at this address" in text
    assert "Not checked yet" in text and "Online" not in text.replace("online", "")
    assert "screenshot" not in text.lower()
    page.close()


def test_the_archived_copy_page_without_javascript(browser: Any, live_server: Any) -> None:
    world = archived_world()
    with no_js_page(browser) as page:
        check_page(page, live_server.url + world["source"].get_absolute_url(), "archived-copy-nojs")
        assert page.locator("img.screenshot").count() == 1
        assert page.locator("[data-citing]").count() == 2
        # <details> opens without a script.
        page.locator('section.capture [data-capture-state="failed"] summary').first.click()
        assert page.locator(
            'section.capture [data-capture-state="failed"] details code'
        ).first.is_visible()
