from django.contrib import admin

from app.monitor.models import LinkCheck, WaybackSubmission


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    list_display = ("source", "checked_at", "outcome", "http_status", "strike", "reason")
    list_filter = ("outcome", "strike")
    search_fields = ("source__normalized_url", "reason", "final_url")
    raw_id_fields = ("source", "capture")
    date_hierarchy = "checked_at"

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # a record of what was seen: never edited


@admin.register(WaybackSubmission)
class WaybackSubmissionAdmin(admin.ModelAdmin):
    list_display = ("capture", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status",)
    raw_id_fields = ("capture",)
