"""Frames of the moments evidence cites in an archived video, and the check of its time range.

For each evidence item with a time range on a source whose video is
archived, a frame is kept at the start, the middle and the end of the range
(one frame when only a start is given), stored as an artifact of kind
``frame`` named ``frame-e<evidence id>-<seconds>.png`` with the evidence id
and the time in its metadata. The range is checked against the real
duration: a range that starts or ends past the end of the video sets
``Evidence.time_range_problem`` (shown to editors), a fitting one clears it.

Two ways in: the media step calls ``frames_for_capture`` while the capture
runs (the frames are then in its manifest); ``refresh_evidence_frames``
serves evidence saved later (a task, see app.monitor.signals). Frames made
after a capture's manifest are marked ``after_manifest`` in their metadata:
the manifest was sealed before they existed, their own hashes still hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from app.archive.media import MediaFailure, Probe, Source, grab_frames, png_bytes, probe_media
from app.archive.models import WITH_FILES, Artifact, ArtifactKind, Capture, CaptureStatus
from app.archive.steps.base import CaptureContext
from app.archive.storage import insert_artifact, open_artifact, put_file
from app.catalog.models import Evidence
from app.lib.timecodes import format_timecode

# Time codes are typed by people to the second: a range ending this little past the end fits.
END_TOLERANCE = 0.5
StoreFn = Callable[..., Artifact]


@dataclass(frozen=True)
class RangePlan:
    times: list[float]
    problem: str


def plan_range(
    start: Decimal, end: Decimal | None, duration: float, *, partial: bool = False
) -> RangePlan:
    """Which moments to grab for a range, and what is wrong with it (or '')."""
    first = float(start)
    last = float(end) if end is not None else None
    length = format_timecode(duration)
    problem = ""
    if first >= duration:
        starts = format_timecode(first)
        problem = f"The range starts at {starts}, after the end of the archived video ({length})."
        times: list[float] = []
    elif last is not None and last > duration + END_TOLERANCE:
        ends = format_timecode(last)
        problem = f"The range ends at {ends}, past the end of the archived video ({length})."
        times = [first, round((first + duration) / 2, 3), round(duration, 3)]
    elif last is None:
        times = [first]
    else:
        times = [first, round((first + last) / 2, 3), round(min(last, duration), 3)]
    if problem and partial:
        problem += " The archived copy is a bounded recording of a live stream."
    return RangePlan(times=sorted(set(times)), problem=problem)


def frame_name(evidence_id: int, seconds: float) -> str:
    return f"frame-e{evidence_id}-{seconds:.3f}.png"


def _store_frames(
    *,
    store: StoreFn,
    video: Artifact,
    source: Source,
    duration: float,
    items: Iterable[Evidence],
    extra: dict[str, Any] | None = None,
) -> int:
    """Grab and store the frames of every item; record each item's range problem."""
    import av

    partial = bool(video.partial)
    plans = {item.pk: plan_range(item.time_start, item.time_end, duration, partial=partial)
             for item in items if item.time_start is not None}  # fmt: skip
    moments = sorted({t for plan in plans.values() for t in plan.times})
    images = grab_frames(source, moments) if moments else {}
    stored = 0
    for evidence_id, plan in plans.items():
        for moment in plan.times:
            store(
                kind=ArtifactKind.FRAME,
                name=frame_name(evidence_id, moment),
                data=png_bytes(images[moment]),
                media_type="image/png",
                derived_from=video,
                how=f"PyAV {av.__version__}, the frame shown at {moment:.3f} s",
                metadata={"evidence_id": evidence_id, "time": moment, **(extra or {})},
            )
            stored += 1
        problem = plan.problem[:300]
        Evidence.objects.filter(pk=evidence_id).exclude(time_range_problem=problem).update(
            time_range_problem=problem
        )
    return stored


def frames_for_capture(*, ctx: CaptureContext, video: Artifact, path: Path, probe: Probe) -> int:
    """In the media step: frames for every ranged evidence item citing this source."""
    items = Evidence.objects.filter(source_id=ctx.capture.source_id, time_start__isnull=False)
    return _store_frames(
        store=ctx.store, video=video, source=path, duration=probe.duration, items=list(items)
    )


def video_for(item: Evidence) -> Artifact | None:
    """The archived video showing the source as cited: the last one before, else the first after."""
    videos = list(
        Artifact.objects.filter(
            kind=ArtifactKind.VIDEO,
            capture__source_id=item.source_id,
            capture__status__in=WITH_FILES,
        )
        .select_related("capture")
        .order_by("capture__created_at", "capture_id")
    )
    before = [v for v in videos if v.capture.created_at <= item.created_at]
    if before:
        return before[-1]
    return videos[0] if videos else None


def _locked_store(capture_id: int) -> StoreFn:
    """Write the frame first, then insert its row in a short transaction on the capture."""

    def store(*, name: str, data: bytes, **row: Any) -> Artifact:
        stored = put_file(name=name, data=data)
        with transaction.atomic():
            capture = Capture.objects.select_for_update().get(pk=capture_id)
            return insert_artifact(capture=capture, stored=stored, **row)

    return store


def _up_to_date(item: Evidence, video: Artifact) -> bool:
    """The item's frames are all there and its recorded problem is current (no decoding)."""
    duration = float(video.metadata.get("duration") or 0)
    if not duration or item.time_start is None:
        return False
    plan = plan_range(item.time_start, item.time_end, duration, partial=bool(video.partial))
    names = {frame_name(item.pk, moment) for moment in plan.times}
    have = Artifact.objects.filter(capture_id=video.capture_id, name__in=names).count()
    return have == len(names) and item.time_range_problem == plan.problem[:300]


def refresh_evidence_frames(*, evidence_id: int) -> str:
    """Frames and range check for one item whose video is already archived; says what it did.

    Returns ``"busy"`` while a capture of the source is queued or running
    (that capture's media step will do it, or the caller tries again).
    """
    item = Evidence.objects.filter(pk=evidence_id).first()
    if item is None or item.time_start is None:
        return "no range"
    active = Capture.objects.filter(
        source_id=item.source_id, status__in=[CaptureStatus.QUEUED, CaptureStatus.RUNNING]
    )
    if active.exists():
        return "busy"
    video = video_for(item)
    if video is None:
        return "no video"
    if _up_to_date(item, video):
        return "up to date"
    with open_artifact(video) as handle:
        duration = float(video.metadata.get("duration") or 0) or probe_media(handle).duration
        handle.seek(0)
        try:
            stored = _store_frames(
                store=_locked_store(video.capture_id),
                video=video,
                source=handle,
                duration=duration,
                items=[item],
                extra={"after_manifest": bool(video.capture.manifest_sha256)},
            )
        except MediaFailure as exc:
            return f"failed: {exc.message}"
    return f"{stored} frames"
