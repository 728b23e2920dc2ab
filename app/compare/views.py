"""The reader's comparison page and its files.

A comparison is visible exactly when its evidence item is
(``app.catalog.access.access_evidence``); until two editors have reviewed a
finished run, only people who may change the evidence item see it.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from app.compare import ladder
from app.compare.models import Comparison, ComparisonFile, InputRole
from app.compare.queries import access_comparison, is_reviewed

INLINE = {"image/png", "image/gif", "application/json"}


def _visible_comparison(request: HttpRequest, pk: int) -> Comparison:
    return access_comparison(request.user, pk)


def _marks(comparison: Comparison, source_id: int | None) -> list[dict[str, Any]]:
    """Timeline marks: tier-A segments and element appearances, each with its paired times."""
    result = comparison.result or {}
    marks: list[dict[str, Any]] = []
    for cited in result.get("cited", []):
        for seg in cited.get("segments", []):
            marks.append(
                {
                    "kind": "segment",
                    "out_start": seg["output_start"],
                    "out_end": seg["output_end"],
                    "src_start": seg["source_start"],
                    "src_end": seg["source_end"],
                    "label": f"{ladder.timecode(seg['output_start'])}–"
                    f"{ladder.timecode(seg['output_end'])} ↔ "
                    f"{ladder.timecode(seg['source_start'])}–{ladder.timecode(seg['source_end'])}",
                }
            )
    for element in result.get("elements", []):
        for track in element.get("tracks", []):
            marks.append(
                {
                    "kind": "element",
                    "out_start": track["start"],
                    "out_end": track["end"],
                    "src_start": element["source_time"],
                    "src_end": element["source_time"],
                    "label": f"{element['label']}: {ladder.timecode(track['start'])}–"
                    f"{ladder.timecode(track['end'])} ↔ {ladder.timecode(element['source_time'])}",
                }
            )
    return sorted(marks, key=lambda m: m["out_start"])


def _video_url(artifact: Any) -> str:
    return reverse("monitor:video", args=[artifact.pk, artifact.name])


@require_GET
def comparison_detail(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = _visible_comparison(request, pk)
    cited = comparison.inputs.select_related("video").filter(role=InputRole.CITED).first()
    result = comparison.result or {}
    finding = result.get("finding", {})
    names = set(comparison.files.values_list("name", flat=True))
    percentiles = [
        seg.get("control_percentile")
        for c in result.get("cited", [])
        for seg in c.get("segments", [])
    ] + [t.get("control_percentile") for e in result.get("elements", []) for t in e["tracks"]]
    return render(
        request,
        "compare/detail.html",
        {
            "comparison": comparison,
            "claim": comparison.evidence.claim,
            "sentence": ladder.wording(comparison.rung, finding),
            "rung": comparison.rung,
            "lowered": comparison.editor_rung is not None,
            "does_not_show": ladder.DOES_NOT_SHOW,
            "output_url": _video_url(comparison.output),
            "source_url": _video_url(cited.video) if cited else "",
            "marks": _marks(comparison, cited.video_id if cited else None),
            "files": names,
            "percentile": max((p for p in percentiles if p is not None), default=None),
            "controls": result.get("controls", []),
            "reviewed": is_reviewed(comparison),
        },
    )


@require_GET
def comparison_file(request: HttpRequest, pk: int, name: str) -> FileResponse:
    comparison = _visible_comparison(request, pk)
    stored = get_object_or_404(ComparisonFile, comparison=comparison, name=name)
    try:
        handle = default_storage.open(stored.storage_key, "rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    inline = stored.media_type in INLINE
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=stored.name,
        content_type=stored.media_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["X-Artifact-SHA256"] = stored.sha256
    return response
