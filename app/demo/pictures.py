"""Pictures for the demo: page screenshots and a short clip, made offline and deterministically.

The screenshots are drawn with Pillow from the shipped page's own title and text,
then stamped by the archive's real `stamp()` (the band with the address and the
UTC time), so they look like the browser step's output without needing Chromium:
`make run` must work on a machine with only Python, and the same bytes come out
on every run (the demo is idempotent and its hashes stable).

The clip is a 6-second H.264 video of a blocky, game-like landscape with an
inventory bar (frames drawn with Pillow, encoded by imageio-ffmpeg's ffmpeg).
It stands in for a generated test output; the demo says so.
"""

from __future__ import annotations

import io
import subprocess
import textwrap
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.archive.steps.browser import stamp
from app.lib.fonts import font as pick_font

WIDTH = 1280
CLIP_SIZE = (640, 360)
CLIP_FPS = 25
CLIP_SECONDS = 6


def page_screenshot(
    *, url: str, moment: datetime, site: str, title: str, byline: str, paragraphs: list[str]
) -> bytes:
    """A full-page screenshot of a plain article page, stamped as the browser step does."""
    body = pick_font(19)
    heading = pick_font(34)
    small = pick_font(15)
    lines: list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont, tuple[int, int, int], int]]
    lines = [(row, heading, (17, 24, 39), 44) for row in textwrap.wrap(title, 58)]
    lines.append((byline, small, (90, 98, 110), 40))
    for paragraph in paragraphs:
        lines += [(row, body, (31, 41, 55), 30) for row in textwrap.wrap(paragraph, 100)]
        lines.append(("", body, (0, 0, 0), 16))
    height = 150 + sum(step for *_rest, step in lines) + 80
    page = Image.new("RGB", (WIDTH, height), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, WIDTH, 64), fill=(30, 58, 95))
    draw.text((40, 20), site, fill=(255, 255, 255), font=pick_font(22))
    y = 110
    for text, font, colour, step in lines:
        draw.text((160, y), text, fill=colour, font=font)
        y += step
    draw.line((160, height - 60, WIDTH - 160, height - 60), fill=(220, 223, 228), width=1)
    draw.text((160, height - 45), f"{site} · demonstration content", fill=(120, 120, 120),
              font=small)  # fmt: skip
    buffer = io.BytesIO()
    page.save(buffer, format="PNG", compress_level=3)
    return stamp(buffer.getvalue(), url, moment)


def _clip_frame(n: int) -> Image.Image:
    """Frame ``n``: sky, blocky hills scrolling left, and from 2 s an inventory bar."""
    width, height = CLIP_SIZE
    frame = Image.new("RGB", CLIP_SIZE, (135, 190, 235))
    draw = ImageDraw.Draw(frame)
    block = 20
    shift = n * 2
    for column in range(-1, width // block + 2):
        x = column * block - shift % block
        world = column + shift // block
        ground = 11 + (world * 7 % 5) - (world * 3 % 4)
        for row in range(ground, height // block + 1):
            colour = (95, 159, 53) if row == ground else (134, 96, 67)
            if row > ground + 3:
                colour = (125, 125, 125)
            draw.rectangle((x, row * block, x + block - 1, row * block + block - 1), fill=colour)
    seconds = n / CLIP_FPS
    if seconds >= 2:  # the game-like interface appears at 00:02
        left = (width - 9 * 36) // 2
        for slot in range(9):
            x = left + slot * 36
            draw.rectangle((x, height - 44, x + 34, height - 10), outline=(40, 40, 40),
                           fill=(198, 198, 198), width=2)  # fmt: skip
        for heart in range(10):
            x = left + heart * 16
            draw.rectangle((x, height - 62, x + 11, height - 51), fill=(200, 30, 30))
    draw.text((10, 8), f"demo clip · {seconds:05.2f} s", fill=(20, 20, 20),
              font=pick_font(14))  # fmt: skip
    return frame


def make_clip(path: Path) -> float:
    """Write the demo clip (H.264 in MP4) to ``path``; returns its duration in seconds."""
    import imageio_ffmpeg

    width, height = CLIP_SIZE
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(CLIP_FPS),
        "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-threads", "1", "-g", "50", "-movflags", "+faststart", "-fflags", "+bitexact",
        "-flags:v", "+bitexact", "-map_metadata", "-1", str(path),
    ]  # fmt: skip
    with subprocess.Popen(command, stdin=subprocess.PIPE) as encoder:  # one frame at a time
        assert encoder.stdin is not None
        for n in range(CLIP_FPS * CLIP_SECONDS):
            encoder.stdin.write(_clip_frame(n).tobytes())
        encoder.stdin.close()
        if encoder.wait(timeout=120) != 0:
            raise RuntimeError(f"ffmpeg could not encode the demo clip ({encoder.returncode}).")
    return float(CLIP_SECONDS)


def poster(path: Path) -> bytes:
    """The clip's poster: its frame at 3 s, as PNG."""
    buffer = io.BytesIO()
    _clip_frame(3 * CLIP_FPS).save(buffer, format="PNG")
    return buffer.getvalue()
