"""The workspace's reference-element library: list it, and cut a new element from a frame.

An element is a box on a frame of an archived video or image ("Minecraft hotbar"). The
frame is extracted server-side from the archived file (``services.element_frame``, the
analysis's own frame code) and shown as an image; the box is four numbers, which a small
same-origin script (``static/compare/elements.js``) fills by dragging a rectangle. Only
files the editor may see are offered (``access.visible_sources`` through the form, and
``access.access_artifact`` for the images); ``services.element_create`` checks and stores.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from app.archive.models import ArtifactKind
from app.catalog import access
from app.compare import render as pictures
from app.compare import services
from app.compare.forms import ElementForm, element_files_for
from app.compare.models import ReferenceElement
from app.editor.common import user_of, workspace
from app.lib.timecodes import format_timecode

MAX_BOX = 100_000


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _require_drawer(request: HttpRequest) -> None:
    if not services.may_draw_elements(request.user):
        raise PermissionDenied(_("Only editors add reference elements to the library."))


@workspace
@require_GET
def element_list(request: HttpRequest) -> HttpResponse:
    elements = (
        ReferenceElement.objects.filter(video__in=element_files_for(request.user))
        .select_related("video__capture__source", "created_by")
        .order_by("label", "id")
    )
    rows = [
        {"element": e, "timecode": format_timecode(e.time), "source": e.video.capture.source}
        for e in elements
    ]
    return render(
        request,
        "compare/elements.html",
        {"rows": rows, "may_draw": services.may_draw_elements(request.user)},
    )


def _frame_url(video_id: int, time: float, box: tuple[int, int, int, int] | None = None) -> str:
    query: dict[str, Any] = {"video": video_id, "t": f"{time:.3f}"}
    if box is not None:
        query["box"] = ",".join(str(v) for v in box)
    return f"{reverse('compare:element_frame')}?{urlencode(query)}"


@workspace
@require_http_methods(["GET", "POST"])
def element_new(request: HttpRequest) -> HttpResponse:
    """Step 1: a file and a time code show the frame; step 2: the box, previewed; save."""
    _require_drawer(request)
    # A GET with ``video`` (a link to a frame, or a preview) shows it; only a POST saves.
    data = request.POST if request.method == "POST" else None
    if request.method == "GET" and "video" in request.GET:
        data = request.GET
    form = ElementForm(data, user=request.user)
    context: dict[str, Any] = {"form": form}
    status = 200
    if data is not None:
        action = str(data.get("action", "frame"))
        if request.method == "GET" and action == "save":
            action = "preview"
        status = 400
        if form.is_valid():
            video, time = form.cleaned_data["video"], form.cleaned_data["time"]
            box = form.box()
            try:
                picture = services.element_frame(video, time)
            except services.ComparisonError as exc:
                form.add_error("time", str(exc))
            else:
                shown_time = time if video.kind == ArtifactKind.VIDEO else 0.0
                context.update(
                    frame_url=_frame_url(video.pk, shown_time),
                    frame_width=picture.shape[1],
                    frame_height=picture.shape[0],
                )
                status = 200
                if action in ("preview", "save"):
                    status = 400
                    if box is None:
                        form.add_error(None, _("Give the box: x, y, width and height."))
                    else:
                        status = _box_step(request, form, context, picture, video, box, action)
                        if isinstance(status, HttpResponse):
                            return status
    return render(request, "compare/element_new.html", context, status=status)


def _box_step(
    request: HttpRequest,
    form: ElementForm,
    context: dict[str, Any],
    picture: Any,
    video: Any,
    box: tuple[int, int, int, int],
    action: str,
) -> Any:
    """Check the box against the frame; preview it, or save the element (a redirect)."""
    try:
        services.element_box_check(picture, box)
    except services.ComparisonError as exc:
        form.add_error(None, str(exc))
        return 400
    time = form.cleaned_data["time"] if video.kind == ArtifactKind.VIDEO else 0.0
    context["preview_url"] = _frame_url(video.pk, time, box)
    context["box"] = box
    if action != "save":
        return 200
    try:
        element = services.element_create(
            label=form.cleaned_data.get("label") or "",
            video=video,
            time=time,
            box=box,
            notes=form.cleaned_data.get("notes") or "",
            actor=user_of(request),
        )
    except services.ComparisonError as exc:
        form.add_error("label" if not (form.cleaned_data.get("label") or "").strip() else None,
                       str(exc))  # fmt: skip
        return 400
    messages.success(
        request, _("“%(label)s” is in the library of reference elements.") % {"label": element}
    )
    return HttpResponseRedirect(reverse("compare:elements"))


def _box_param(raw: str) -> tuple[int, int, int, int] | None:
    if not raw:
        return None
    try:
        values = [int(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(0 <= v <= MAX_BOX for v in values):
        raise services.ComparisonError(_("The box is four whole numbers: x,y,width,height."))
    return values[0], values[1], values[2], values[3]


@workspace
@require_GET
def element_frame(request: HttpRequest) -> HttpResponse:
    """The frame (or, with ``box``, its crop) of a file the editor may see, as PNG."""
    _require_drawer(request)
    try:
        video_id = int(str(request.GET.get("video", "")))
        time = float(str(request.GET.get("t", "0")))
    except ValueError:
        return HttpResponse(_("Give a file and a time in seconds."), status=400)
    video = access.access_artifact(request.user, video_id)
    try:
        box = _box_param(str(request.GET.get("box", "")))
        if not 0 <= time <= 999999.999:
            raise services.ComparisonError(_("The time code must be 0 or later."))
        picture = services.element_frame(video, time)
        if box is not None:
            services.element_box_check(picture, box)
            picture = services.element_crop(picture, box)
    except services.ComparisonError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return _png(pictures.png(picture))


@workspace
@require_GET
def element_crop(request: HttpRequest, pk: int) -> HttpResponse:
    """A library element's crop, cut again from its archived file (the thumbnail)."""
    element = (
        ReferenceElement.objects.filter(pk=pk, video__in=element_files_for(request.user))
        .select_related("video")
        .first()
    )
    if element is None:
        raise Http404("No such reference element.")
    box = (element.x, element.y, element.width, element.height)
    try:
        picture = services.element_frame(element.video, float(element.time))
        services.element_box_check(picture, box)
    except services.ComparisonError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return _png(pictures.png(services.element_crop(picture, box)))
