from django.contrib import admin

from app.archive.models import Artifact, Capture, CaptureStep


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
    inlines = [CaptureStepInline, ArtifactInline]
    date_hierarchy = "created_at"


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "capture", "size", "media_type", "sha256", "created_at")
    list_filter = ("kind", "media_type", "partial")
    search_fields = ("sha256", "name", "capture__requested_url")
    raw_id_fields = ("capture", "derived_from")
