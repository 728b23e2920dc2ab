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
import struct
import zlib
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
BAND_MIN_WIDTH = 600
BAND_COLOUR = (20, 24, 31)
TEXT_COLOUR = (255, 255, 255)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ADLER_BASE = 65521
IDAT_SIZE = 1 << 16


def should_run(ctx: CaptureContext) -> bool:
    return ctx.fetch is not None and ctx.is_html


def stamp(png: bytes, url: str, moment: datetime) -> bytes:
    """The screenshot with a band on top naming the address and the UTC time.

    Lossless either way. Chromium's 8-bit RGB PNG is not decoded: the band's
    rows are compressed and put in front of Chromium's own deflate stream
    (``_splice``), which saved about 0.15 CPU-s a page (decoding 5 million
    pixels and compressing them again) for a file about a quarter larger.
    Anything else (RGBA, a page narrower than the band, another encoder's
    layout) is decoded and written again with Pillow; both give the same pixels.
    """
    spliced = _splice(png, url, moment)
    if spliced is not None:
        return spliced
    with Image.open(io.BytesIO(png)) as shot:
        shot.load()
        width = max(shot.width, BAND_MIN_WIDTH)
        out = Image.new("RGB", (width, shot.height + BAND_HEIGHT), BAND_COLOUR)
        out.paste(shot.convert("RGB"), (0, BAND_HEIGHT))
    out.paste(_band(width, url, moment), (0, 0))
    buffer = io.BytesIO()
    # Level 3 of 9: measured twice as fast as the default for a few percent in size.
    out.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def _band(width: int, url: str, moment: datetime) -> Image.Image:
    """The band: address and UTC time on a dark ground, its last row black (all zero
    bytes, which lets ``_splice`` put it before any PNG's first row unchanged)."""
    band = Image.new("RGB", (width, BAND_HEIGHT), BAND_COLOUR)
    draw = ImageDraw.Draw(band)
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
    draw.line([(0, BAND_HEIGHT - 1), (width - 1, BAND_HEIGHT - 1)], fill=(0, 0, 0))
    return band


def _chunks(png: bytes) -> list[tuple[bytes, bytes]] | None:
    """(type, data) of each chunk, or None unless a well-formed PNG ending in IEND."""
    if not png.startswith(PNG_SIGNATURE):
        return None
    found: list[tuple[bytes, bytes]] = []
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        data = png[at + 8 : at + 8 + length]
        if len(data) != length:
            return None
        found.append((kind, data))
        at += 12 + length
        if kind == b"IEND":
            return found if at == len(png) else None
    return None


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))
    )


def _adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of A+B from those of A and B and B's length (zlib's adler32_combine)."""
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % ADLER_BASE
    b = (b1 + b2 + second_length * (a1 - 1)) % ADLER_BASE
    return (b << 16) | a


def _splice(png: bytes, url: str, moment: datetime) -> bytes | None:
    """The band's rows in front of an 8-bit RGB, non-interlaced PNG, without decoding it.

    A zlib stream's deflate blocks can follow other blocks that end on a byte
    boundary (a sync flush); back-references stay inside the original's own
    data, so its bytes decode as before, and the checksum of the whole is
    combined from the two. The original's first row is unfiltered against
    the row above it, taken as zeros: the band's last row is zeros (black).
    None when the PNG is of another kind (the caller decodes it instead).
    """
    chunks = _chunks(png)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return None
    width, height, depth, colour, method, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    if (depth, colour, method, filtering, interlace) != (8, 2, 0, 0, 0) or width < BAND_MIN_WIDTH:
        return None
    before: list[bytes] = []
    stream: list[bytes] = []
    for kind, data in chunks[1:-1]:
        if kind == b"IDAT":
            stream.append(data)
        elif stream or not kind[3:4].islower():
            return None  # a chunk after the image data, or one unsafe to copy
        else:
            before.append(_chunk(kind, data))
    original = b"".join(stream)
    if len(original) < 6 or original[0] & 0x0F != 8 or original[1] & 0x20:
        return None  # not deflate, or a preset dictionary
    if (original[0] << 8 | original[1]) % 31:
        return None
    rows = _band(width, url, moment).tobytes()
    stride = width * 3
    raw = b"".join(b"\x00" + rows[i : i + stride] for i in range(0, len(rows), stride))
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    head = compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH)
    (tail_adler,) = struct.unpack(">I", original[-4:])
    tail_length = height * (stride + 1)
    adler = _adler32_combine(zlib.adler32(raw), tail_adler, tail_length)
    data = original[:2] + head + original[2:-4] + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", width, height + BAND_HEIGHT, 8, 2, 0, 0, 0)
    parts = [PNG_SIGNATURE, _chunk(b"IHDR", header), *before]
    parts.extend(_chunk(b"IDAT", data[i : i + IDAT_SIZE]) for i in range(0, len(data), IDAT_SIZE))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


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
