"""The browser step: a full-page screenshot and an A4 PDF of an HTML page.

Runs Chromium through ``app.archive.browser`` (egress proxy, no service
workers, no WebSockets, killed at its time limit). The screenshot gets a
band on top with the address and the UTC capture time, written with
Pillow. Plain-HTTP subresources the browser fetched through the proxy are
written to ``subresources.warc.gz`` (response records; HTTPS goes through
opaque tunnels and cannot be recorded). Skipped, with the reason, when the
browser step is turned off or no browser is installed.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from PIL import Image, ImageDraw

from app.archive.browser import (
    BrowserProvider,
    BrowserSession,
    BrowserTimeout,
    BrowserUnavailable,
    Rendering,
)
from app.archive.models import ArtifactKind, ErrorClass
from app.archive.steps.base import CaptureContext, StepFailed, StepOutcome, StepSkipped
from app.archive.steps.fetch import software_versions
from app.archive.warc import CaptureWarc
from app.lib.fonts import font as pick_font

BAND_HEIGHT = 44
BAND_COLOUR = (20, 24, 31)
TEXT_COLOUR = (255, 255, 255)


def should_run(ctx: CaptureContext) -> bool:
    return ctx.fetch is not None and ctx.is_html


def stamp(png: bytes, url: str, moment: datetime) -> bytes:
    """The screenshot with a band on top naming the address and the UTC time."""
    with Image.open(io.BytesIO(png)) as shot:
        shot.load()
        width = max(shot.width, 600)
        out = Image.new("RGB", (width, shot.height + BAND_HEIGHT), BAND_COLOUR)
        out.paste(shot.convert("RGB"), (0, BAND_HEIGHT))
    draw = ImageDraw.Draw(out)
    font = pick_font(15)
    when = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    label = f"Archived by TrainedOn · {when} · "
    room = width - 20 - draw.textlength(label, font=font)
    shown = url
    while shown and draw.textlength(shown, font=font) > room:
        shown = shown[: max(len(shown) - 8, 0)]
    if shown != url:
        shown = shown[:-1] + "…"
    draw.text((10, 13), label + shown, fill=TEXT_COLOUR, font=font)
    buffer = io.BytesIO()
    # Level 3 of 9: measured twice as fast as the default for a few percent in size.
    out.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def _provider(ctx: CaptureContext) -> BrowserProvider:
    if not settings.ARCHIVE_BROWSER_STEP:
        raise StepSkipped("the browser step is turned off (ARCHIVE_BROWSER_STEP=0)")
    executable = settings.ARCHIVE_BROWSER
    if not executable or not os.path.isfile(executable):
        raise StepSkipped(f"no browser installed at ARCHIVE_BROWSER={executable!r}")
    if ctx.browser is not None:
        return ctx.browser
    return BrowserProvider(executable, max_uses=1)


def _render(ctx: CaptureContext, session: BrowserSession) -> Rendering:
    assert ctx.fetch is not None
    result = ctx.fetch
    return session.render(
        url=result.url,
        status=result.status,
        headers=result.headers,
        body=result.body,
        timeout=float(settings.ARCHIVE_STEP_TIME_LIMIT),
    )


def _subresource_warc(ctx: CaptureContext, rendering: Rendering, chromium: str) -> bytes | None:
    if not rendering.responses:
        return None
    warc = CaptureWarc(
        "subresources.warc.gz",
        {**software_versions(), "Chromium": chromium},
        {
            "isPartOf": f"trainedon-capture-{ctx.capture.pk}",
            "description": "plain-HTTP subresources fetched by the browser through the proxy",
        },
    )
    for response in rendering.responses:
        warc.add_response(
            response.url, response.status, "", response.headers, response.body, date=response.at
        )
    return warc.getvalue()


def run(ctx: CaptureContext) -> StepOutcome:
    provider = _provider(ctx)
    try:
        session = provider.session()
    except BrowserUnavailable as exc:
        raise StepFailed(ErrorClass.INTERNAL, str(exc)) from exc
    moment = datetime.now(UTC)
    try:
        rendering = _render(ctx, session)
    except BrowserTimeout as exc:
        provider.discard(session)
        raise StepFailed(ErrorClass.TIMEOUT, str(exc)) from exc
    except Exception as exc:
        provider.discard(session)
        raise StepFailed(ErrorClass.INTERNAL, f"browser: {type(exc).__name__}: {exc}") from exc
    provider.release(session)
    chromium = session.version
    assert ctx.fetch is not None
    how = f"Chromium {chromium} via Playwright, egress proxy"
    html = ctx.artifacts.get("page.html")
    screenshot = stamp(rendering.png, ctx.fetch.url, moment)
    subresources = _subresource_warc(ctx, rendering, chromium)
    files: list[dict[str, Any]] = [
        {
            "kind": ArtifactKind.SCREENSHOT,
            "name": "screenshot.png",
            "data": screenshot,
            "media_type": "image/png",
            "derived_from": html,
            "how": how + ", full page, address and UTC time written on top",
            "partial": rendering.height_cut,
        },
        {
            "kind": ArtifactKind.PDF,
            "name": "page.pdf",
            "data": rendering.pdf,
            "media_type": "application/pdf",
            "derived_from": html,
            "how": how + ", A4",
        },
    ]
    if subresources is not None:
        files.append(
            {
                "kind": ArtifactKind.WARC,
                "name": "subresources.warc.gz",
                "data": subresources,
                "media_type": "application/warc",
                "how": f"egress proxy responses, Chromium {chromium}",
            }
        )
    ctx.store_many(*files)
    ctx.tool_versions["chromium"] = chromium
    return StepOutcome(
        details={
            "seconds": round(rendering.seconds, 3),
            "title": rendering.title[:300],
            "subresources": len(rendering.responses),
            "proxied": len(rendering.requests),
            "refused": [
                {"host": host, "port": port, "reason": reason}
                for host, port, reason in rendering.refused[:50]
            ],
            "height_cut": rendering.height_cut,
        },
        tool_version=chromium,
    )


def time_limit() -> float:
    # The browser bounds itself (watchdog kill); this is the outer backstop.
    return float(settings.ARCHIVE_STEP_TIME_LIMIT) + 30
