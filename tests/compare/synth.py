"""Synthetic "game footage" made at test time with numpy, Pillow and PyAV.

A world is a large smooth random texture; the camera pans over it, so every
second of a clip shows different pixels (what tier A needs to place a match in
time). A HUD (a hotbar of nine slots with distinct icons) can be drawn on top,
at any scale and position (what tier B looks for).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

HUD_SIZE = (180, 24)  # width, height at scale 1


def world(seed: int, width: int = 1200, height: int = 800) -> np.ndarray:
    """A smooth, textured RGB landscape: noise at several scales, summed."""
    rng = np.random.default_rng(seed)
    out = np.zeros((height, width, 3), np.float32)
    for cells, weight in ((6, 1.0), (24, 0.6), (96, 0.35), (300, 0.2)):
        small = rng.random((max(2, cells * height // width), cells, 3)).astype(np.float32)
        layer = Image.fromarray((small * 255).astype(np.uint8)).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        out += weight * np.asarray(layer, np.float32)
    out -= out.min()
    out *= 255.0 / out.max()
    return out.astype(np.uint8)


def hud(scale: float = 1.0) -> Image.Image:
    """A Minecraft-like hotbar: nine framed slots, each with its own icon."""
    w, h = HUD_SIZE
    img = Image.new("RGB", (w, h), (40, 40, 40))
    draw = ImageDraw.Draw(img)
    slot = w // 9
    for i in range(9):
        x0 = i * slot
        draw.rectangle([x0, 0, x0 + slot - 1, h - 1], outline=(200, 200, 200), width=2)
        cx, cy = x0 + slot // 2, h // 2
        colour = ((37 * i) % 255, (91 * i + 60) % 255, (151 * i + 120) % 255)
        kind = i % 3
        if kind == 0:
            draw.ellipse([cx - 6, cy - 6, cx + 6, cy + 6], fill=colour)
            draw.line([cx - 6, cy + 6, cx + 6, cy - 6], fill=(255, 255, 255), width=2)
        elif kind == 1:
            draw.polygon([(cx, cy - 7), (cx + 7, cy + 6), (cx - 6, cy + 5)], fill=colour)
            draw.rectangle([cx - 2, cy - 1, cx + 2, cy + 3], fill=(10, 10, 10))
        else:
            draw.rectangle([cx - 6, cy - 5, cx + 5, cy + 6], fill=colour)
            draw.line([cx - 6, cy - 5, cx + 5, cy + 6], fill=(0, 0, 0), width=2)
            draw.point([(cx + 3, cy - 3), (cx - 3, cy + 3)], fill=(255, 255, 0))
    if scale != 1.0:
        img = img.resize((round(w * scale), round(h * scale)), Image.Resampling.BICUBIC)
    return img


@dataclass(frozen=True)
class Scene:
    """Camera over a world: ``frame(t)`` gives the RGB picture at time t."""

    texture: np.ndarray
    size: tuple[int, int]
    speed: float = 90.0  # pixels per second along a Lissajous path
    hud_scale: float | None = None
    hud_at: tuple[float, float] = (0.5, 0.92)  # centre, as fractions of the frame

    def frame(self, t: float) -> np.ndarray:
        w, h = self.size
        th, tw = self.texture.shape[:2]
        span_x, span_y = tw - w, th - h
        x = int((span_x / 2) * (1 + np.sin(t * self.speed / span_x * 2.1)))
        y = int((span_y / 2) * (1 + np.sin(t * self.speed / span_y * 1.3 + 0.7)))
        picture = self.texture[y : y + h, x : x + w]
        if self.hud_scale is None:
            return picture
        img = Image.fromarray(picture)
        bar = hud(self.hud_scale)
        cx, cy = self.hud_at
        img.paste(bar, (int(cx * w - bar.width / 2), int(cy * h - bar.height / 2)))
        return np.asarray(img)


def write_video(
    path: Path,
    frame_at: Callable[[float], np.ndarray],
    *,
    seconds: float,
    fps: int = 10,
    crf: int = 23,
) -> Path:
    """Encode ``frame_at(t)`` for t = 0, 1/fps, ... as H.264 in an MP4."""
    first = frame_at(0.0)
    height, width = first.shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "g": str(fps * 2)}
        stream.codec_context.time_base = Fraction(1, fps)
        for i in range(round(seconds * fps)):
            rgb = frame_at(i / fps)[: stream.height, : stream.width]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def excerpt(
    scene: Scene,
    start: float,
    *,
    scale: float = 0.75,
    crop: float = 0.025,
) -> Callable[[float], np.ndarray]:
    """The scene from ``start`` on, cropped by ``crop`` on each side and rescaled."""
    w, h = scene.size
    dx, dy = int(w * crop), int(h * crop)
    size = (round((w - 2 * dx) * scale), round((h - 2 * dy) * scale))

    def frame_at(t: float) -> np.ndarray:
        picture = scene.frame(start + t)[dy : h - dy, dx : w - dx]
        return np.asarray(Image.fromarray(picture).resize(size, Image.Resampling.BILINEAR))

    return frame_at


def spliced(
    parts: list[tuple[float, Callable[[float], np.ndarray]]], size: tuple[int, int]
) -> Callable[[float], np.ndarray]:
    """Play each (duration, clip) in turn, each resized to ``size``."""

    def frame_at(t: float) -> np.ndarray:
        for duration, clip in parts:
            if t < duration:
                picture = clip(t)
                if picture.shape[1::-1] != size:
                    picture = np.asarray(Image.fromarray(picture).resize(size))
                return picture
            t -= duration
        return frame_at(sum(d for d, _ in parts) - 1e-6)

    return frame_at
