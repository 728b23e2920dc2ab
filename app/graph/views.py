"""Public lookup page and API; the editor's index upload with its progress row."""

from __future__ import annotations

import json
import tempfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from app.archive.storage import open_artifact
from app.graph import lookup as finder
from app.graph.forms import LookupForm, UploadForm
from app.graph.models import DatasetVersion
from app.graph.serializers import EXPORT_COLUMNS, EXPORTS
from app.graph.services import dataset_for, version_create, version_enqueue
from app.lib.csvsafe import csv_lines

UPLOAD_PERMS = ("catalog.change_entity", "archive.add_artifact")


@never_cache
@require_http_methods(["GET", "HEAD"])
def lookup_page(request: HttpRequest) -> HttpResponse:
    """Never cached and never logged with its question: the answer is computed per request."""
    form = LookupForm(request.GET or None)
    answer, problem, status = None, "", 200
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        try:
            answer = finder.lookup(form.cleaned_data["q"], form.cleaned_data["by"] or "")
        except finder.LookupError as exc:
            problem, status = str(exc), 400
    elif form.is_bound and not form.is_valid():
        status = 400
    return render(
        request,
        "graph/lookup.html",
        {"form": form, "answer": answer, "problem": problem},
        status=status,
    )


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": {"status": status, "message": message}}, status=status)


@never_cache
def api_lookup(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/lookup?q=...&by=title|author`` (documented in app/api/openapi.py)."""
    if request.method not in {"GET", "HEAD"}:
        response = _error(405, "Only GET is allowed here.")
        response["Allow"] = "GET, HEAD"
        return response
    by = request.GET.get("by", "")
    try:
        answer = finder.lookup(request.GET.get("q", ""), by)
    except finder.LookupError as exc:
        return _error(400, str(exc))
    return JsonResponse(finder.answer_json(answer), json_dumps_params={"ensure_ascii": False})


def _require_upload(user: Any) -> None:
    if not user.has_perms(UPLOAD_PERMS):
        raise PermissionDenied("You cannot import dataset indexes.")


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    _require_upload(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incoming = data["file"]
        with tempfile.NamedTemporaryFile(suffix=".upload") as handle:
            for chunk in incoming.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                new = version_create(
                    dataset=dataset_for(data["dataset"]), path=handle.name,
                    file_name=incoming.name or "index", source_url=data["source_url"],
                    actor=request.user, file_format=data["file_format"],
                    default_kind=data["default_kind"], label=data["label"],
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                version_enqueue(new.version)
                return redirect("graph:version", pk=new.version.pk)
    status = 400 if form.is_bound else 200
    return render(request, "graph/upload.html", {"form": form}, status=status)


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress row; htmx polls the ``progress`` partial until the import is final."""
    _require_upload(request.user)
    version = get_object_or_404(DatasetVersion.objects.select_related("dataset__entity"), pk=pk)
    htmx = request.headers.get("HX-Request") == "true"
    template = "graph/version.html#progress" if htmx else "graph/version.html"
    return render(request, template, {"version": version})


@login_required
def version_rejects(request: HttpRequest, pk: int) -> FileResponse:
    _require_upload(request.user)
    version = get_object_or_404(DatasetVersion, pk=pk)
    if version.rejects_artifact is None:
        raise Http404("No rejected lines.")
    return FileResponse(
        open_artifact(version.rejects_artifact),
        as_attachment=True,
        filename=f"{version.dataset_id}-v{version.number}-rejected-lines.csv",
        content_type="text/csv",
    )


@never_cache
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponseBase:
    """``/api/v1/exports/relations.csv`` and ``dataset-versions``: CSV or JSON, streamed."""
    if name not in EXPORTS or fmt not in {"csv", "json"}:
        return _error(404, "No such export.")
    rows = EXPORTS[name]()
    if fmt == "csv":
        columns = EXPORT_COLUMNS[name]
        body: Any = csv_lines(columns, ([row[c] for c in columns] for row in rows))
        response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        items = (json.dumps(row, ensure_ascii=False) for row in rows)
        response = StreamingHttpResponse(_json_array(items), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="trainedon-{name}.{fmt}"'
    return response


def _json_array(items: Any) -> Any:
    yield "["
    for i, item in enumerate(items):
        yield ("\n" if i == 0 else ",\n") + item
    yield "\n]\n"
