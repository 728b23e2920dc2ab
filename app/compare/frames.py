"""Sampled frames with exact timestamps, decoded once with PyAV at a working size.

Timestamps are the frames' own presentation times (``frame.time``, from the
container's pts and time base), never a frame index divided by a nominal
rate: a clip with a variable rate or a non-zero start keeps its true times.

A frame is kept when it is the first at or after the next point of the
sampling grid (``fps``), when it is a keyframe (``keyframes=True``, the
encoder's own guess at scene changes), when it is a scene cut (its small
thumbnail differs strongly from the previous kept frame), and at ``dense_fps``
inside ``dense_ranges`` (the time ranges an evidence item cites).

Frames are scaled to ``width`` pixels wide (never enlarged) at decode time, so
a 720p source costs memory only for its small working copies.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import av
import numpy as np

# Mean absolute difference (0-255) of 32x18 grey thumbnails above which a
# frame counts as a scene cut and is kept off-grid.
SCENE_CUT_DIFF = 30.0


class VideoUnreadable(ValueError):
    """The file is not a video PyAV can decode (the message says why)."""


@dataclass(frozen=True)
class Frame:
    time: float
    keyframe: bool
    rgb: np.ndarray  # height x width x 3, uint8, at the working size
    native_size: tuple[int, int]  # width, height of the decoded video

    @property
    def grey(self) -> np.ndarray:
        rgb = self.rgb.astype(np.uint16)
        return ((rgb[..., 0] * 77 + rgb[..., 1] * 150 + rgb[..., 2] * 29) >> 8).astype(np.uint8)


@dataclass(frozen=True)
class Sampling:
    fps: float
    keyframes: bool = False
    scene_cuts: bool = False
    dense_ranges: tuple[tuple[float, float], ...] = ()
    dense_fps: float = 4.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "fps": self.fps,
            "keyframes": self.keyframes,
            "scene_cuts": self.scene_cuts,
            "dense_ranges": [list(r) for r in self.dense_ranges],
            "dense_fps": self.dense_fps,
        }


def working_size(native: tuple[int, int], width: int) -> tuple[int, int]:
    w, h = native
    if w <= width:
        return w - w % 2, h - h % 2
    scaled_h = round(h * width / w)
    return width, scaled_h - scaled_h % 2


def _thumb(frame: av.VideoFrame) -> np.ndarray:
    return frame.to_ndarray(width=32, height=18, format="gray").astype(np.float32)


def sample(path: str, sampling: Sampling, *, width: int) -> Iterator[Frame]:
    """Yield the sampled frames of the first video stream of ``path`` in time order."""
    try:
        container = av.open(path)
    except (av.FFmpegError, OSError) as exc:
        raise VideoUnreadable(f"cannot open as a video: {exc}") from exc
    with container:
        if not container.streams.video:
            raise VideoUnreadable("the file has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        native = (stream.codec_context.width, stream.codec_context.height)
        size = working_size(native, width)
        next_grid = 0.0
        next_dense = 0.0
        last_thumb: np.ndarray | None = None
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                t = float(frame.time)
                keep = t >= next_grid - 1e-6
                if keep:  # the next point of the grid, not t + step (which drifts)
                    next_grid = _next_point(t, sampling.fps)
                if sampling.keyframes and frame.key_frame:
                    keep = True
                if _in_ranges(t, sampling.dense_ranges) and t >= next_dense - 1e-6:
                    keep = True
                    next_dense = _next_point(t, sampling.dense_fps)
                if sampling.scene_cuts:
                    thumb = _thumb(frame)
                    if (
                        last_thumb is not None
                        and float(np.abs(thumb - last_thumb).mean()) > SCENE_CUT_DIFF
                    ):
                        keep = True
                    if keep:
                        last_thumb = thumb
                if keep:
                    rgb = frame.to_ndarray(width=size[0], height=size[1], format="rgb24")
                    yield Frame(time=t, keyframe=bool(frame.key_frame), rgb=rgb, native_size=native)
        except av.FFmpegError as exc:
            raise VideoUnreadable(f"decoding failed: {exc}") from exc


def _next_point(t: float, fps: float) -> float:
    """The first point of the 1/fps grid after t: 25 fps sampled at 4 fps gives 4 a second."""
    return (math.floor(t * fps + 1e-6) + 1) / fps


def _in_ranges(t: float, ranges: Sequence[tuple[float, float]]) -> bool:
    return any(start <= t <= end for start, end in ranges)


def frame_at(path: str, time: float) -> np.ndarray:
    """The RGB frame shown at ``time`` seconds, at native size.

    Seeks to the keyframe before and decodes forward.
    """
    with av.open(path) as container:
        stream = container.streams.video[0]
        if stream.time_base is not None:
            container.seek(max(0, int(time / stream.time_base) - 1), stream=stream)
        best: np.ndarray | None = None
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            if float(frame.time) > time + 1e-6 and best is not None:
                break
            best = frame.to_ndarray(format="rgb24")
        if best is None:
            raise VideoUnreadable(f"no frame at {time:.3f} s")
        return best
