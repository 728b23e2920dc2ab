"""Tier A: near-duplicate frames and segments, from perceptual hashes and time alignment.

Each sampled frame gets a PDQ hash (256 bits, with Meta's quality score) and a
pHash (64 bits, ``imagehash``). A pair (output frame, source frame) is a
candidate when either hash is close: PDQ distance <= ``PDQ_MAX`` with both
qualities >= ``PDQ_MIN_QUALITY`` (Meta's published defaults), or pHash
distance <= ``PHASH_MAX``. PDQ is the stricter of the two under cropping (a 2 %
crop on each side already costs about 30 of its 256 bits), pHash under
re-encoding; each pair records both distances, and the controls measure what
the union costs in false matches.

Candidate pairs that keep the same offset (source time minus output time) over
consecutive output frames form a diagonal in the (output, source) plane: a
segment match ``output 00:03-00:09 <-> source 12:30-12:36``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import imagehash
import numpy as np
from PIL import Image

from app.compare.frames import Frame

try:  # built from source (no wheel for Python 3.11); see docs/compare.md
    import pdqhash
except ImportError:  # pragma: no cover - the pinned requirements install it
    pdqhash = None

PDQ_MAX = 31  # of 256 bits: Meta's default match threshold (PDQ hashing paper, 2019)
PDQ_MIN_QUALITY = 50  # Meta's default: frames below are too flat to hash reliably
# Of 64 bits. Calibrated (bench/calibrate_compare.py, docs/compare.md): 81/81 transformed
# excerpts found at 12 (77/81 at 10), no frame of any control closer than 16.
PHASH_MAX = 12
# A flat frame (a fade, a title card) hashes like every other flat frame.
PHASH_MIN_STD = 8.0
MIN_SEGMENT_FRAMES = 3  # distinct output frames on one diagonal
# A run survives this many seconds without a pair (motion blur, a flash).
MAX_GAP_SECONDS = 1.5
HASH_WIDTH = 256  # working width for hashing: PDQ downsamples to 64x64 anyway


@dataclass
class HashTable:
    """Hashes of one video's sampled frames, in time order."""

    times: np.ndarray  # float64 seconds
    phash: np.ndarray  # uint64
    pdq: np.ndarray  # uint64, shape (n, 4): 256 bits
    quality: np.ndarray  # int16: PDQ quality, or 100 when only pHash is used
    usable: np.ndarray  # bool: textured enough to compare
    with_pdq: bool = True
    interval: float = 1.0  # the sampling grid's step, seconds

    def __len__(self) -> int:
        return len(self.times)

    def to_rows(self) -> list[dict[str, Any]]:
        """One row per frame for the frame-hash table artifact (hex hashes)."""
        rows = []
        for i in range(len(self)):
            row: dict[str, Any] = {
                "t": round(float(self.times[i]), 4),
                "phash": f"{int(self.phash[i]):016x}",
                "usable": bool(self.usable[i]),
            }
            if self.with_pdq:
                row["pdq"] = "".join(f"{int(w):016x}" for w in self.pdq[i])
                row["pdq_quality"] = int(self.quality[i])
            rows.append(row)
        return rows


