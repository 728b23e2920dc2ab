"""Links to artifacts, on ARTIFACT_ORIGIN when one is configured."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

from app.archive.models import Artifact

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
