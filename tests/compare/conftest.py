"""Synthetic footage for the comparison tests, made once per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compare import synth

# The cited source: 16 s of one world with the hotbar at the bottom centre.
SOURCE_SIZE = (320, 240)
HUD_BOX = (
    int(0.5 * SOURCE_SIZE[0] - synth.HUD_SIZE[0] / 2),
    int(0.92 * SOURCE_SIZE[1] - synth.HUD_SIZE[1] / 2),
    *synth.HUD_SIZE,
)
ELEMENT_TIME = 5.0
# The excerpt: source 8.0 s onwards, shown at output 3.0 s for 6 s.
EXCERPT_SOURCE_START = 8.0
EXCERPT_OUTPUT_START = 3.0
EXCERPT_SECONDS = 6.0
EXCERPT_FPS = 12
# The redrawn hotbar: 1.5x, centred at 40 % across and 20 % down a 480x360 output.
HUD_SCALE = 1.5
HUD_AT = (0.4, 0.2)
ELEMENT_OUTPUT_SIZE = (480, 360)


@dataclass(frozen=True)
class Clips:
    source: Path
    excerpt_output: Path
    element_output: Path
    unrelated: Path
    same_genre_hud: Path
    same_genre_plain: Path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    d = tmp_path_factory.mktemp("compare-clips")
    source = synth.Scene(synth.world(1), SOURCE_SIZE, hud_scale=1.0)
    other = synth.Scene(synth.world(2), SOURCE_SIZE)
    excerpt = synth.spliced(
        [
            (EXCERPT_OUTPUT_START, other.frame),
            (EXCERPT_SECONDS, synth.excerpt(source, EXCERPT_SOURCE_START)),
            (3.0, lambda t: other.frame(t + 5.0)),
        ],
        (288, 216),
    )
    redrawn = synth.Scene(synth.world(4), ELEMENT_OUTPUT_SIZE, hud_scale=HUD_SCALE, hud_at=HUD_AT)
    return Clips(
        source=synth.write_video(d / "source.mp4", source.frame, seconds=16),
        excerpt_output=synth.write_video(
            d / "excerpt.mp4", excerpt, seconds=12, fps=EXCERPT_FPS, crf=30
        ),
        element_output=synth.write_video(d / "element.mp4", redrawn.frame, seconds=5, crf=28),
        unrelated=synth.write_video(
            d / "unrelated.mp4", synth.Scene(synth.world(3), SOURCE_SIZE).frame, seconds=8
        ),
        same_genre_hud=synth.write_video(
            d / "genre-hud.mp4",
            synth.Scene(synth.world(6), SOURCE_SIZE, hud_scale=1.0).frame,
            seconds=6,
        ),
        same_genre_plain=synth.write_video(
            d / "genre-plain.mp4", synth.Scene(synth.world(5), SOURCE_SIZE).frame, seconds=6
        ),
    )
