"""Tier B: a specific element (a HUD, hotbar, logo, watermark) found again in other footage.

For each sampled frame and each reference element (a box an editor drew on a
source frame, with an optional mask):

1. masked multi-scale normalised cross-correlation (``cv2.matchTemplate``,
   ``TM_CCOEFF_NORMED``) over ``SCALES`` gives the best place and size;
2. SIFT features of the element and of the frame around that place, matched
   with Lowe's ratio test, and a RANSAC homography; a homography that flips,
   collapses, stretches or tilts the element beyond ``homography_problem``'s
   limits is rejected with its reason;
3. the frame region is warped back onto the element and compared with SSIM
   (scikit-image); ``1 - SSIM`` per pixel is the difference map.

A frame is a hit when all three pass their thresholds. Hits close in time and
place are tracked into one appearance ("visible 00:02-00:08, best at 00:05").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from app.compare.frames import Frame

NCC_MIN = 0.6  # candidate threshold on the best correlation; see docs/compare.md
SSIM_MIN = 0.5  # the aligned region must be at least this similar
MIN_INLIERS = 10  # RANSAC inliers for a homography to count
RATIO = 0.8  # Lowe's ratio test
RANSAC_PX = 4.0  # reprojection threshold, working pixels
# Element sizes relative to the element in the source (working pixels): 0.4x to 2.5x.
SCALES = tuple(float(s) for s in np.geomspace(0.4, 2.5, 17))
# Around the best coarse scale, these finer factors (about 2 % apart) refine it.
REFINE = tuple(float(f) for f in np.geomspace(1 / 1.06, 1.06, 7))
BLUR_SIGMA = 1.5  # both sides are blurred before correlation: tolerates a scale step
MIN_TEMPLATE_PX = 12  # a scaled element smaller than this in either side is skipped
TRACK_GAP_SECONDS = 1.0  # hits further apart in time start a new appearance
ELEMENT_WIDTH = 480  # working width of frames searched for elements


@dataclass(frozen=True)
class Element:
    """A reference element cut from a source frame, already at that source's working scale."""

    key: str
    label: str
    template: np.ndarray  # grey uint8
    mask: np.ndarray | None  # uint8 0/255, same shape, or None for the whole box
    source_time: float

    @classmethod
    def from_crop(
        cls,
        *,
        key: str,
        label: str,
        crop_rgb: np.ndarray,
        native_width: int,
        source_time: float,
        mask: np.ndarray | None = None,
    ) -> Element:
        """Scale a native-resolution crop to the working width the source would have."""
        factor = min(1.0, ELEMENT_WIDTH / native_width)
        grey = cv2.cvtColor(crop_rgb, cv2.COLOR_RGB2GRAY)
        if factor != 1.0:
            size = (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor)))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
            if mask is not None:
                mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
        if mask is not None and bool((mask > 0).all()):
            mask = None
        return cls(key=key, label=label, template=grey, mask=mask, source_time=source_time)


@dataclass
class Hit:
    time: float
    ncc: float
    scale: float
    inliers: int
    ssim: float
    corners: list[list[float]]  # the element's four corners in the frame, native pixels
    diff: np.ndarray | None = field(default=None, repr=False)  # 0-255, element-sized
    aligned: np.ndarray | None = field(default=None, repr=False)

    @property
    def score(self) -> float:
        return self.ncc * self.ssim

    @property
    def box(self) -> tuple[int, int, int, int]:
        xs = [c[0] for c in self.corners]
        ys = [c[1] for c in self.corners]
        return round(min(xs)), round(min(ys)), round(max(xs) - min(xs)), round(max(ys) - min(ys))

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": round(self.time, 4),
            "ncc": round(self.ncc, 4),
            "scale": round(self.scale, 3),
            "inliers": self.inliers,
            "ssim": round(self.ssim, 4),
            "corners": [[round(x, 1), round(y, 1)] for x, y in self.corners],
            "box": list(self.box),
        }


@dataclass
class Track:
    element: str
    hits: list[Hit]

    @property
    def start(self) -> float:
        return self.hits[0].time

    @property
    def end(self) -> float:
        return self.hits[-1].time

    @property
    def best(self) -> Hit:
        return max(self.hits, key=lambda h: h.score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "element": self.element,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "hits": len(self.hits),
            "best": self.best.to_dict(),
        }


@dataclass
class FrameScore:
    """The best correlation of one element in one frame, hit or not (for controls)."""

    time: float
    ncc: float
    hit: Hit | None
    rejected: str = ""


