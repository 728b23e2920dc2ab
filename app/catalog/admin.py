from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from app.catalog.models import Claim, Entity, Evidence, Source, Tag, VerdictChange


@admin.register(Entity)
class EntityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "developer", "wikidata_id", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "wikidata_id", "aliases")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("developer",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


# Publication state is shown, never edited here: it changes only through
# app.catalog.publication (the moderation app adds its admin actions for that).
PUBLICATION_FIELDS = ("state", "state_reason", "published_at")


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ("kind", "stance", "summary", "source", "state")
    readonly_fields = ("state",)
    autocomplete_fields = ("source",)
    show_change_link = True


class VerdictChangeInline(admin.TabularInline):
    model = VerdictChange
    extra = 0
    readonly_fields = ("old_verdict", "new_verdict", "note", "changed_by", "changed_at")
    can_delete = False


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = (
        "statement",
        "verdict",
        "evidence_strength",
        "state",
        "developer_response",
        "language",
        "published_at",
    )
    list_filter = ("state", "verdict", "evidence_strength", "developer_response", "language")
    search_fields = ("statement", "summary", "slug")
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ("statement",)}
    autocomplete_fields = ("models_named", "content_named", "tags")
    readonly_fields = ("created_at", "updated_at", *PUBLICATION_FIELDS)
    inlines = [EvidenceInline, VerdictChangeInline]


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ("claim", "kind", "stance", "state", "source", "added_by", "created_at")
    list_filter = ("state", "kind", "stance")
    search_fields = ("summary", "quote", "claim__statement", "source__normalized_url")
    autocomplete_fields = ("claim", "source")
    list_select_related = ("claim", "source", "added_by")
    readonly_fields = PUBLICATION_FIELDS


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = (
        "normalized_url",
        "kind",
        "publisher",
        "title",
        "online_status",
        "last_checked_at",
    )
    list_filter = ("kind", "online_status")
    search_fields = ("normalized_url", "title", "publisher", "author")
    readonly_fields = ("created_at", "updated_at")


@admin.register(VerdictChange)
class VerdictChangeAdmin(admin.ModelAdmin):
    list_display = ("claim", "old_verdict", "new_verdict", "changed_by", "changed_at")
    list_filter = ("new_verdict",)
    search_fields = ("claim__statement", "note")
