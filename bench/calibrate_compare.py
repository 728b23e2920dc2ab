"""bench/calibrate_compare.py: the comparison detector's scores on generated clips.

What is measured (issue 18, item 5 of the fourth session): how far apart the
scores of true matches and of controls are, so the thresholds sit in the gap
with a stated margin instead of being set on one fixture.

Footage (made with tests/compare/synth.py, numpy/Pillow/PyAV, 320x240 "game"
worlds panned by a camera, in var/bench-calibrate/; ``--worlds`` of each):

- tier A, near-duplicates. For each world a 16 s cited source with the hotbar,
  and outputs that hold 6 s of it transformed: crop 0 / 2.5 / 5 % per side x
  scale 1.0 / 0.75 / 0.5 x H.264 CRF 23 / 30 / 36. Controls: the same outputs
  against a *same-genre* source (another world of the same game, same
  hotbar) and an *unrelated* one (another world, no hotbar, another palette).
  Per output frame: the best PDQ and pHash distances to the source frames
  (PDQ quality >= 50 on both sides), and whether ``tier_a.segments`` finds a
  segment with the thresholds in force.
- tier B, an element reproduced. The hotbar cut from each source, searched in
  outputs where it is redrawn at 0.6 / 0.8 / 1.0 / 1.5 / 2.0x at three
  positions over another world (positives); in same-genre footage (the hotbar
  at 1x: a hit is expected, it is what "characteristic of the game" means);
  in unrelated footage; and in a *look-alike* bar (nine slots, other icons).
  Per frame: the best correlation (NCC) and whether a verified hit (SIFT +
  RANSAC homography + NCC + SSIM of the aligned region) is found.

Prints one JSON line per run with the distributions (min, p5, p50, p95, max),
the rates at the thresholds in force, the margins, wall time and the load
average before and after. ``--runs N`` repeats the measurement (decoding and
scoring are deterministic; the runs show the wall-time spread).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
WORK = ROOT / "var" / "bench-calibrate"
SIZE = (320, 240)
OUT_SIZE = (288, 216)
CROPS = (0.0, 0.025, 0.05)
SCALES = (1.0, 0.75, 0.5)
CRFS = (23, 30, 36)
HUD_SCALES = (0.6, 0.8, 1.0, 1.5, 2.0)
HUD_PLACES = ((0.5, 0.9), (0.3, 0.2), (0.7, 0.5))
# Threshold pairs tried for tier A's segments (PDQ of 256 bits, pHash of 64).
SWEEP = ((31, 8), (31, 10), (31, 12), (31, 14), (50, 10), (70, 10))


def lookalike_bar(scale: float = 1.0) -> Any:
    """Nine framed slots like the hotbar, with other icons (a hard negative)."""
    from PIL import Image, ImageDraw

    from tests.compare import synth

    w, h = synth.HUD_SIZE
    img = Image.new("RGB", (w, h), (40, 40, 40))
    draw = ImageDraw.Draw(img)
    slot = w // 9
    for i in range(9):
        x0 = i * slot
        draw.rectangle([x0, 0, x0 + slot - 1, h - 1], outline=(200, 200, 200), width=2)
        cx, cy = x0 + slot // 2, h // 2
        draw.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=((53 * i) % 255, 200, 90))
    if scale != 1.0:
        img = img.resize((round(w * scale), round(h * scale)))
    return img


def make_footage(worlds: int) -> dict[str, Any]:
    import numpy as np
    from PIL import Image

    from tests.compare import synth

    WORK.mkdir(parents=True, exist_ok=True)
    plan: dict[str, Any] = {"worlds": []}

    def video(name: str, frame_at: Any, seconds: float, **kw: Any) -> str:
        path = WORK / name
        if not path.exists():
            synth.write_video(path, frame_at, seconds=seconds, **kw)
        return str(path)

    for w in range(worlds):
        base = 100 + 10 * w
        source = synth.Scene(synth.world(base), SIZE, hud_scale=1.0)
        genre = synth.Scene(synth.world(base + 1), SIZE, hud_scale=1.0)
        unrelated_tex = synth.world(base + 2)[..., ::-1].copy()  # another palette
        unrelated = synth.Scene(unrelated_tex, SIZE, speed=140.0)
        entry: dict[str, Any] = {
            "source": video(f"w{w}-source.mp4", source.frame, 16),
            "same_genre": video(f"w{w}-genre.mp4", genre.frame, 16),
            "unrelated": video(f"w{w}-unrelated.mp4", unrelated.frame, 16),
            "excerpts": [],
            "redrawn": [],
        }
        other = synth.Scene(synth.world(base + 3), SIZE)
        for crop in CROPS:
            for scale in SCALES:
                for crf in CRFS:
                    clip = synth.spliced(
                        [(2.0, other.frame),
                         (6.0, synth.excerpt(source, 6.0, scale=scale, crop=crop)),
                         (2.0, lambda t, o=other: o.frame(t + 4.0))],
                        OUT_SIZE,
                    )  # fmt: skip
                    name = f"w{w}-excerpt-c{crop}-s{scale}-q{crf}.mp4"
                    entry["excerpts"].append(
                        {"path": video(name, clip, 10, fps=12, crf=crf), "crop": crop,
                         "scale": scale, "crf": crf, "source_at": 6.0, "output_at": 2.0}
                    )  # fmt: skip
        for hs in HUD_SCALES:
            for k, place in enumerate(HUD_PLACES):
                scene = synth.Scene(synth.world(base + 4 + k), (480, 360), hud_scale=hs,
                                    hud_at=place)  # fmt: skip
                name = f"w{w}-redrawn-{hs}-{k}.mp4"
                entry["redrawn"].append(
                    {"path": video(name, scene.frame, 3, crf=28), "hud_scale": hs, "place": k}
                )
        plain = synth.Scene(synth.world(base + 8), SIZE)

        def look(t: float, plain: Any = plain) -> Any:
            img = Image.fromarray(plain.frame(t))
            bar = lookalike_bar(1.0)
            img.paste(
                bar, (int(0.5 * SIZE[0] - bar.width / 2), int(0.9 * SIZE[1] - bar.height / 2))
            )
            return np.asarray(img)

        entry["lookalike"] = video(f"w{w}-lookalike.mp4", look, 6)
        plan["worlds"].append(entry)
    return plan


def _table(path: str, sampling: Any, width: int, searches: list[Any] | None = None) -> Any:
    from app.compare import frames, tier_a

    interval = 1.0 / (sampling.dense_fps if sampling.dense_ranges else sampling.fps)
    hasher = tier_a.Hasher(interval=interval)
    for frame in frames.sample(path, sampling, width=width):
        hasher.add(frame)
        for search in searches or []:
            search.add(frame)
    return hasher.table()


def _best(out: Any, src: Any) -> tuple[Any, Any]:
    """Per usable output frame, the best PDQ and pHash distances to usable source frames."""
    import numpy as np

    from app.compare import tier_a

    both = out.usable[:, None] & src.usable[None, :]
    pd = np.where(both, tier_a.pdq_distances(out, src), 256).min(axis=1)
    ph = np.where(both, tier_a.phash_distances(out, src), 64).min(axis=1)
    return pd[out.usable], ph[out.usable]


def _segments_with(out: Any, table: Any, pdq_max: int, phash_max: int) -> bool:
    """Whether tier A finds a segment with these thresholds (the module's, swapped briefly)."""
    from app.compare import analysis, tier_a

    saved = tier_a.PDQ_MAX, tier_a.PHASH_MAX
    tier_a.PDQ_MAX, tier_a.PHASH_MAX = pdq_max, phash_max
    try:
        pairs = tier_a.candidate_pairs(out, table)
    finally:
        tier_a.PDQ_MAX, tier_a.PHASH_MAX = saved
    return bool(
        tier_a.segments(pairs, out_interval=analysis.OUT_INTERVAL, src_interval=table.interval)
    )


def _stats(values: Any) -> dict[str, float]:
    import numpy as np

    v = np.asarray(values, np.float64)
    if not len(v):
        return {"n": 0}
    q = np.percentile(v, [0, 5, 50, 95, 100])
    return {"n": len(v), "min": round(float(q[0]), 3), "p5": round(float(q[1]), 3),
            "p50": round(float(q[2]), 3), "p95": round(float(q[3]), 3),
            "max": round(float(q[4]), 3)}  # fmt: skip


def measure(plan: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from app.compare import analysis, frames, tier_a, tier_b
    from tests.compare import synth

    a: dict[str, dict[str, list[float]]] = {
        k: {"pdq": [], "phash": []} for k in ("match", "same_genre", "unrelated")
    }
    seg_found = {"match": 0, "same_genre": 0, "unrelated": 0}
    seg_total = 0
    sweep = {f"pdq<={p} phash<={h}": dict.fromkeys(seg_found, 0) for p, h in SWEEP}
    seg_error: list[float] = []
    misses: list[str] = []
    b_ncc: dict[str, list[float]] = {
        k: [] for k in ("match", "same_genre", "unrelated", "lookalike")
    }
    b_hits = {k: 0 for k in b_ncc}
    b_frames = {k: 0 for k in b_ncc}
    b_clip_found = {"match": 0}
    b_clips = 0
    b_misses: list[str] = []
    for entry in plan["worlds"]:
        src_sampling = frames.Sampling(fps=1.0, keyframes=True, dense_ranges=((4.0, 14.0),))
        tables = {
            "match": _table(entry["source"], src_sampling, tier_a.HASH_WIDTH),
            "same_genre": _table(entry["same_genre"], analysis.CONTROL_SAMPLING, tier_a.HASH_WIDTH),
            "unrelated": _table(entry["unrelated"], analysis.CONTROL_SAMPLING, tier_a.HASH_WIDTH),
        }
        for ex in entry["excerpts"]:
            out = _table(ex["path"], analysis.OUTPUT_SAMPLING, analysis.DECODE_WIDTH)
            inside = (out.times >= ex["output_at"] + 0.25) & (out.times < ex["output_at"] + 5.75)
            seg_total += 1
            for kind, table in tables.items():
                view = out if kind != "match" else tier_a.HashTable(
                    times=out.times[inside], phash=out.phash[inside], pdq=out.pdq[inside],
                    quality=out.quality[inside], usable=out.usable[inside],
                    with_pdq=out.with_pdq, interval=out.interval)  # fmt: skip
                pd, ph = _best(view, table)
                a[kind]["pdq"] += pd.tolist()
                a[kind]["phash"] += ph.tolist()
                segs = tier_a.segments(
                    tier_a.candidate_pairs(out, table),
                    out_interval=analysis.OUT_INTERVAL,
                    src_interval=table.interval,
                )
                for pdq_max, phash_max in SWEEP:
                    if _segments_with(out, table, pdq_max, phash_max):
                        sweep[f"pdq<={pdq_max} phash<={phash_max}"][kind] += 1
                if segs:
                    seg_found[kind] += 1
                    if kind == "match":
                        s = max(segs, key=lambda s: s.out_end - s.out_start)
                        seg_error.append(abs(s.offset - (6.0 - 2.0)))
                elif kind == "match":
                    misses.append(f"crop {ex['crop']} scale {ex['scale']} crf {ex['crf']}")
        element = analysis._element(
            analysis.ElementInput(key="hotbar", label="hotbar", source_path=entry["source"],
                                  time=5.0, box=_hud_box()))  # fmt: skip
        for rd in entry["redrawn"]:
            search = tier_b.ElementSearch(element)
            _table(rd["path"], analysis.OUTPUT_SAMPLING, analysis.DECODE_WIDTH, [search])
            b_clips += 1
            b_ncc["match"] += [s.ncc for s in search.scores]
            b_hits["match"] += len(search.hits())
            b_frames["match"] += len(search.scores)
            if search.hits():
                b_clip_found["match"] += 1
            else:
                b_misses.append(f"hud {rd['hud_scale']}x place {rd['place']}")
        for kind in ("same_genre", "unrelated", "lookalike"):
            search = tier_b.ElementSearch(element)
            path = entry[kind]
            _table(path, analysis.CONTROL_SAMPLING, analysis.DECODE_WIDTH, [search])
            b_ncc[kind] += [s.ncc for s in search.scores]
            b_hits[kind] += len(search.hits())
            b_frames[kind] += len(search.scores)
    rates = {
        "tier_a_segment_found": {k: f"{v}/{seg_total}" for k, v in seg_found.items()},
        "tier_a_frames_pdq_le_31": {
            k: round(float(np.mean(np.asarray(v["pdq"]) <= tier_a.PDQ_MAX)), 4)
            for k, v in a.items()
        },
        "tier_a_frames_phash_le_max": {
            k: round(float(np.mean(np.asarray(v["phash"]) <= tier_a.PHASH_MAX)), 4)
            for k, v in a.items()
        },
        "tier_b_frames_hit": {k: f"{b_hits[k]}/{b_frames[k]}" for k in b_ncc},
        "tier_b_clips_found": f"{b_clip_found['match']}/{b_clips}",
    }
    return {
        "tier_a": {k: {m: _stats(v[m]) for m in v} for k, v in a.items()},
        "tier_a_segment_offset_error_s": _stats(seg_error),
        "tier_a_misses": misses,
        "tier_a_threshold_sweep": {
            k: {kind: f"{n}/{seg_total}" for kind, n in v.items()} for k, v in sweep.items()
        },
        "tier_b_ncc": {k: _stats(v) for k, v in b_ncc.items()},
        "tier_b_misses": b_misses,
        "rates": rates,
        "thresholds": {
            "pdq_max": tier_a.PDQ_MAX,
            "phash_max": tier_a.PHASH_MAX,
            "ncc_min": tier_b.NCC_MIN,
            "ssim_min": tier_b.SSIM_MIN,
            "min_inliers": tier_b.MIN_INLIERS,
        },
        "hud_size": list(synth.HUD_SIZE),
    }


def _hud_box() -> tuple[int, int, int, int]:
    from tests.compare import synth

    w, h = synth.HUD_SIZE
    return (int(0.5 * SIZE[0] - w / 2), int(0.92 * SIZE[1] - h / 2), w, h)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    import django

    django.setup()
    started = time.perf_counter()
    plan = make_footage(args.worlds)
    print(json.dumps({"footage_seconds": round(time.perf_counter() - started, 1)}), flush=True)
    for run in range(1, args.runs + 1):
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        found = measure(plan)
        found.update(run=run, wall_seconds=round(time.perf_counter() - t0, 1),
                     load_before=round(load_before, 2),
                     load_after=round(os.getloadavg()[0], 2))  # fmt: skip
        print(json.dumps(found), flush=True)


if __name__ == "__main__":
    main()
