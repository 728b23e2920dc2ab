"""The versions of a source with a word diff, and a claim's evidence package."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from app.archive.package import package_plan, stream_package
from app.catalog.access import ANONYMOUS, access_claim, access_source
from app.monitor import queries


@require_GET
def source_versions(request: HttpRequest, pk: int) -> HttpResponse:
    source = access_source(request.user, pk)
    versions = queries.source_versions(source)
    context = {"source": source, "versions": versions, "error": "", "comparison": None}
    status = 200
    try:
        context["comparison"] = queries.compare_versions(
            versions, request.GET.get("old"), request.GET.get("new")
        )
    except queries.BadVersion as exc:
        context["error"] = _("“%(value)s” is not an archived version of this source.") % {
            "value": str(exc)[:40]
        }
        status = 400
    context["checks"] = queries.recent_checks(source)
    template = "monitor/source_versions.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#diff"
    return render(request, template, context, status=status)


@require_GET
def claim_package(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every capture of every source the published claim cites, as one verifiable ZIP."""
    claim = access_claim(ANONYMOUS, slug)
    response = StreamingHttpResponse(
        stream_package(package_plan(claim)), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="trainedon-{claim.slug}-evidence.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
