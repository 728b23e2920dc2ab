"""The media step: the video of a source, with yt-dlp, probed and summarized.

Runs when the fetched content is a video or an HLS playlist, or an HTML page
with a ``<video>`` element or an ``og:video`` tag (such a page keeps its page
artifacts too). Stores ``video.<ext>`` (probe results in its metadata),
``video.info.json`` (yt-dlp's metadata without secrets), subtitles when the
page offers them, ``thumbnail.jpg``, ``contact-sheet.jpg``, and a frame at
the start, middle and end of every time range that evidence cites in this
source (``frame-e<evidence>-<seconds>.png``, see app.archive.frames).

Everything yt-dlp downloads lands in a temporary folder that is deleted
whatever happens, so a stopped download leaves nothing behind; the reason
is the step's error text. See app.archive.media for the limits.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

from app.archive.media import (
    Download,
    MediaFailure,
    MediaLimits,
    Probe,
    contact_sheet,
    download_media,
    ffmpeg_exe,
    info_json,
    probe_media,
    thumbnail,
    ytdlp_version,
)
from app.archive.models import Artifact, ArtifactKind
from app.archive.steps.base import CaptureContext, Step, StepFailed, StepOutcome
from app.archive.steps.extract import fill_source
from app.lib.timecodes import format_timecode

HLS_TYPES = frozenset(
    {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"}
)
# Servers often label media as a generic type; then the address decides.
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", "text/plain"})
MEDIA_SUFFIXES = (".m3u8", ".mp4", ".m4v", ".webm", ".mov", ".mkv")
VIDEO_TAG = re.compile(r"<video\b", re.IGNORECASE)
OG_VIDEO = re.compile(
    r"<meta\b[^>]*\b(?:property|name)\s*=\s*[\"']?og:video(?::url|:secure_url)?[\"'\s>]",
    re.IGNORECASE,
)
# Only the head of a page is searched for the markers (a hostile page can be huge).
SCAN_CHARS = 2_000_000


def media_kind(ctx: CaptureContext) -> str:
    """``file``, ``hls``, ``page`` (HTML showing a video) or '' (nothing for this step)."""
    result = ctx.fetch
    if result is None:
        return ""
    media_type = ctx.media_type
    if media_type in HLS_TYPES:
        return "hls"
    if media_type.startswith("video/"):
        return "file"
    if media_type in GENERIC_TYPES and result.url.split("?")[0].lower().endswith(MEDIA_SUFFIXES):
        return "hls" if ".m3u8" in result.url.lower() else "file"
    if ctx.is_html:
        head = result.text()[:SCAN_CHARS]
        if VIDEO_TAG.search(head) or OG_VIDEO.search(head):
            return "page"
    return ""


def should_run(ctx: CaptureContext) -> bool:
    return bool(media_kind(ctx))


def _store_video(ctx: CaptureContext, got: Download, probe: Probe) -> Artifact:
    metadata: dict[str, Any] = {
        **probe.as_metadata(),
        "extractor": got.extractor,
        "format_id": got.format_id,
        "live": got.live,
        "partial_reason": got.partial_reason,
    }
    return ctx.store(
        kind=ArtifactKind.VIDEO,
        name="video" + got.path.suffix.lower(),
        path=str(got.path),
        media_type=got.media_type,
        derived_from=ctx.artifacts.get("page.warc.gz"),
        how=f"yt-dlp {ytdlp_version()} ({got.extractor or 'generic'} extractor, "
        f"format {got.format_id or '?'}), through the egress proxy",
        partial=got.partial,
        metadata=metadata,
    )


def _store_companions(ctx: CaptureContext, got: Download, video: Artifact, probe: Probe) -> None:
    import av

    how = f"yt-dlp {ytdlp_version()}"
    ctx.store(
        kind=ArtifactKind.INFO_JSON,
        name="video.info.json",
        data=info_json(got.info),
        media_type="application/json",
        derived_from=video,
        how=how + "; request headers, cookies and media-address queries removed",
    )
    for lang, path in got.subtitles:
        ctx.store(
            kind=ArtifactKind.SUBTITLES,
            name=f"video.{lang}{path.suffix.lower()}",
            path=str(path),
            media_type="text/vtt" if path.suffix.lower() == ".vtt" else "text/plain",
            derived_from=video,
            how=how,
        )
    frames_how = f"PyAV {av.__version__} + Pillow"
    ctx.store(
        kind=ArtifactKind.THUMBNAIL,
        name="thumbnail.jpg",
        data=thumbnail(got.path, probe.duration),
        media_type="image/jpeg",
        derived_from=video,
        how=frames_how + ", the frame at a tenth of the video",
    )
    ctx.store(
        kind=ArtifactKind.CONTACT_SHEET,
        name="contact-sheet.jpg",
        data=contact_sheet(got.path, probe.duration, format_timecode),
        media_type="image/jpeg",
        derived_from=video,
        how=frames_how + ", 12 evenly spaced frames",
    )


def _check_duration(got: Download, probe: Probe, limits: MediaLimits) -> None:
    if not got.live and probe.duration > limits.max_seconds:
        raise MediaFailure(
            "too_large",
            f"the video lasts {probe.duration:.0f} s, over the cap of {limits.max_seconds:.0f} s "
            "(ARCHIVE_MEDIA_MAX_SECONDS); it was not kept",
        )


def run(ctx: CaptureContext) -> StepOutcome:
    from app.archive.frames import frames_for_capture

    assert ctx.fetch is not None
    limits = MediaLimits.from_settings()
    kind = media_kind(ctx)
    with tempfile.TemporaryDirectory(prefix="trainedon-video-work-") as workdir:
        try:
            got = download_media(ctx.fetch.url, workdir=Path(workdir), limits=limits)
            probe = probe_media(got.path)
            _check_duration(got, probe, limits)
            video = _store_video(ctx, got, probe)
            _store_companions(ctx, got, video, probe)
            framed = frames_for_capture(ctx=ctx, video=video, path=got.path, probe=probe)
        except MediaFailure as exc:
            raise StepFailed(exc.error_class, exc.message) from exc
    if got.info.get("title"):
        fill_source(ctx.capture.source_id, {"title": str(got.info["title"])[:500]})
    ctx.tool_versions.update({"yt-dlp": ytdlp_version(), "ffmpeg": _ffmpeg_version()})
    return StepOutcome(
        details={
            "kind": kind,
            **probe.as_metadata(),
            "bytes": video.size,
            "seconds": got.seconds,
            "proxy_requests": got.proxy_requests,
            "partial_reason": got.partial_reason,
            "subtitles": [lang for lang, _ in got.subtitles],
            "evidence_frames": framed,
            "warnings": got.warnings,
        },
        tool_version=ytdlp_version(),
    )


def _ffmpeg_version() -> str:
    import imageio_ffmpeg

    return f"{imageio_ffmpeg.get_ffmpeg_version()} ({Path(ffmpeg_exe()).name})"


def time_limit() -> float:
    # A backstop: the download bounds itself; frames and the contact sheet need a little more.
    return float(settings.ARCHIVE_MEDIA_TIME_LIMIT) + float(settings.ARCHIVE_STEP_TIME_LIMIT)


STEP = Step(
    name="media",
    run=run,
    should_run=should_run,
    tool="yt-dlp + ffmpeg + PyAV",
    version=ytdlp_version,
    time_limit=time_limit,
)