def phash_of(grey: np.ndarray) -> int:
    bits = imagehash.phash(Image.fromarray(grey)).hash.flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def pdq_of(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    assert pdqhash is not None
    bits, quality = pdqhash.compute(rgb)
    packed = np.packbits(bits.astype(np.uint8)).view(">u8").astype(np.uint64)
    return packed, int(quality)


def _hash_width_frame(frame: Frame) -> np.ndarray:
    rgb = frame.rgb
    if rgb.shape[1] <= HASH_WIDTH:
        return rgb
    h = round(rgb.shape[0] * HASH_WIDTH / rgb.shape[1])
    return np.asarray(Image.fromarray(rgb).resize((HASH_WIDTH, h), Image.Resampling.BILINEAR))


class Hasher:
    """Accumulates the hashes of frames as they are decoded (one pass per video)."""

    def __init__(self, *, interval: float, use_pdq: bool = True) -> None:
        self.use_pdq = use_pdq and pdqhash is not None
        self.interval = interval
        self.times: list[float] = []
        self.phash: list[int] = []
        self.pdq: list[np.ndarray] = []
        self.quality: list[int] = []
        self.usable: list[bool] = []

    def add(self, frame: Frame) -> None:
        rgb = _hash_width_frame(frame)
        grey = Image.fromarray(rgb).convert("L")
        grey_arr = np.asarray(grey)
        self.times.append(frame.time)
        self.phash.append(phash_of(grey_arr))
        std = float(grey_arr.std())
        if self.use_pdq:
            packed, quality = pdq_of(rgb)
            self.pdq.append(packed)
            self.quality.append(quality)
            self.usable.append(quality >= PDQ_MIN_QUALITY and std >= PHASH_MIN_STD)
        else:
            self.pdq.append(np.zeros(4, np.uint64))
            self.quality.append(100)
            self.usable.append(std >= PHASH_MIN_STD)

    def table(self) -> HashTable:
        n = len(self.times)
        return HashTable(
            times=np.asarray(self.times, np.float64),
            phash=np.asarray(self.phash, np.uint64),
            pdq=np.asarray(self.pdq, np.uint64).reshape(n, 4),
            quality=np.asarray(self.quality, np.int16),
            usable=np.asarray(self.usable, bool),
            with_pdq=self.use_pdq,
            interval=self.interval,
        )


def hash_frames(frames: Iterable[Frame], *, interval: float, use_pdq: bool = True) -> HashTable:
    hasher = Hasher(interval=interval, use_pdq=use_pdq)
    for frame in frames:
        hasher.add(frame)
    return hasher.table()


def phash_distances(a: HashTable, b: HashTable) -> np.ndarray:
    """Hamming distances, shape (len(a), len(b)), uint8."""
    return np.bitwise_count(a.phash[:, None] ^ b.phash[None, :]).astype(np.uint8)


def pdq_distances(a: HashTable, b: HashTable) -> np.ndarray:
    """Hamming distances of the 256-bit PDQ hashes, shape (len(a), len(b)), uint16."""
    out = np.zeros((len(a), len(b)), np.uint16)
    for word in range(4):
        out += np.bitwise_count(a.pdq[:, word][:, None] ^ b.pdq[:, word][None, :])
    return out


@dataclass(frozen=True)
class Pair:
    out_t: float
    src_t: float
    phash: int
    pdq: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "output_t": round(self.out_t, 4),
            "source_t": round(self.src_t, 4),
            "phash_distance": self.phash,
            "pdq_distance": self.pdq,
        }


def candidate_pairs(output: HashTable, source: HashTable, *, chunk: int = 4096) -> list[Pair]:
    """Every (output frame, source frame) pair under either threshold.

    The distance matrix is built ``chunk`` source frames at a time, so a long
    source costs memory proportional to the output's length only.
    """
    use_pdq = output.with_pdq and source.with_pdq
    pairs: list[Pair] = []
    for start in range(0, len(source), chunk):
        part = _slice(source, start, start + chunk)
        ph = phash_distances(output, part)
        ok = ph <= PHASH_MAX
        pd: np.ndarray | None = None
        if use_pdq:
            pd = pdq_distances(output, part)
            ok |= pd <= PDQ_MAX
        ok &= output.usable[:, None] & part.usable[None, :]
        for i, j in zip(*np.nonzero(ok), strict=True):
            pairs.append(
                Pair(
                    out_t=float(output.times[i]),
                    src_t=float(part.times[j]),
                    phash=int(ph[i, j]),
                    pdq=int(pd[i, j]) if pd is not None else None,
                )
            )
    return pairs


def _slice(table: HashTable, start: int, end: int) -> HashTable:
    return HashTable(
        times=table.times[start:end],
        phash=table.phash[start:end],
        pdq=table.pdq[start:end],
        quality=table.quality[start:end],
        usable=table.usable[start:end],
        with_pdq=table.with_pdq,
        interval=table.interval,
    )


