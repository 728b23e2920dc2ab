"""The fetch step: the address through the one safe client, into a WARC.

Records the redirect chain, final address, status and headers on the
capture (also when the fetch fails), and stores ``page.warc.gz`` (warcinfo,
then request and response records for every hop) and, for HTML,
``page.html`` (the decoded body as received). An error status, a login wall,
a CAPTCHA or a rate-limit page stores nothing: it is recorded as a failure
with its class, never as the content.
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from typing import Any

from django.conf import settings

from app.archive.detect import detect_wall
from app.archive.models import ArtifactKind, ErrorClass
from app.archive.steps.base import CaptureContext, StepFailed, StepOutcome
from app.archive.warc import CaptureWarc
from app.lib.http import FetchError, FetchResult, Hop, classify_status, fetch

WARC_NAME = "page.warc.gz"
HTML_NAME = "page.html"
# Headers worth keeping on the capture row (the WARC keeps them all).
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-language",
    "last-modified",
    "etag",
    "date",
    "server",
    "retry-after",
    "location",
    "x-robots-tag",
    "link",
)


def software_versions() -> dict[str, str]:
    return {
        "TrainedOn": _version("trainedon", "0.1.0"),
        "warcio": _version("warcio"),
        "httpx": _version("httpx"),
    }


@functools.lru_cache(maxsize=32)
def _version(package: str, default: str = "unknown") -> str:
    try:
        return version(package)
    except Exception:
        return default


def _kept_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in KEPT_HEADERS:
            kept[lower] = (kept[lower] + ", " + value) if lower in kept else value
    return {key: value[:1000] for key, value in kept.items()}


def _chain(redirects: list[Hop]) -> list[dict[str, Any]]:
    return [
        {"url": h.url, "status": h.status, "location": h.redirect_to or h.location, "ip": h.ip}
        for h in redirects
    ]


def _record_failure(ctx: CaptureContext, exc: FetchError) -> None:
    hops: list[Hop] = [h for h in exc.hops if isinstance(h, Hop)]
    capture = ctx.capture
    capture.redirect_chain = _chain(hops)  # every hop received was a redirect
    capture.final_url = (exc.url or "")[:2000]
    ctx.save_capture("redirect_chain", "final_url")


def _record_response(ctx: CaptureContext, result: FetchResult) -> None:
    capture = ctx.capture
    capture.final_url = result.url[:2000]
    capture.http_status = result.status
    capture.content_type = (result.header("content-type") or "")[:200]
    capture.redirect_chain = _chain(result.redirects)
    capture.response_headers = _kept_headers(result.headers)
    ctx.save_capture(
        "final_url", "http_status", "content_type", "redirect_chain", "response_headers"
    )


def _check_status(result: FetchResult) -> None:
    error_class, retry_after = classify_status(result.status, result.headers)
    if error_class is None:
        return
    if result.status in (401, 407):
        error_class = ErrorClass.LOGIN_WALL
    elif result.status == 403 and result.content_type in ("text/html", "application/xhtml+xml"):
        wall = detect_wall(result.text(), url=result.url, headers=result.headers)
        if wall is not None:
            raise StepFailed(wall.error_class, f"HTTP 403: {wall.reason}")
    message = f"HTTP {result.status} {result.reason}".strip()
    if retry_after is not None:
        message += f" (Retry-After: {retry_after:g} s)"
    raise StepFailed(error_class, message, retry_after=retry_after)


def build_warc(result: FetchResult, capture_id: int) -> bytes:
    warc = CaptureWarc(
        WARC_NAME,
        software_versions(),
        {"isPartOf": f"trainedon-capture-{capture_id}", "description": result.requested_url},
    )
    for hop in result.hops:
        warc.add_hop(hop)
    return warc.getvalue()


def run(ctx: CaptureContext) -> StepOutcome:
    capture = ctx.capture
    try:
        result = fetch(capture.requested_url, media_peek=True)
    except FetchError as exc:
        _record_failure(ctx, exc)
        retry_after = getattr(exc, "retry_after", None)
        raise StepFailed(exc.error_class, str(exc), retry_after=retry_after) from exc
    _record_response(ctx, result)
    _check_status(result)
    ctx.fetch = result
    ctx.media_type = result.content_type or "application/octet-stream"
    if ctx.is_html:
        wall = detect_wall(result.text(), url=result.url, headers=result.headers)
        if wall is not None:
            raise StepFailed(wall.error_class, wall.reason)
    data = build_warc(result, capture.pk)
    files: list[dict[str, Any]] = [
        {
            "kind": ArtifactKind.WARC,
            "name": WARC_NAME,
            "data": data,
            "media_type": "application/warc",
            "how": f"warcio {_version('warcio')}, request and response records for every hop",
        }
    ]
    if ctx.is_html:
        files.append(
            {
                "kind": ArtifactKind.HTML,
                "name": HTML_NAME,
                "data": result.body,
                "media_type": f"text/html; charset={result.charset}",
                "derived_from": WARC_NAME,
                "how": "final response body, content coding removed",
            }
        )
    ctx.store_many(*files)  # both files written, then both rows in one short lock
    ctx.tool_versions.update(software_versions())
    return StepOutcome(
        details={
            "hops": len(result.hops),
            "ip": result.ip,
            "bytes": len(result.body),
            "seconds": round(result.elapsed, 3),
            "charset": result.charset if ctx.is_html else None,
        },
        tool_version=_version("httpx"),
    )


def time_limit() -> float:
    return float(settings.ARCHIVE_TOTAL_TIMEOUT) + 30
