"""The screenshot's stamp band: spliced in front of Chromium's PNG stream, or drawn with Pillow."""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import UTC, datetime
from unittest import mock

import pytest
from PIL import Image

from app.archive.steps import browser as step

MOMENT = datetime(2026, 12, 7, 12, 30, 5, tzinfo=UTC)
URL = "https://news.example/2026/12/07/what-the-model-was-trained-on?ref=front"


def up_filtered_png(width: int, height: int, seed: int = 3) -> tuple[bytes, bytes]:
    """An 8-bit RGB PNG laid out as Chromium writes it (every row filtered 'Up', the first
    one against zeros), with repeating runs so the stream uses back-references; and its
    pixels."""
    rng = random.Random(seed)
    stride = width * 3
    pixels = bytearray()
    for y in range(height):
        run = bytes(rng.randrange(256) for _ in range(48))
        row = (run * (stride // len(run) + 1))[:stride]
        if y % 7 == 0:
            row = bytes(rng.randrange(256) for _ in range(stride))
        pixels += row
    raw = bytearray()
    previous = bytes(stride)
    for y in range(height):
        row = pixels[y * stride : (y + 1) * stride]
        raw += b"\x02" + bytes((a - b) % 256 for a, b in zip(row, previous, strict=True))
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(bytes(raw), 1)
    png = step.PNG_SIGNATURE + step._chunk(b"IHDR", header)
    png += step._chunk(b"IDAT", data[:1000]) + step._chunk(b"IDAT", data[1000:])
    return png + step._chunk(b"IEND", b""), bytes(pixels)


def pillow_stamp(png: bytes) -> bytes:
    with mock.patch.object(step, "_splice", return_value=None):
        return step.stamp(png, URL, MOMENT)


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_the_spliced_screenshot_has_the_same_pixels_as_pillows_and_a_valid_stream() -> None:
    png, pixels = up_filtered_png(640, 120)

    spliced = step._splice(png, URL, MOMENT)

    assert spliced is not None
    chunks = step._chunks(spliced)
    assert chunks is not None
    stream = b"".join(data for kind, data in chunks if kind == b"IDAT")
    raw = zlib.decompress(stream)  # zlib checks the combined Adler-32
    assert len(raw) == (120 + step.BAND_HEIGHT) * (640 * 3 + 1)
    image = decoded(spliced)
    assert (image.mode, image.size) == ("RGB", (640, 120 + step.BAND_HEIGHT))
    assert image.crop((0, step.BAND_HEIGHT, 640, image.height)).tobytes() == pixels
    assert image.getpixel((300, 2)) == step.BAND_COLOUR
    band = image.crop((0, 0, 640, step.BAND_HEIGHT))
    assert len(band.getcolors(maxcolors=4096) or []) > 3  # the address and time are written
    assert image.tobytes() == decoded(pillow_stamp(png)).tobytes()


def test_stamp_splices_chromiums_kind_of_png_and_decodes_any_other() -> None:
    png, _ = up_filtered_png(640, 20)
    assert step.stamp(png, URL, MOMENT) == step._splice(png, URL, MOMENT)

    narrow = io.BytesIO()
    Image.new("RGB", (300, 50), (200, 10, 10)).save(narrow, format="PNG")
    assert step._splice(narrow.getvalue(), URL, MOMENT) is None  # narrower than the band
    stamped = decoded(step.stamp(narrow.getvalue(), URL, MOMENT))
    assert stamped.size == (step.BAND_MIN_WIDTH, 50 + step.BAND_HEIGHT)
    assert stamped.getpixel((100, step.BAND_HEIGHT + 10)) == (200, 10, 10)

    rgba = io.BytesIO()
    Image.new("RGBA", (700, 30), (0, 90, 0, 255)).save(rgba, format="PNG")
    assert step._splice(rgba.getvalue(), URL, MOMENT) is None
    assert decoded(step.stamp(rgba.getvalue(), URL, MOMENT)).mode == "RGB"


@pytest.mark.parametrize(
    "damage",
    [
        lambda png: png[:-5],  # cut short
        lambda png: png + b"trailing",
        lambda png: png.replace(b"IHDR", b"IHDX", 1),
        lambda png: b"GIF89a" + png[6:],
    ],
)
def test_a_png_it_cannot_read_as_chromiums_is_not_spliced(damage) -> None:
    png, _ = up_filtered_png(640, 10)
    assert step._splice(damage(png), URL, MOMENT) is None


def test_adler32_combine_agrees_with_zlib() -> None:
    rng = random.Random(9)
    for length_a, length_b in [(0, 5), (1, 1), (5552, 70_000), (100_000, 3)]:
        a = bytes(rng.randrange(256) for _ in range(length_a))
        b = bytes(rng.randrange(256) for _ in range(length_b))
        combined = step._adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b))
        assert combined == zlib.adler32(a + b)
