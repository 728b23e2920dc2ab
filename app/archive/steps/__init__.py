"""The capture steps, in the order they run.

To add a step (say ``media``, for video with yt-dlp), write a module with
``run(ctx)`` and ``should_run(ctx)`` (see ``base.py``) and insert a ``Step``
into ``STEPS`` with ``register(step, before="document")``. The pipeline
records it as a ``CaptureStep`` row like the others; nothing else changes.
"""

from __future__ import annotations

import functools
from importlib.metadata import version

from django.conf import settings
from django.utils import timezone

from app.archive.manifest import put_manifest, record_manifest
from app.archive.steps import browser, document, extract, fetch
from app.archive.steps.base import CaptureContext, Step, StepOutcome


def _always(ctx: CaptureContext) -> bool:
    return True


def _fetched_html(ctx: CaptureContext) -> bool:
    return ctx.fetch is not None and ctx.is_html


@functools.lru_cache(maxsize=32)
def _package(name: str) -> str:
    try:
        return version(name)
    except Exception:
        return ""


def _manifest(ctx: CaptureContext) -> StepOutcome:
    capture = ctx.capture
    # Fixed before hashing: the manifest names the moment the content was taken.
    capture.finished_at = timezone.now()
    capture.tool_versions = {**capture.tool_versions, **ctx.tool_versions}
    ctx.save_capture("finished_at", "tool_versions")
    stored = put_manifest(capture)  # built, hashed and written with no lock held
    with ctx.locked():
        artifact = record_manifest(capture, stored)
    ctx.artifacts[artifact.name] = artifact
    return StepOutcome(details={"sha256": artifact.sha256, "artifacts": len(ctx.artifacts)})


def _step_limit() -> float:
    return float(settings.ARCHIVE_STEP_TIME_LIMIT)


STEPS: list[Step] = [
    Step(
        name="fetch",
        run=fetch.run,
        should_run=_always,
        tool="httpx + warcio",
        version=lambda: _package("httpx"),
        time_limit=fetch.time_limit,
        required=True,
    ),
    Step(
        name="extract",
        run=extract.run,
        should_run=_fetched_html,
        tool="trafilatura",
        version=lambda: _package("trafilatura"),
        time_limit=extract.time_limit,
    ),
    Step(
        name="browser",
        run=browser.run,
        should_run=browser.should_run,
        tool="chromium + playwright",
        version=lambda: _package("playwright"),
        time_limit=browser.time_limit,
    ),
    Step(
        name="document",
        run=document.run,
        should_run=document.should_run,
        tool="pypdf",
        version=lambda: _package("pypdf"),
        time_limit=document.time_limit,
    ),
    # Last, by the pipeline's own rule: it hashes everything the others stored.
    Step(
        name="manifest",
        run=_manifest,
        should_run=lambda ctx: ctx.fatal is None,
        tool="trainedon manifest",
        version=lambda: _package("trainedon") or "1",
        time_limit=_step_limit,
    ),
]


def register(step: Step, *, before: str = "manifest") -> None:
    """Insert ``step`` before the named one (by default, just before the manifest)."""
    names = [s.name for s in STEPS]
    if step.name in names:
        raise ValueError(f"a step named {step.name!r} is already registered")
    STEPS.insert(names.index(before), step)


# Video (issue 4): after the page steps, before document (see app.archive.steps.media).
from app.archive.steps.media import STEP as _MEDIA  # noqa: E402

register(_MEDIA, before="document")

# Consent signals (issue 14): right after the fetch, whatever the content.
from app.archive.steps.consent import STEP as _SIGNALS  # noqa: E402

register(_SIGNALS, before="extract")

# Content credentials (issue 14): after the document and media steps stored the files.
from app.archive.steps.credentials import STEP as _CREDENTIALS  # noqa: E402

register(_CREDENTIALS, before="manifest")

# WACZ (issue 14): the WARCs packaged for other archives, listed in the manifest.
from app.archive.steps.wacz import STEP as _WACZ  # noqa: E402

register(_WACZ, before="manifest")
