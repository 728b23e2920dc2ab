"""One comparison run, from files only: an output against cited sources and controls.

This module knows paths, not database rows (``app.compare.services`` maps
rows to paths and stores what comes out), so the bench and the tests run the
very same code as the worker.

Each video is decoded once; its sampled frames feed the hashers (tier A) and
the element searches (tier B) in the same pass.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

from app.compare import frames, ladder, tier_a, tier_b

OUTPUT_SAMPLING = frames.Sampling(fps=4.0, scene_cuts=True)
OUT_INTERVAL = 1.0 / OUTPUT_SAMPLING.fps
SOURCE_FPS = 1.0
CONTROL_SAMPLING = frames.Sampling(fps=1.0, keyframes=True)
DECODE_WIDTH = max(tier_a.HASH_WIDTH, tier_b.ELEMENT_WIDTH)
LIBRARIES = ("av", "numpy", "opencv-python-headless", "scikit-image", "imagehash", "pdqhash")


@dataclass(frozen=True)
class VideoInput:
    key: str  # stable name in the result: "output", "cited-12", "control-7"
    path: str
    role: str = "cited"  # output, cited, same_genre, unrelated
    ranges: tuple[tuple[float, float], ...] = ()  # cited time ranges, seconds


@dataclass(frozen=True)
class ElementInput:
    key: str
    label: str
    source_path: str
    time: float
    box: tuple[int, int, int, int]  # x, y, width, height in the source's native pixels
    mask: np.ndarray | None = None


@dataclass
class Stages:
    """Wall time and peak resident memory after each stage (the bench prints them)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.rows.append(
            {
                "stage": name,
                "seconds": round(time.perf_counter() - start, 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )


@dataclass
class Outcome:
    """Everything a run found; ``result`` is JSON-ready, the rest feeds the artifacts."""

    result: dict[str, Any]
    hash_tables: dict[str, tier_a.HashTable]
    tracks: dict[str, list[tier_b.Track]]
    elements: dict[str, tier_b.Element]
    stages: Stages


def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def thresholds() -> dict[str, Any]:
    """Every threshold in force, with where it comes from (stored in the method record)."""
    return {
        "pdq_max_distance": {"value": tier_a.PDQ_MAX, "origin": "Meta PDQ default (2019)"},
        "pdq_min_quality": {"value": tier_a.PDQ_MIN_QUALITY, "origin": "Meta PDQ default"},
        "phash_max_distance": {
            "value": tier_a.PHASH_MAX,
            "origin": "TrainedOn, calibrated on generated clips: 4 bits under the closest "
            "control frame (bench/calibrate_compare.py, docs/compare.md)",
        },
        "min_segment_frames": {"value": tier_a.MIN_SEGMENT_FRAMES, "origin": "TrainedOn"},
        "ncc_min": {
            "value": tier_b.NCC_MIN,
            "origin": "TrainedOn, calibrated on generated clips: above every unrelated frame "
            "(max 0.52), below every match (min 0.72) (bench/calibrate_compare.py)",
        },
        "ssim_min": {
            "value": tier_b.SSIM_MIN,
            "origin": "TrainedOn; with the homography, rejects every look-alike bar "
            "(bench/calibrate_compare.py)",
        },
        "min_inliers": {"value": tier_b.MIN_INLIERS, "origin": "TrainedOn"},
        "lowe_ratio": {"value": tier_b.RATIO, "origin": "Lowe 2004 (0.8)"},
        "ransac_px": {"value": tier_b.RANSAC_PX, "origin": "TrainedOn"},
        "scales": {"value": [round(s, 3) for s in tier_b.SCALES], "origin": "TrainedOn"},
    }


def percentile(value: float, distribution: np.ndarray) -> float | None:
    """Share (0-100) of control scores strictly below ``value``; None without controls."""
    finite = distribution[np.isfinite(distribution)]
    if not len(finite):
        return None
    return round(100.0 * float((finite < value).mean()), 1)


def _element(spec: ElementInput) -> tier_b.Element:
    picture = frames.frame_at(spec.source_path, spec.time)
    x, y, w, h = spec.box
    crop = picture[y : y + h, x : x + w]
    if crop.shape[0] < tier_b.MIN_TEMPLATE_PX or crop.shape[1] < tier_b.MIN_TEMPLATE_PX:
        raise ValueError(f"the box of element {spec.label!r} lies outside the frame or is tiny")
    return tier_b.Element.from_crop(
        key=spec.key,
        label=spec.label,
        crop_rgb=np.ascontiguousarray(crop),
        native_width=picture.shape[1],
        source_time=spec.time,
        mask=spec.mask,
    )


def _source_sampling(video: VideoInput) -> frames.Sampling:
    return frames.Sampling(fps=SOURCE_FPS, keyframes=True, dense_ranges=video.ranges)


def _scan(
    video: VideoInput,
    sampling: frames.Sampling,
    searches: list[tier_b.ElementSearch],
    width: int,
) -> tier_a.HashTable:
    interval = 1.0 / sampling.dense_fps if sampling.dense_ranges else 1.0 / sampling.fps
    hasher = tier_a.Hasher(interval=interval)
    for frame in frames.sample(video.path, sampling, width=width):
        hasher.add(frame)
        for search in searches:
            search.add(frame)
    return hasher.table()


def run(
    output: VideoInput,
    cited: list[VideoInput],
    controls: list[VideoInput],
    elements: list[ElementInput],
    *,
    seed: int = 0,
) -> Outcome:
    """Analyse; raises ``frames.VideoUnreadable`` or ``ValueError`` with a reason to record."""
    np.random.seed(seed)  # RANSAC (OpenCV) draws from its own RNG, seeded below
    import cv2

    cv2.setRNGSeed(seed)
    stages = Stages()
    with stages.stage("elements"):
        refs = {e.key: _element(e) for e in elements}
    searches = {key: tier_b.ElementSearch(el) for key, el in refs.items()}
    with stages.stage("output"):
        out_table = _scan(output, OUTPUT_SAMPLING, list(searches.values()), DECODE_WIDTH)
    tables = {output.key: out_table}
    cited_rows: list[dict[str, Any]] = []
    for video in cited:
        with stages.stage(f"source {video.key}"):
            table = _scan(video, _source_sampling(video), [], tier_a.HASH_WIDTH)
            tables[video.key] = table
            pairs = tier_a.candidate_pairs(out_table, table)
            segs = tier_a.segments(pairs, out_interval=OUT_INTERVAL, src_interval=table.interval)
        cited_rows.append(
            {
                "key": video.key,
                "frames": len(table),
                "sampling": _source_sampling(video).to_dict(),
                "pairs": [p.to_dict() for p in pairs],
                "segments": [s.to_dict() for s in segs],
            }
        )
    control_rows: list[dict[str, Any]] = []
    a_scores: dict[str, list[np.ndarray]] = {"same_genre": [], "unrelated": []}
    b_scores: dict[str, list[float]] = {key: [] for key in refs}
    for video in controls:
        with stages.stage(f"control {video.key}"):
            control_searches = {key: tier_b.ElementSearch(el) for key, el in refs.items()}
            table = _scan(video, CONTROL_SAMPLING, list(control_searches.values()), DECODE_WIDTH)
            tables[video.key] = table
            segs = tier_a.segments(
                tier_a.candidate_pairs(out_table, table),
                out_interval=OUT_INTERVAL,
                src_interval=table.interval,
            )
            sims = tier_a.best_similarity(out_table, table)
        a_scores.setdefault(video.role, []).append(sims)
        element_hits = {}
        for key, search in control_searches.items():
            b_scores[key].extend(s.ncc for s in search.scores)
            hits = search.hits()
            if hits:
                element_hits[key] = [h.to_dict() for h in hits[:20]]
        control_rows.append(
            {
                "key": video.key,
                "role": video.role,
                "frames": len(table),
                "segments": [s.to_dict() for s in segs],
                "tier_a_best_similarity": _summary(sims),
                "element_hits": element_hits,
            }
        )
    with stages.stage("scores"):
        all_a = np.concatenate([*a_scores["same_genre"], *a_scores["unrelated"], np.array([])])
        for row in cited_rows:
            for seg in row["segments"]:
                seg["control_percentile"] = percentile(seg["similarity"], all_a)
        tracks = {key: search.tracks() for key, search in searches.items()}
        element_rows: list[dict[str, Any]] = []
        for key, el in refs.items():
            dist = np.asarray(b_scores[key], np.float64)
            rows = [t.to_dict() for t in tracks[key]]
            for row in rows:
                row["control_percentile"] = percentile(row["best"]["ncc"], dist)
            element_rows.append(
                {
                    "key": key,
                    "label": el.label,
                    "source_time": el.source_time,
                    "template_size": [int(el.template.shape[1]), int(el.template.shape[0])],
                    "tracks": rows,
                    "frames_scored": len(searches[key].scores),
                    "control_ncc": _summary(dist),
                }
            )
        result: dict[str, Any] = {
            "output": {
                "key": output.key,
                "frames": len(out_table),
                "sampling": OUTPUT_SAMPLING.to_dict(),
            },
            "cited": cited_rows,
            "controls": control_rows,
            "elements": element_rows,
            "thresholds": thresholds(),
            "libraries": library_versions(),
            "seed": seed,
        }
        rung, finding = ladder.system_rung(result)
        result["system_rung"] = rung
        result["finding"] = finding
    result["stages"] = stages.rows
    return Outcome(result=result, hash_tables=tables, tracks=tracks, elements=refs, stages=stages)


def _summary(values: np.ndarray) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"n": 0}
    p50, p95, p99 = np.percentile(finite, [50, 95, 99])
    return {
        "n": len(finite),
        "p50": round(float(p50), 4),
        "p95": round(float(p95), 4),
        "p99": round(float(p99), 4),
        "max": round(float(finite.max()), 4),
    }
