from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from app.archive.models import Artifact, Capture, CaptureStep
from app.archive.services import RetryRefused, capture_retry


class CaptureStepInline(admin.TabularInline):
    model = CaptureStep
    extra = 0
    readonly_fields = (
        "name",
        "status",
        "tool",
        "tool_version",
        "started_at",
        "finished_at",
        "error_class",
        "error_text",
    )
    can_delete = False


class ArtifactInline(admin.TabularInline):
    model = Artifact
    extra = 0
    fields = ("name", "kind", "size", "media_type", "sha256", "partial")
    readonly_fields = fields
    can_delete = False


@admin.register(Capture)
class CaptureAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "requested_url",
        "status",
        "error_class",
        "origin",
        "attempts",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "error_class", "origin")
    search_fields = ("requested_url", "final_url", "manifest_sha256")
    raw_id_fields = ("source", "requested_by")
    # An address typed without a scheme is read as https (Django 6's default, said now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [CaptureStepInline, ArtifactInline]
    date_hierarchy = "created_at"
    actions = ["capture_again"]

    @admin.action(description=_("Capture these sources again"))
    def capture_again(self, request: HttpRequest, queryset: QuerySet[Capture]) -> None:
        sources = {capture.source for capture in queryset.select_related("source")}
        queued = 0
        for source in sources:
            try:  # the one retry rule: no new try of a failure no retry can fix
                capture_retry(source=source, actor=request.user)  # type: ignore[arg-type]
            except RetryRefused as refused:
                self.message_user(request, f"{source}: {refused.message}", messages.WARNING)
            else:
                queued += 1
        self.message_user(request, _("%(n)d new captures queued.") % {"n": queued})


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "capture", "size", "media_type", "sha256", "created_at")
    list_filter = ("kind", "media_type", "partial")
    search_fields = ("sha256", "name", "capture__requested_url")
    raw_id_fields = ("capture", "derived_from")
