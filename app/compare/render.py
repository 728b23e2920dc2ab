"""Pictures of a finding: the pair with time codes burned in, the difference map, the blink.

Made only for the finding that earned the rung (sampled frames are not kept:
they can be regenerated from the archived files and the manifest's times).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw
from skimage.metrics import structural_similarity

from app.compare.frames import frame_at
from app.compare.ladder import timecode
from app.lib.fonts import font as pick_font

PANEL_HEIGHT = 360
OUTLINE = (255, 0, 200)


@dataclass(frozen=True)
class Pictures:
    pair: bytes  # PNG: output | source, time codes burned in, region outlined
    diff: bytes  # PNG: 1 - SSIM of the aligned region, as a heat map
    blink_output: bytes  # PNG: the output's region, aligned on the source's
    blink_source: bytes  # PNG: the source's region
    blink_clip: bytes  # GIF: the two alternating, 2 s


def png(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _panel(picture: np.ndarray, label: str, quad: list[list[float]] | None) -> Image.Image:
    img = Image.fromarray(picture)
    factor = PANEL_HEIGHT / img.height
    img = img.resize((max(1, round(img.width * factor)), PANEL_HEIGHT))
    draw = ImageDraw.Draw(img)
    if quad:
        points = [(x * factor, y * factor) for x, y in quad]
        draw.line([*points, points[0]], fill=OUTLINE, width=3)
    font = pick_font(20)
    box = draw.textbbox((8, 8), label, font=font)
    draw.rectangle((box[0] - 4, box[1] - 4, box[2] + 4, box[3] + 4), fill=(0, 0, 0))
    draw.text((8, 8), label, fill=(255, 255, 255), font=font)
    return img


def _side_by_side(left: Image.Image, right: Image.Image) -> np.ndarray:
    canvas = Image.new("RGB", (left.width + right.width + 8, PANEL_HEIGHT), (255, 255, 255))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width + 8, 0))
    return np.asarray(canvas)


def _heat(diff: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    coloured = cv2.applyColorMap(diff, cv2.COLORMAP_INFERNO)[..., ::-1]
    return cv2.resize(coloured, size, interpolation=cv2.INTER_NEAREST)


def _clip(a: np.ndarray, b: np.ndarray) -> bytes:
    frames = [Image.fromarray(a), Image.fromarray(b)] * 2
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=500)
    return buffer.getvalue()


def _enlarge(picture: np.ndarray, height: int = 120) -> np.ndarray:
    factor = max(1.0, height / picture.shape[0])
    size = (round(picture.shape[1] * factor), round(picture.shape[0] * factor))
    return cv2.resize(picture, size, interpolation=cv2.INTER_NEAREST)


def segment_pictures(output_path: str, source_path: str, out_t: float, src_t: float) -> Pictures:
    """Tier A: whole frames, the output's scaled onto the source's for the difference."""
    out = frame_at(output_path, out_t)
    src = frame_at(source_path, src_t)
    pair = _side_by_side(
        _panel(out, f"output {timecode(out_t)}", None),
        _panel(src, f"source {timecode(src_t)}", None),
    )
    size = (src.shape[1], src.shape[0])
    out_grey = cv2.cvtColor(cv2.resize(out, size), cv2.COLOR_RGB2GRAY)
    src_grey = cv2.cvtColor(src, cv2.COLOR_RGB2GRAY)
    _, smap = structural_similarity(src_grey, out_grey, data_range=255, full=True)
    diff = np.clip((1.0 - smap) * 127.5, 0, 255).astype(np.uint8)
    aligned = cv2.resize(out, size)
    return Pictures(
        pair=png(pair),
        diff=png(_heat(diff, size)),
        blink_output=png(aligned),
        blink_source=png(src),
        blink_clip=_clip(aligned, src),
    )


def element_pictures(
    output_path: str,
    source_path: str,
    *,
    out_t: float,
    src_t: float,
    corners: list[list[float]],
    box: tuple[int, int, int, int],
    aligned: np.ndarray,
    template: np.ndarray,
    diff: np.ndarray,
) -> Pictures:
    """Tier B: the element outlined in both frames; the blink and difference of the region."""
    out = frame_at(output_path, out_t)
    src = frame_at(source_path, src_t)
    x, y, w, h = box
    src_quad = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    pair = _side_by_side(
        _panel(out, f"output {timecode(out_t)}", corners),
        _panel(src, f"source {timecode(src_t)}", [[float(a), float(b)] for a, b in src_quad]),
    )
    region_out = _enlarge(cv2.cvtColor(aligned, cv2.COLOR_GRAY2RGB))
    region_src = _enlarge(cv2.cvtColor(template, cv2.COLOR_GRAY2RGB))
    size = (region_src.shape[1], region_src.shape[0])
    return Pictures(
        pair=png(pair),
        diff=png(_heat(diff, size)),
        blink_output=png(region_out),
        blink_source=png(region_src),
        blink_clip=_clip(region_out, region_src),
    )
