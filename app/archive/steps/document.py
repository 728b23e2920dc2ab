"""The document step: anything that is not an HTML page, stored as itself.

- PDF: ``document.pdf`` plus its text (pypdf) as ``text.txt``; the PDF's
  title and author go onto the source where it has none.
- Image: ``image.<ext>``.
- Plain text: ``text.txt``.
- Anything else: the WARC already holds the bytes; the step fails with
  ``unsupported`` so the capture reads "partly archived".

A later ``media`` step (video) should run before this one and take video
and audio types out of ``should_run`` here.
"""

from __future__ import annotations

import io
import mimetypes
from importlib.metadata import version
from typing import Any

from django.conf import settings

from app.archive.models import ArtifactKind, ErrorClass
from app.archive.steps.base import CaptureContext, StepFailed, StepOutcome
from app.archive.steps.extract import fill_source
from app.lib.text import text_sha256

IMAGE_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/svg+xml": ".svg",
}
TEXT_TYPES = ("text/plain", "text/markdown", "text/csv")
# A PDF with more pages than this has its text cut there (the file is kept whole).
MAX_PDF_PAGES = 2000


def should_run(ctx: CaptureContext) -> bool:
    from app.archive.steps.media import media_kind  # video and HLS belong to the media step

    return ctx.fetch is not None and not ctx.is_html and not media_kind(ctx)


def pdf_text(data: bytes) -> tuple[str, dict[str, str], int]:
    """(text, {title, author}, pages) of a PDF; pages past ``MAX_PDF_PAGES`` are left out."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = []
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES:
            break
        try:
            parts.append(page.extract_text() or "")
        except Exception as exc:  # one broken page must not lose the rest
            parts.append(f"[page {number + 1}: text not extractable: {type(exc).__name__}]")
    info: Any = reader.metadata or {}
    meta = {"title": str(info.get("/Title") or ""), "author": str(info.get("/Author") or "")}
    return "\n\n".join(parts).strip(), meta, len(reader.pages)


def _pdf(ctx: CaptureContext, body: bytes) -> StepOutcome:
    document = ctx.store(
        kind=ArtifactKind.DOCUMENT,
        name="document.pdf",
        data=body,
        media_type="application/pdf",
        derived_from=ctx.artifacts.get("page.warc.gz"),
        how="response body, stored as received",
    )
    pypdf_version = version("pypdf")
    try:
        text, meta, pages = pdf_text(body)
    except Exception as exc:
        raise StepFailed(
            ErrorClass.UNSUPPORTED, f"the PDF is stored but unreadable: {exc}"
        ) from exc
    ctx.store(
        kind=ArtifactKind.TEXT,
        name="text.txt",
        data=text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        derived_from=document,
        how=f"pypdf {pypdf_version}",
    )
    ctx.capture.text_sha256 = text_sha256(text) if text else ""
    ctx.save_capture("text_sha256")
    fill_source(
        ctx.capture.source_id, {"title": meta["title"][:500], "author": meta["author"][:300]}
    )
    ctx.tool_versions["pypdf"] = pypdf_version
    return StepOutcome(
        details={"pages": pages, "characters": len(text)}, tool_version=pypdf_version
    )


def run(ctx: CaptureContext) -> StepOutcome:
    assert ctx.fetch is not None
    body, media_type = ctx.fetch.body, ctx.media_type
    if media_type == "application/pdf" or (
        media_type == "application/octet-stream" and body.startswith(b"%PDF-")
    ):
        return _pdf(ctx, body)
    if media_type in IMAGE_TYPES:
        ctx.store(
            kind=ArtifactKind.IMAGE,
            name="image" + IMAGE_TYPES[media_type],
            data=body,
            media_type=media_type,
            derived_from=ctx.artifacts.get("page.warc.gz"),
            how="response body, stored as received",
        )
        return StepOutcome(details={"bytes": len(body), "media_type": media_type})
    if media_type in TEXT_TYPES:
        text = ctx.fetch.text()
        ctx.store(
            kind=ArtifactKind.TEXT,
            name="text.txt",
            data=text.encode("utf-8"),
            media_type="text/plain; charset=utf-8",
            derived_from=ctx.artifacts.get("page.warc.gz"),
            how=f"response body decoded as {ctx.fetch.charset}",
        )
        ctx.capture.text_sha256 = text_sha256(text) if text.strip() else ""
        ctx.save_capture("text_sha256")
        return StepOutcome(details={"characters": len(text)})
    extension = mimetypes.guess_extension(media_type) or ""
    raise StepFailed(
        ErrorClass.UNSUPPORTED,
        f"{media_type}{f' ({extension})' if extension else ''} is kept in the WARC only",
    )


def time_limit() -> float:
    return float(settings.ARCHIVE_STEP_TIME_LIMIT)
