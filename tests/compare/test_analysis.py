"""The analysis on synthetic footage: each tier finds what it should, and the controls speak.

Time codes are asserted to within one sampled frame: a quarter second on the
output (sampled at 4 fps) and on a cited range of the source (4 fps inside
it), one second elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.compare import analysis, ladder, tier_b
from tests.compare.conftest import (
    ELEMENT_OUTPUT_SIZE,
    ELEMENT_TIME,
    EXCERPT_FPS,
    EXCERPT_OUTPUT_START,
    EXCERPT_SECONDS,
    EXCERPT_SOURCE_START,
    HUD_AT,
    HUD_BOX,
    HUD_SCALE,
    Clips,
)

OUT_FRAME = 1 / analysis.OUTPUT_SAMPLING.fps


def hotbar(clips: Clips) -> analysis.ElementInput:
    return analysis.ElementInput(
        key="hotbar", label="hotbar", source_path=str(clips.source), time=ELEMENT_TIME, box=HUD_BOX
    )


def cited(clips: Clips, ranges: tuple[tuple[float, float], ...] = ()) -> analysis.VideoInput:
    return analysis.VideoInput(key="cited", path=str(clips.source), ranges=ranges)


def test_a_scaled_cropped_reencoded_excerpt_is_a_near_duplicate_segment_at_the_right_times(
    clips: Clips,
) -> None:
    out = analysis.VideoInput(key="output", path=str(clips.excerpt_output), role="output")
    unrelated = analysis.VideoInput(key="u", path=str(clips.unrelated), role="unrelated")
    outcome = analysis.run(out, [cited(clips, ((6.0, 15.0),))], [unrelated], [])

    segments = outcome.result["cited"][0]["segments"]
    assert len(segments) == 1
    seg = segments[0]
    last_excerpt_frame = EXCERPT_OUTPUT_START + EXCERPT_SECONDS - 1 / EXCERPT_FPS
    source_frame = 1 / analysis._source_sampling(cited(clips, ((6.0, 15.0),))).dense_fps
    assert seg["output_start"] == pytest.approx(EXCERPT_OUTPUT_START, abs=OUT_FRAME)
    assert seg["output_end"] == pytest.approx(last_excerpt_frame, abs=OUT_FRAME)
    assert seg["source_start"] == pytest.approx(EXCERPT_SOURCE_START, abs=source_frame)
    assert seg["source_end"] == pytest.approx(
        EXCERPT_SOURCE_START + last_excerpt_frame - EXCERPT_OUTPUT_START, abs=source_frame
    )
    assert outcome.result["controls"][0]["segments"] == []
    assert seg["control_percentile"] == 100.0
    assert outcome.result["system_rung"] == ladder.Rung.NEAR_DUPLICATE
    sentence = ladder.wording(outcome.result["system_rung"], outcome.result["finding"])
    assert sentence.startswith("Frames 00:03")
    assert "near-duplicates of 00:08" in sentence


def test_the_excerpt_is_placed_to_the_second_without_a_cited_range(clips: Clips) -> None:
    out = analysis.VideoInput(key="output", path=str(clips.excerpt_output), role="output")
    outcome = analysis.run(out, [cited(clips)], [], [])
    seg = outcome.result["cited"][0]["segments"][0]
    assert seg["output_start"] == pytest.approx(EXCERPT_OUTPUT_START, abs=OUT_FRAME)
    assert seg["source_start"] == pytest.approx(EXCERPT_SOURCE_START, abs=1.0)


def test_a_hud_redrawn_at_another_scale_and_place_is_an_element_hit_with_a_valid_homography(
    clips: Clips,
) -> None:
    out = analysis.VideoInput(key="output", path=str(clips.element_output), role="output")
    plain = analysis.VideoInput(key="g", path=str(clips.same_genre_plain), role="same_genre")
    outcome = analysis.run(out, [cited(clips)], [plain], [hotbar(clips)])

    assert outcome.result["cited"][0]["segments"] == []  # different pixels: no tier-A match
    (element,) = outcome.result["elements"]
    (track,) = element["tracks"]
    assert track["start"] == pytest.approx(0.0, abs=OUT_FRAME)
    assert track["end"] == pytest.approx(4.9, abs=OUT_FRAME)  # the clip's last frame
    best = track["best"]
    assert best["scale"] == pytest.approx(HUD_SCALE, rel=0.05)
    w, h = ELEMENT_OUTPUT_SIZE
    bw, bh = HUD_BOX[2] * HUD_SCALE, HUD_BOX[3] * HUD_SCALE
    expected = np.array(
        [
            [HUD_AT[0] * w - bw / 2, HUD_AT[1] * h - bh / 2],
            [HUD_AT[0] * w + bw / 2, HUD_AT[1] * h - bh / 2],
            [HUD_AT[0] * w + bw / 2, HUD_AT[1] * h + bh / 2],
            [HUD_AT[0] * w - bw / 2, HUD_AT[1] * h + bh / 2],
        ]
    )
    assert np.abs(np.array(best["corners"]) - expected).max() < 4  # pixels
    assert best["inliers"] >= tier_b.MIN_INLIERS
    assert best["ssim"] >= tier_b.SSIM_MIN
    assert element["source_time"] == ELEMENT_TIME
    assert outcome.result["controls"][0]["element_hits"] == {}
    assert outcome.result["system_rung"] == ladder.Rung.REGION
    assert ladder.wording(ladder.Rung.REGION, outcome.result["finding"]) == (
        "A region closely matches the cited video at 00:05."
    )


def test_unrelated_footage_gives_nothing_and_says_what_that_does_not_show(clips: Clips) -> None:
    out = analysis.VideoInput(key="output", path=str(clips.unrelated), role="output")
    outcome = analysis.run(out, [cited(clips)], [], [hotbar(clips)])
    assert outcome.result["cited"][0]["segments"] == []
    assert outcome.result["cited"][0]["pairs"] == []
    assert outcome.result["elements"][0]["tracks"] == []
    assert outcome.result["system_rung"] == ladder.Rung.NONE
    assert ladder.wording(ladder.Rung.NONE) == (
        "No resemblance found by this method (this does not show the footage was not used)."
    )


def test_a_hud_that_same_genre_footage_also_shows_is_characteristic_of_the_game(
    clips: Clips,
) -> None:
    out = analysis.VideoInput(key="output", path=str(clips.element_output), role="output")
    genre = analysis.VideoInput(key="g", path=str(clips.same_genre_hud), role="same_genre")
    outcome = analysis.run(out, [cited(clips)], [genre], [hotbar(clips)])

    (track,) = outcome.result["elements"][0]["tracks"]
    assert track["start"] == pytest.approx(0.0, abs=OUT_FRAME)
    hits = outcome.result["controls"][0]["element_hits"]["hotbar"]
    assert hits[0]["t"] == pytest.approx(0.0, abs=1.0)  # the control is sampled at 1 fps
    assert outcome.result["system_rung"] == ladder.Rung.CHARACTERISTIC
    assert "characteristic of the game" in ladder.wording(outcome.result["system_rung"])


def test_a_degenerate_homography_is_rejected_with_its_reason() -> None:
    mirror = np.array([[-1.0, 0, 100], [0, 1, 0], [0, 0, 1]])
    collapse = np.array([[1.0, 0, 0], [0, 0.01, 0], [0, 0, 1]])
    tilt = np.array([[1.0, 0, 0], [0, 1, 0], [0.008, 0, 1]])  # right side 0.38x the left
    assert "mirrors" in tier_b.homography_problem(mirror, 100, 20)
    assert tier_b.homography_problem(collapse, 100, 20) != ""
    assert "tilt" in tier_b.homography_problem(tilt, 200, 20)
    assert tier_b.homography_problem(np.eye(3) * 2, 100, 20) == ""


def test_an_unreadable_file_is_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "not-a-video.mp4"
    bad.write_bytes(b"this is text, not a video")
    out = analysis.VideoInput(key="output", path=str(bad), role="output")
    with pytest.raises(analysis.frames.VideoUnreadable, match=r"cannot open|no video|decoding"):
        analysis.run(out, [], [], [])
