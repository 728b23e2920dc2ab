"""Links to artifacts, on ARTIFACT_ORIGIN when one is configured; capture states in plain words."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

from app.archive.models import Artifact, Capture
from app.archive.states import CaptureState, LinkState, describe_capture, describe_link
from app.catalog.models import Source

register = template.Library()


@register.simple_tag
def artifact_url(artifact: Artifact, download: bool = False) -> str:
    """The artifact's address; absolute on ``ARTIFACT_ORIGIN`` if set (a separate origin
    keeps even a mis-served file away from the site's cookies)."""
    path = reverse("archive:artifact", args=[artifact.pk, artifact.name])
    if download:
        path += "?download=1"
    origin = getattr(settings, "ARTIFACT_ORIGIN", "")
    return f"{origin}{path}" if origin else path


@register.simple_tag
def capture_state(
    status: str | None, error_class: str | None = "", error_text: str | None = ""
) -> CaptureState:
    """``{% capture_state status error_class error_text as state %}``: the capture's
    state in plain words (``archive.states.describe_capture``)."""
    return describe_capture(status, error_class or "", error_text or "")


@register.filter
def capture_state_of(capture: Capture | None) -> CaptureState:
    """``{% with state=capture|capture_state_of %}`` for a ``Capture`` row (None: not archived)."""
    if capture is None:
        return describe_capture(None)
    return describe_capture(capture.status, capture.error_class, capture.error_text)


@register.filter
def link_state(source: Source) -> LinkState:
    """``{% with link=source|link_state %}``: the original page's health, one coherent status."""
    return describe_link(source.online_status, source.last_checked_at, source.gone_since)
