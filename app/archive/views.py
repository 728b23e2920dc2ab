"""Serving archived files without ever rendering archived HTML on our origin."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from app.archive.models import Artifact
from app.archive.storage import open_artifact
from app.catalog.choices import PublicationState
from app.catalog.models import Source

# Media types a browser may display inline without running anything of the page.
INLINE_SAFE = {
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "video/mp4",
    "video/webm",
    "audio/mpeg",
    "audio/mp4",
    "text/plain",
    "application/json",
}


def access_artifact(request: HttpRequest, artifact_id: int) -> Artifact:
    """An artifact of a source cited by published evidence, or by anything for staff."""
    artifact = get_object_or_404(Artifact.objects.select_related("capture"), pk=artifact_id)
    user = request.user
    if user.is_authenticated and user.is_staff:
        return artifact
    cited = artifact.capture.source.evidence.filter(state=PublicationState.PUBLISHED).exists()
    if not cited:
        raise Http404("No such artifact.")
    return artifact


@require_GET
def artifact_download(request: HttpRequest, artifact_id: int, name: str = "") -> FileResponse:
    artifact = access_artifact(request, artifact_id)
    media_type = artifact.media_type.split(";")[0].strip().lower()
    inline = media_type in INLINE_SAFE and request.GET.get("download") != "1"
    try:
        handle = open_artifact(artifact)
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=artifact.name,
        content_type=media_type if inline else "application/octet-stream",
    )
    if media_type == "text/plain":
        response["Content-Type"] = "text/plain; charset=utf-8"
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser decided to render it, nothing may run or reach out.
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
    )
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Artifact-SHA256"] = artifact.sha256
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The archived-copy page. Archived HTML is never rendered here, only escaped text."""
    source = get_object_or_404(Source, pk=pk)
    if not source.evidence.filter(state=PublicationState.PUBLISHED).exists():
        raise Http404("No published evidence cites this source.")
    captures = list(
        source.captures.prefetch_related(
            Prefetch("artifacts", queryset=Artifact.objects.order_by("id")), "steps"
        )
    )
    return render(request, "archive/source_detail.html", {"source": source, "captures": captures})
