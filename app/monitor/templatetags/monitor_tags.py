"""The claim page's video hook: the archived video of a cited range and its frames."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _seconds(value: Any) -> str:
    """12, 12.5 (a media fragment wants plain seconds)."""
    return f"{float(value):.3f}".rstrip("0").rstrip(".")


@register.simple_tag
def evidence_media(view: Any) -> dict[str, Any]:
    """For an ``app.public.queries.EvidenceView``: ``{video, frames, fragment}`` or ``{}``.

    Uses the artifacts already loaded for the page (no query). Frames are
    this item's own (``metadata.evidence_id``) inside its current range.
    """
    item = view.item
    if item.time_start is None:
        return {}
    start = float(item.time_start)
    end = float(item.time_end) if item.time_end is not None else start
    video = next((a for a in view.artifacts if a.kind == "video"), None)
    frames = sorted(
        (
            a
            for a in view.artifacts
            if a.kind == "frame"
            and a.metadata.get("evidence_id") == item.pk
            and start <= float(a.metadata.get("time", -1)) <= end
        ),
        key=lambda a: float(a.metadata["time"]),
    )
    fragment = f"#t={_seconds(start)}"
    if item.time_end is not None:
        fragment += f",{_seconds(end)}"
    return {"video": video, "frames": frames, "fragment": fragment}
