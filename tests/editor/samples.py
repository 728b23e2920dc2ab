"""Real sample files for upload tests, made on the spot (Pillow, ffmpeg)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import imageio_ffmpeg
from PIL import Image


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (0, 90, 200)).save(buffer, format="PDF")
    return buffer.getvalue()


def video_bytes(directory: Path, suffix: str) -> bytes:
    out = directory / f"clip{suffix}"
    codec = ["-c:v", "libvpx"] if suffix == ".webm" else ["-pix_fmt", "yuv420p"]
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "0.5", *codec, str(out)],
        check=True, timeout=60,
    )  # fmt: skip
    return out.read_bytes()


HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Saved page</title></head><body><p>Kept.</p></body></html>"
)


def samples(directory: Path) -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, bytes, expected media type)."""
    return {
        "png": ("shot.png", image_bytes("PNG"), "image/png"),
        "jpeg": ("shot.jpg", image_bytes("JPEG"), "image/jpeg"),
        "webp": ("shot.webp", image_bytes("WEBP"), "image/webp"),
        "pdf": ("statement.pdf", pdf_bytes(), "application/pdf"),
        "html": ("page.html", HTML, "text/html"),
        "mp4": ("clip.mp4", video_bytes(directory, ".mp4"), "video/mp4"),
        "webm": ("clip.webm", video_bytes(directory, ".webm"), "video/webm"),
    }
