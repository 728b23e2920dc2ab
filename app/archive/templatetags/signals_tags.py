"""Signal timelines for the claim and entity pages (``app.archive.timeline``).

Each tag renders what every reader sees, whoever is signed in (the pages are
cached for all readers), and nothing at all when no cited page has signals.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from app.archive.timeline import Timeline, claim_timelines, entity_timelines
from app.catalog.models import Claim, Entity

register = template.Library()


def _render(timelines: list[Timeline], heading_id: str) -> str:
    if not timelines:
        return ""
    return render_to_string(
        "archive/_signal_timeline.html", {"timelines": timelines, "heading_id": heading_id}
    )


@register.simple_tag
def claim_signal_timeline(claim: Claim) -> str:
    """How the AI-training signals of the pages the claim's evidence cites changed."""
    return _render(claim_timelines(claim), "signal-timeline")


@register.simple_tag
def entity_signal_timeline(entity: Entity) -> str:
    """The same for a work, creator or organization (nothing for models and datasets)."""
    return _render(entity_timelines(entity), "signal-timeline")