class ElementSearch:
    """Searches frames for one element; keeps per-frame scores and the hits."""

    def __init__(self, element: Element) -> None:
        self.element = element
        self.sift = cv2.SIFT_create()  # type: ignore[attr-defined]
        self.kp, self.desc = self.sift.detectAndCompute(element.template, element.mask)
        self.scores: list[FrameScore] = []
        self._scaled = [x for x in (self._scale(s) for s in SCALES) if x is not None]

    def _scale(self, s: float) -> tuple[float, np.ndarray, np.ndarray | None] | None:
        th, tw = self.element.template.shape
        size = (round(tw * s), round(th * s))
        if min(size) < MIN_TEMPLATE_PX:
            return None
        t = cv2.resize(self.element.template, size, interpolation=cv2.INTER_AREA)
        t = cv2.GaussianBlur(t, (0, 0), BLUR_SIGMA)
        m = None
        if self.element.mask is not None:
            m = cv2.resize(self.element.mask, size, interpolation=cv2.INTER_NEAREST)
        return s, t, m

    def add(self, frame: Frame) -> FrameScore:
        """Score one frame: features over the whole frame first, else the correlation sweep.

        Features find the element at any scale in one pass; the sweep catches
        elements with too little texture for features, and its best value is
        the frame's score when nothing is found (the control distributions).
        """
        grey = _working_grey(frame)
        factor = frame.native_size[0] / grey.shape[1]
        hit, why = self._verify(grey, (0, 0), factor, frame.time)
        if hit is not None:
            score = FrameScore(time=frame.time, ncc=hit.ncc, hit=hit)
        else:
            ncc, scale, at = self._best_ncc(grey)
            score = FrameScore(time=frame.time, ncc=ncc, hit=None, rejected=why)
            if ncc >= NCC_MIN:
                th, tw = self.element.template.shape
                w, h = tw * scale, th * scale
                x0, y0 = max(0, int(at[0] - w / 2)), max(0, int(at[1] - h / 2))
                x1 = min(grey.shape[1], int(at[0] + 1.5 * w) + 1)
                y1 = min(grey.shape[0], int(at[1] + 1.5 * h) + 1)
                hit, why = self._verify(grey[y0:y1, x0:x1], (x0, y0), factor, frame.time)
                score.hit, score.rejected = hit, why
        self.scores.append(score)
        return score

    def _best_ncc(self, grey: np.ndarray) -> tuple[float, float, tuple[int, int]]:
        blurred = cv2.GaussianBlur(grey, (0, 0), BLUR_SIGMA)
        best = _best_of(blurred, self._scaled)
        finer = (self._scale(best[1] * f) for f in REFINE if f != 1.0)
        refined = _best_of(blurred, [x for x in finer if x is not None])
        return refined if refined[0] > best[0] else best

    def _verify(
        self, region: np.ndarray, offset: tuple[int, int], factor: float, time: float
    ) -> tuple[Hit | None, str]:
        """Features, homography, then correlation and SSIM of the region aligned on the element."""
        if self.desc is None or len(self.kp) < MIN_INLIERS:
            return None, "the element has too few features for a homography"
        kp, desc = self.sift.detectAndCompute(region, None)
        if desc is None or len(kp) < MIN_INLIERS:
            return None, "too few features in the frame"
        matches = cv2.BFMatcher(cv2.NORM_L2).knnMatch(self.desc, desc, k=2)
        good = [m[0] for m in matches if len(m) == 2 and m[0].distance < RATIO * m[1].distance]
        if len(good) < MIN_INLIERS:
            return None, f"{len(good)} feature matches, fewer than {MIN_INLIERS}"
        src = np.array([self.kp[m.queryIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
        dst = np.array([kp[m.trainIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
        matrix, inlier_mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
        if matrix is None or inlier_mask is None:
            return None, "no homography"
        inliers = int(inlier_mask.sum())
        if inliers < MIN_INLIERS:
            return None, f"{inliers} RANSAC inliers, fewer than {MIN_INLIERS}"
        th, tw = self.element.template.shape
        problem = homography_problem(matrix, tw, th)
        if problem:
            return None, problem
        aligned = cv2.warpPerspective(region, np.linalg.inv(matrix), (tw, th))
        ncc = float(
            cv2.matchTemplate(
                aligned, self.element.template, cv2.TM_CCOEFF_NORMED, mask=self.element.mask
            ).max()
        )
        if not np.isfinite(ncc) or ncc < NCC_MIN:
            return None, f"correlation {ncc:.2f} of the aligned region below {NCC_MIN}"
        ssim, smap = structural_similarity(
            self.element.template, aligned, data_range=255, full=True, win_size=7
        )
        if self.element.mask is not None:
            ssim = float(smap[self.element.mask > 0].mean())
        if ssim < SSIM_MIN:
            return None, f"SSIM {ssim:.2f} below {SSIM_MIN}"
        corners = cv2.perspectiveTransform(
            np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float32).reshape(-1, 1, 2), matrix
        ).reshape(-1, 2)
        x0, y0 = offset
        native = [[(float(x) + x0) * factor, (float(y) + y0) * factor] for x, y in corners]
        diff = np.clip((1.0 - smap) * 127.5, 0, 255).astype(np.uint8)
        hit = Hit(
            time=time,
            ncc=ncc,
            scale=float(np.sqrt(abs(np.linalg.det(matrix[:2, :2] / matrix[2, 2])))),
            inliers=inliers,
            ssim=float(ssim),
            corners=native,
            diff=diff,
            aligned=aligned,
        )
        return hit, ""

    def hits(self) -> list[Hit]:
        return [s.hit for s in self.scores if s.hit is not None]

    def tracks(self) -> list[Track]:
        return track(self.element.key, self.hits())


def _best_of(
    grey: np.ndarray, scaled: list[tuple[float, np.ndarray, np.ndarray | None]]
) -> tuple[float, float, tuple[int, int]]:
    best = (-1.0, 1.0, (0, 0))
    for s, t, m in scaled:
        if t.shape[0] > grey.shape[0] or t.shape[1] > grey.shape[1]:
            continue
        res = cv2.matchTemplate(grey, t, cv2.TM_CCOEFF_NORMED, mask=m)
        res = np.nan_to_num(res, nan=-1.0, posinf=-1.0, neginf=-1.0)
        _, value, _, loc = cv2.minMaxLoc(res)
        if value > best[0]:
            best = (float(value), s, (int(loc[0]), int(loc[1])))
    return best


def _working_grey(frame: Frame) -> np.ndarray:
    grey = frame.grey
    if grey.shape[1] > ELEMENT_WIDTH:
        h = round(grey.shape[0] * ELEMENT_WIDTH / grey.shape[1])
        grey = cv2.resize(grey, (ELEMENT_WIDTH, h), interpolation=cv2.INTER_AREA)
    return grey


def homography_problem(matrix: np.ndarray, width: int, height: int) -> str:
    """Why a homography is degenerate for a flat overlay element, or "" when it is fine.

    Rejected: non-finite or singular matrices, mirror images (negative
    determinant), corners that no longer form a convex quadrilateral, a
    scale outside 0.2x-5x, an aspect ratio changed more than 2x, and a
    perspective tilt strong enough to shrink one side to less than half the
    opposite one (an overlay is drawn flat on the screen).
    """
    if not np.all(np.isfinite(matrix)) or abs(matrix[2, 2]) < 1e-9:
        return "the homography is not finite"
    h = matrix / matrix[2, 2]
    det = float(np.linalg.det(h[:2, :2]))
    if det <= 0:
        return "the homography mirrors or collapses the element"
    corners = cv2.perspectiveTransform(
        np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32).reshape(-1, 1, 2),
        h,
    ).reshape(-1, 2)
    if not _convex(corners):
        return "the projected corners do not form a convex quadrilateral"
    area = float(cv2.contourArea(corners.astype(np.float32)))
    scale = np.sqrt(area / (width * height))
    if not 0.2 <= scale <= 5.0:
        return f"scale {scale:.2f} outside 0.2-5"
    top, right, bottom, left = (
        float(np.linalg.norm(corners[(i + 1) % 4] - corners[i])) for i in range(4)
    )
    if min(top, bottom) < 0.5 * max(top, bottom) or min(left, right) < 0.5 * max(left, right):
        return "a perspective tilt no flat overlay has"
    aspect = ((top + bottom) / (left + right)) / (width / height)
    if not 0.5 <= aspect <= 2.0:
        return f"aspect ratio changed {aspect:.2f}x"
    return ""


def _convex(corners: np.ndarray) -> bool:
    signs = []
    for i in range(4):
        a, b, c = corners[i], corners[(i + 1) % 4], corners[(i + 2) % 4]
        cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        signs.append(cross > 0)
    return all(signs) or not any(signs)


def track(element: str, hits: Iterable[Hit]) -> list[Track]:
    """Hits of one element in time order, split where time or place jumps."""
    tracks: list[Track] = []
    for hit in sorted(hits, key=lambda h: h.time):
        if tracks:
            last = tracks[-1].hits[-1]
            near = _distance(last.box, hit.box) <= max(last.box[2], last.box[3])
            if hit.time - last.time <= TRACK_GAP_SECONDS and near:
                tracks[-1].hits.append(hit)
                continue
        tracks.append(Track(element=element, hits=[hit]))
    return tracks


def _distance(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ca = (a[0] + a[2] / 2, a[1] + a[3] / 2)
    cb = (b[0] + b[2] / 2, b[1] + b[3] / 2)
    return float(np.hypot(ca[0] - cb[0], ca[1] - cb[1]))
