"""Operations on comparisons: create and enqueue, run, review, lower the wording."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import av
import numpy as np
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from app.archive.models import Artifact, ArtifactKind
from app.archive.storage import open_artifact
from app.catalog import access
from app.compare import analysis, files, frames, ladder, render, runs, stamp, tier_b
from app.compare.frames import VideoUnreadable
from app.compare.models import (
    Comparison,
    ComparisonInput,
    InputRole,
    PromptClass,
    ReferenceElement,
    Review,
    RunStatus,
)
from app.compare.queries import is_reviewed as is_reviewed  # the rule lives in queries
from app.compare.tier_a import HashTable


class ComparisonError(ValueError):
    """Bad input for a comparison; the message is for the editor."""


@dataclass(frozen=True)
class Method:
    """The method record an editor enters with the output."""

    model_name: str
    model_version: str
    generated_on: date
    prompt: str
    prompt_class: str
    attempts: int
    resembling: int
    settings: dict[str, Any]
    c2pa: str = "none found"
    seed: int = 0

    def check(self) -> None:
        if not self.model_name.strip():
            raise ComparisonError(_("Name the model that produced the output."))
        if not self.prompt.strip():
            raise ComparisonError(_("Give the prompt verbatim."))
        if self.prompt_class not in PromptClass.values:
            raise ComparisonError(_("The prompt class must be neutral, descriptive or leading."))
        if self.attempts < 1 or not 0 <= self.resembling <= self.attempts:
            raise ComparisonError(
                _("Count every attempt: n at least 1, and k between 0 and n (failures included).")
            )


def _ranges(raw: Sequence[Sequence[float]]) -> list[list[float]]:
    out = []
    for item in raw:
        if len(item) != 2 or not 0 <= float(item[0]) < float(item[1]):
            raise ComparisonError(_("A time range needs a start before its end, both ≥ 0."))
        out.append([float(item[0]), float(item[1])])
    return out


def comparison_create(
    *,
    evidence: Any,
    output: Artifact,
    cited: Sequence[tuple[Artifact, Sequence[Sequence[float]]]],
    controls: Sequence[tuple[Artifact, str]] = (),
    elements: Sequence[ReferenceElement] = (),
    method: Method,
    actor: Any,
) -> Comparison:
    """Record a comparison with its method and inputs; the analysis runs after commit."""
    method.check()
    if not cited:
        raise ComparisonError(_("Cite at least one archived source video."))
    for _video, role in controls:
        if role not in (InputRole.SAME_GENRE, InputRole.UNRELATED):
            raise ComparisonError(_("A control is same-genre or unrelated footage."))
    with transaction.atomic():
        comparison = Comparison.objects.create(
            evidence=evidence,
            output=output,
            model_name=method.model_name.strip(),
            model_version=method.model_version.strip(),
            generated_on=method.generated_on,
            prompt=method.prompt,
            prompt_class=method.prompt_class,
            generation_settings=method.settings,
            attempts=method.attempts,
            resembling=method.resembling,
            c2pa=method.c2pa or "none found",
            seed=method.seed,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        for video, ranges in cited:
            ComparisonInput.objects.create(
                comparison=comparison, video=video, role=InputRole.CITED, ranges=_ranges(ranges)
            )
        for video, role in controls:
            ComparisonInput.objects.create(comparison=comparison, video=video, role=role)
        comparison.elements.set(elements)
        transaction.on_commit(lambda: runs.ring(comparison.pk))
    return comparison


@contextmanager
def _local_paths(artifacts: Sequence[Artifact]) -> Iterator[dict[int, str]]:
    """A local file path per artifact: the stored file itself, or a temporary copy (S3)."""
    paths: dict[int, str] = {}
    tmp = tempfile.mkdtemp(prefix="compare-")
    try:
        for artifact in artifacts:
            if artifact.pk in paths:
                continue
            try:
                paths[artifact.pk] = default_storage.path(artifact.storage_key)
            except NotImplementedError:
                target = os.path.join(tmp, f"{artifact.pk}-{os.path.basename(artifact.name)}")
                with open_artifact(artifact) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                paths[artifact.pk] = target
        yield paths
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def comparison_run(comparison_id: int) -> None:
    """Claim a queued comparison, analyse it, store its files; a repeat call does nothing."""
    now = timezone.now()
    claimed = Comparison.objects.filter(pk=comparison_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        error_text="",
        runs=F("runs") + 1,
    )
    if not claimed:
        return
    with runs.heartbeat(comparison_id):
        _analyse(comparison_id)


def comparison_fail(comparison_id: int, reason: str) -> bool:
    """Fail a running comparison with the reason (its task hit the soft time limit)."""
    return bool(
        Comparison.objects.filter(pk=comparison_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error_text=reason[:2000], finished_at=timezone.now()
        )
    )


def _analyse(comparison_id: int) -> None:
    comparison = Comparison.objects.select_related("output").get(pk=comparison_id)
    inputs = list(comparison.inputs.select_related("video"))
    elements = list(comparison.elements.select_related("video"))
    videos = [comparison.output, *(i.video for i in inputs), *(e.video for e in elements)]
    try:
        with _local_paths(videos) as paths:
            outcome = analysis.run(
                analysis.VideoInput(key="output", path=paths[comparison.output_id], role="output"),
                [
                    analysis.VideoInput(
                        key=f"cited-{i.pk}",
                        path=paths[i.video_id],
                        ranges=tuple((float(a), float(b)) for a, b in i.ranges),
                    )
                    for i in inputs
                    if i.role == InputRole.CITED
                ],
                [
                    analysis.VideoInput(key=f"control-{i.pk}", path=paths[i.video_id], role=i.role)
                    for i in inputs
                    if i.role != InputRole.CITED
                ],
                [
                    analysis.ElementInput(
                        key=f"element-{e.pk}",
                        label=e.label,
                        source_path=paths[e.video_id],
                        time=float(e.time),
                        box=(e.x, e.y, e.width, e.height),
                    )
                    for e in elements
                ],
                seed=comparison.seed,
            )
            _store_outcome(comparison, outcome, paths, inputs, elements)
    except (VideoUnreadable, ValueError, OSError) as exc:
        comparison.status = RunStatus.FAILED
        comparison.error_text = str(exc)[:2000]
        comparison.finished_at = timezone.now()
        comparison.save(update_fields=["status", "error_text", "finished_at"])
        return
    comparison.result = outcome.result
    comparison.system_rung = int(outcome.result["system_rung"])
    if comparison.editor_rung is not None and comparison.editor_rung > comparison.system_rung:
        comparison.editor_rung = None  # a re-run that measured less drops the lowering
    comparison.status = RunStatus.SUCCEEDED
    comparison.finished_at = timezone.now()
    comparison.save(update_fields=["result", "system_rung", "editor_rung", "status", "finished_at"])
    files.write_manifest(comparison)
    stamp.ring_stamp(comparison.pk)


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1).encode()


def _store_outcome(
    comparison: Comparison,
    outcome: analysis.Outcome,
    paths: dict[int, str],
    inputs: list[ComparisonInput],
    elements: list[ReferenceElement],
) -> None:
    result = outcome.result
    tables: dict[str, HashTable] = outcome.hash_tables

    def store(name: str, kind: str, data: bytes, how: str) -> None:
        files.store_file(comparison, name=name, kind=kind, data=data, how=how)

    hashes = {key: table.to_rows() for key, table in tables.items()}
    store("frame-hashes.json", "frame_hashes", _json(hashes), "PDQ (pdqhash) and pHash")
    store("matches.json", "matches", _json(result["cited"]), "candidate pairs and segments")
    store("elements.json", "element_hits", _json(result["elements"]), "NCC, SIFT, SSIM")
    store("controls.json", "controls", _json(result["controls"]), "control distributions")
    for key, reference in outcome.elements.items():
        store(f"{key}.png", "element", render.png(reference.template), "reference element")
    rung, finding = ladder.system_rung(result)
    pictures: render.Pictures | None = None
    if rung == ladder.Rung.NEAR_DUPLICATE:
        cited_key = next(c["key"] for c in result["cited"] if finding in c["segments"])
        cited_input = next(i for i in inputs if f"cited-{i.pk}" == cited_key)
        middle = (finding["output_start"] + finding["output_end"]) / 2
        pictures = render.segment_pictures(
            paths[comparison.output_id],
            paths[cited_input.video_id],
            middle,
            middle + finding["offset"],
        )
    elif rung in (ladder.Rung.REGION, ladder.Rung.CHARACTERISTIC):
        element = next(e for e in elements if f"element-{e.pk}" == finding["element"])
        track = max(outcome.tracks[finding["element"]], key=lambda t: t.best.score)
        hit = track.best
        assert hit.aligned is not None and hit.diff is not None
        pictures = render.element_pictures(
            paths[comparison.output_id],
            paths[element.video_id],
            out_t=hit.time,
            src_t=float(element.time),
            corners=hit.corners,
            box=(element.x, element.y, element.width, element.height),
            aligned=hit.aligned,
            template=outcome.elements[finding["element"]].template,
            diff=hit.diff,
        )
    if pictures is not None:
        store("pair.png", "pair", pictures.pair, "side by side, time codes burned in")
        store("difference.png", "difference", pictures.diff, "1 - SSIM, scikit-image")
        store("blink-output.png", "blink", pictures.blink_output, "aligned output region")
        store("blink-source.png", "blink", pictures.blink_source, "source region")
        store("blink.gif", "blink", pictures.blink_clip, "2 s, alternating")


def review_add(*, comparison: Comparison, reviewer: Any, note: str = "") -> Review:
    """An editor signs off on a finished comparison (once each)."""
    if comparison.status != RunStatus.SUCCEEDED:
        raise ComparisonError(_("Only a finished comparison can be reviewed."))
    review, _created = Review.objects.get_or_create(
        comparison=comparison, reviewer=reviewer, defaults={"note": note}
    )
    return review


def rung_lower(*, comparison: Comparison, rung: int | None, actor: Any, reason: str) -> Comparison:
    """An editor lowers the wording (or restores the system's with ``None``); raising is refused."""
    try:
        ladder.check_lowering(comparison.system_rung, rung)
    except ladder.LoweringRefused as exc:
        raise ComparisonError(str(exc)) from exc
    if rung is not None and not reason.strip():
        raise ComparisonError(_("Say why the wording is lowered."))
    comparison.editor_rung = rung
    comparison.editor_rung_reason = reason.strip() if rung is not None else ""
    comparison.save(update_fields=["editor_rung", "editor_rung_reason"])
    return comparison


# --- The reference-element library ------------------------------------------------------

ELEMENT_KINDS = (ArtifactKind.VIDEO, ArtifactKind.IMAGE)


def may_draw_elements(user: Any) -> bool:
    """Who may add a reference element to the library: editors (they review comparisons)."""
    return access.has(user, access.EDIT_ANY_EVIDENCE)


def _duration(path: str) -> float | None:
    """The video's duration in seconds from its container or stream; None if unknown."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / av.time_base
    return None


def element_frame(video: Artifact, time: float) -> np.ndarray:
    """The RGB frame of an archived video at ``time`` (an image: the image itself), at native
    size, extracted from the archived file; ``ComparisonError`` with the reason otherwise."""
    if video.kind not in ELEMENT_KINDS:
        raise ComparisonError(_("Choose an archived video or image."))
    if time < 0:
        raise ComparisonError(_("The time code must be 0 or later."))
    if video.kind == ArtifactKind.IMAGE:
        time = 0.0
    with _local_paths([video]) as paths:
        path = paths[video.pk]
        try:
            duration = _duration(path) if video.kind == ArtifactKind.VIDEO else None
            if duration is not None and time > duration:
                raise ComparisonError(
                    _("%(time)s s is beyond the end of the video (%(duration)s s).")
                    % {"time": f"{time:.3f}", "duration": f"{duration:.3f}"}
                )
            return frames.frame_at(path, time)
        except (VideoUnreadable, av.FFmpegError, IndexError, OSError) as exc:
            raise ComparisonError(
                _("The archived file could not be read as a video or image: %(reason)s")
                % {"reason": str(exc)[:200]}
            ) from None


def element_box_check(picture: np.ndarray, box: Sequence[int]) -> None:
    """The box (x, y, width, height in pixels of the frame) lies inside it and is big enough."""
    x, y, width, height = (int(v) for v in box)
    frame_h, frame_w = picture.shape[:2]
    if min(x, y) < 0 or x + width > frame_w or y + height > frame_h:
        raise ComparisonError(
            _("The box lies outside the frame, which is %(w)s × %(h)s pixels.")
            % {"w": frame_w, "h": frame_h}
        )
    least = tier_b.MIN_TEMPLATE_PX
    if width < least or height < least:
        raise ComparisonError(
            _("The box is too small: at least %(n)s × %(n)s pixels.") % {"n": least}
        )


def element_crop(picture: np.ndarray, box: Sequence[int]) -> np.ndarray:
    x, y, width, height = (int(v) for v in box)
    return np.ascontiguousarray(picture[y : y + height, x : x + width])


def element_create(
    *,
    label: str,
    video: Artifact,
    time: float,
    box: Sequence[int],
    actor: Any,
    notes: str = "",
) -> ReferenceElement:
    """Add a box drawn on an archived frame to the library, checked against that frame."""
    if not may_draw_elements(actor):
        raise ComparisonError(_("Only editors add reference elements to the library."))
    if not label.strip():
        raise ComparisonError(_("Name the element, e.g. “Minecraft hotbar”."))
    picture = element_frame(video, time)
    element_box_check(picture, box)
    x, y, width, height = (int(v) for v in box)
    return ReferenceElement.objects.create(
        label=label.strip(),
        video=video,
        time=Decimal(f"{time if video.kind == ArtifactKind.VIDEO else 0.0:.3f}"),
        x=x,
        y=y,
        width=width,
        height=height,
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