def best_similarity(output: HashTable, other: HashTable, *, chunk: int = 4096) -> np.ndarray:
    """Per output frame, the best pHash similarity (1 - distance/64) to any frame of ``other``.

    The distribution a score is ranked against: what "close" means between
    footage that shares nothing (unrelated controls) or only a game (same-genre).
    Unusable (flat) output frames are NaN.
    """
    best = np.full(len(output), 64, np.uint8)
    for start in range(0, len(other), chunk):
        part = _slice(other, start, start + chunk)
        d = phash_distances(output, part)
        d = np.where(part.usable[None, :], d, 64)
        if d.shape[1]:
            best = np.minimum(best, d.min(axis=1))
    sim = 1.0 - best.astype(np.float64) / 64.0
    sim[~output.usable] = np.nan
    return sim


@dataclass
class Segment:
    out_start: float
    out_end: float
    src_start: float
    src_end: float
    offset: float
    pairs: list[Pair] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        """Mean pHash similarity of each output frame's best pair."""
        best: dict[float, int] = {}
        for p in self.pairs:
            best[p.out_t] = min(best.get(p.out_t, 64), p.phash)
        return 1.0 - float(np.mean(list(best.values()))) / 64.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output_start": round(self.out_start, 3),
            "output_end": round(self.out_end, 3),
            "source_start": round(self.src_start, 3),
            "source_end": round(self.src_end, 3),
            "offset": round(self.offset, 3),
            "pairs": len(self.pairs),
            "similarity": round(self.similarity, 4),
        }


def segments(pairs: Sequence[Pair], *, out_interval: float, src_interval: float) -> list[Segment]:
    """Group candidate pairs into diagonal runs (constant offset, consecutive output times).

    Offsets are chained when they differ by at most one source sampling
    interval; within a chain, output times split where the gap exceeds two
    source intervals plus one output interval (a source sampled at 1 fps
    matches only some of a 4 fps output's frames), or ``MAX_GAP_SECONDS``. A run needs
    ``MIN_SEGMENT_FRAMES`` distinct output frames. The segment's offset is the
    median offset of each output frame's best pair, so its source range is
    placed to within a sampled frame.
    """
    if not pairs:
        return []
    tol = max(src_interval, out_interval)
    max_gap = max(2 * src_interval + out_interval, MAX_GAP_SECONDS)
    ordered = sorted(pairs, key=lambda p: p.src_t - p.out_t)
    chains: list[list[Pair]] = [[ordered[0]]]
    for p in ordered[1:]:
        prev = chains[-1][-1]
        if (p.src_t - p.out_t) - (prev.src_t - prev.out_t) <= tol:
            chains[-1].append(p)
        else:
            chains.append([p])
    found: list[Segment] = []
    for chain in chains:
        chain.sort(key=lambda p: (p.out_t, p.src_t))
        run: list[Pair] = [chain[0]]
        for p in chain[1:]:
            if p.out_t - run[-1].out_t > max_gap:
                found.extend(_segment_of(run))
                run = [p]
            else:
                run.append(p)
        found.extend(_segment_of(run))
    found.sort(key=lambda s: (s.out_start, s.src_start))
    return _drop_overlaps(found)


def _segment_of(run: list[Pair]) -> list[Segment]:
    best: dict[float, Pair] = {}
    for p in run:
        key = (p.phash, p.pdq or 0)
        if p.out_t not in best or key < (best[p.out_t].phash, best[p.out_t].pdq or 0):
            best[p.out_t] = p
    if len(best) < MIN_SEGMENT_FRAMES or len({p.src_t for p in run}) < 2:
        return []
    offset = float(np.median([p.src_t - p.out_t for p in best.values()]))
    out_start, out_end = min(best), max(best)
    return [
        Segment(
            out_start=out_start,
            out_end=out_end,
            src_start=out_start + offset,
            src_end=out_end + offset,
            offset=offset,
            pairs=list(run),
        )
    ]


def _drop_overlaps(found: list[Segment]) -> list[Segment]:
    """Where two runs cover the same output time, keep the one with more pairs."""
    kept: list[Segment] = []
    for seg in sorted(found, key=lambda s: -len(s.pairs)):
        if all(seg.out_end < k.out_start or seg.out_start > k.out_end for k in kept):
            kept.append(seg)
    return sorted(kept, key=lambda s: s.out_start)
