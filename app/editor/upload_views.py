"""The manual fallback: an editor uploads their own copy of a source.

The size limit is checked on the declared length before any of the body is
read, and again while the file streams in (LimitedUploadHandler). Upload
handlers can only be changed before the body is parsed, and the CSRF check
parses it, so the outer view is CSRF-exempt, installs the handler, reads the
body, and only then hands over to a CSRF-protected inner view.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from app.accounts.models import User
from app.archive.models import Artifact
from app.archive.queries import sources_with_status
from app.archive.services import capture_upload
from app.archive.uploads import (
    ACCEPTED_LABELS,
    MULTIPART_OVERHEAD,
    SNIFF_BYTES,
    LimitedUploadHandler,
    declared_length,
    sniff,
)
from app.catalog import access as perm
from app.catalog.forms import UploadForm
from app.catalog.models import Source
from app.editor.common import workspace


def _page(
    request: HttpRequest, source: Source, form: UploadForm, error: str = "", status: int = 200
) -> HttpResponse:
    source = sources_with_status(request.user).get(pk=source.pk)
    captures = source.captures.select_related("requested_by").prefetch_related(
        Prefetch("artifacts", queryset=Artifact.objects.order_by("id"))
    )
    limit = settings.ARCHIVE_UPLOAD_MAX_BYTES
    context = {"source": source, "captures": captures, "form": form, "error": error,
               "limit": limit, "accepted": ACCEPTED_LABELS}  # fmt: skip
    return render(request, "editor/upload.html", context, status=status)


def _too_large(request: HttpRequest, source: Source) -> HttpResponse:
    limit = filesizeformat(settings.ARCHIVE_UPLOAD_MAX_BYTES)
    error = _("The file is too large: uploads are limited to %(limit)s.") % {"limit": limit}
    return _page(request, source, UploadForm(), error, status=413)


@csrf_exempt
@workspace
@require_http_methods(["GET", "POST"])
def source_upload(request: HttpRequest, pk: int) -> HttpResponse:
    perm.require(request.user, perm.UPLOAD)
    source = perm.access_source(request.user, pk)
    if request.method != "POST":
        return _page(request, source, UploadForm())
    limit = settings.ARCHIVE_UPLOAD_MAX_BYTES
    length = declared_length(request.META)
    if length is not None and length > limit + MULTIPART_OVERHEAD:
        return _too_large(request, source)  # refused before reading a byte of the body
    handler = LimitedUploadHandler(limit, request)
    request.upload_handlers.insert(0, handler)
    try:
        request.POST  # noqa: B018 (parse the body now, through the limiting handler)
    except MultiPartParserError:
        return _page(request, source, UploadForm(), _("The upload was malformed."), status=400)
    if handler.exceeded:
        return _too_large(request, source)
    return _store_upload(request, source)


@csrf_protect
def _store_upload(request: HttpRequest, source: Source) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, source, form, _("Choose a file to upload."), status=400)
    upload = form.cleaned_data["file"]
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    filetype = sniff(head)
    if filetype is None:
        error = _("This file type is not accepted. Accepted: %(types)s.") % {
            "types": ACCEPTED_LABELS
        }
        return _page(request, source, form, error, status=415)
    user = request.user
    assert isinstance(user, User)
    if hasattr(upload, "temporary_file_path"):
        args = {"path": upload.temporary_file_path()}
    else:
        args = {"data": upload.read()}
    capture_upload(source=source, actor=user, filetype=filetype, filename=upload.name, **args)
    messages.success(request, _("Uploaded and hashed as a new capture."))
    return redirect("editor:source_upload", pk=source.pk)
