"""Archived video served with HTTP Range requests, so players can seek and honour ``#t=``.

Browsers treat a video served without ``Accept-Ranges``/206 as unseekable:
Chromium then ignores the media fragment (``video.mp4#t=12,20``) and always
starts at 0 (measured, tests/monitor/test_claim_video_browser.py). The
archive's generic download view does not do ranges; this one does, for
video artifacts only, with the same access rule and headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.views.decorators.http import require_GET

from app.archive.models import Artifact, ArtifactKind
from app.archive.storage import open_artifact
from app.catalog.access import access_artifact

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` byte of a single ``bytes=`` range; None to serve it all.

    Raises ``ValueError`` for a range that cannot be satisfied (416).
    """
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: the whole file is a valid answer
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text or int(last_text) == 0:
            raise ValueError("empty suffix range")
        return max(size - int(last_text), 0), size - 1
    first = int(first_text)
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or last < first:
        raise ValueError("range outside the file")
    return first, last


def _slice(handle: IO[bytes], first: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_response(
    request: HttpRequest, artifact: Artifact, content_type: str
) -> HttpResponseBase:
    """The artifact's bytes, whole or the one range asked for, streamed (never read whole).

    A range that cannot be satisfied is a 416 naming the size. The headers every
    archived file carries (nosniff, its SHA-256, immutable caching) are set here.
    """
    size = artifact.size
    try:
        wanted = parse_range(request.headers.get("Range", ""), size)
    except ValueError:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    first, last = wanted or (0, size - 1)
    response = StreamingHttpResponse(
        _slice(open_artifact(artifact), first, last - first + 1),
        status=206 if wanted else 200,
        content_type=content_type,
    )
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Artifact-SHA256"] = artifact.sha256
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def video(request: HttpRequest, artifact_id: int, name: str = "") -> HttpResponseBase:
    artifact = access_artifact(request.user, artifact_id)
    if artifact.kind != ArtifactKind.VIDEO or not artifact.media_type.startswith("video/"):
        raise Http404("Not an archived video.")
    response = ranged_response(request, artifact, artifact.media_type.split(";")[0])
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; media-src 'self'"
    return response
