from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from app.accounts.admin import UserAdmin
from app.accounts.models import User
from app.catalog.admin import ClaimAdmin, EvidenceAdmin
from app.catalog.models import AuditEntry, Claim, Evidence
from app.moderation.admin_actions import ModerationActions, deactivate_users, withdraw_selected
from app.moderation.models import Decision, Flag, ReviewLock, Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(ModerationActions, admin.ModelAdmin):
    moderation_kind = "suggestion"
    list_display = ("__str__", "kind", "status", "normalized_url", "suggested_by", "created_at")
    list_filter = ("status", "kind", "language")
    search_fields = ("statement", "summary", "normalized_url")
    list_select_related = ("suggested_by",)
    readonly_fields = (
        "ip_hash",
        "created_at",
        "decided_by",
        "decided_at",
        "result_claim",
        "result_evidence",
    )
    raw_id_fields = ("claim", "source", "suggested_by")


@admin.register(Flag)
class FlagAdmin(ModerationActions, admin.ModelAdmin):
    moderation_kind = "flag"
    list_display = ("__str__", "reason", "status", "claim", "reporter", "created_at")
    list_filter = ("status", "reason")
    search_fields = ("note", "claim__statement")
    list_select_related = ("claim", "evidence", "reporter")
    readonly_fields = ("ip_hash", "created_at", "resolved_by", "resolved_at")
    raw_id_fields = ("claim", "evidence", "reporter")


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = (
        "item_kind",
        "item_id",
        "item_label",
        "outcome",
        "author",
        "decided_by",
        "decided_at",
    )
    list_filter = ("outcome", "item_kind")
    list_select_related = ("author", "decided_by")


@admin.register(ReviewLock)
class ReviewLockAdmin(admin.ModelAdmin):
    list_display = ("item_kind", "item_id", "taken_by", "taken_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only (export: /moderation/audit/export.csv)."""

    list_display = ("created_at", "actor_name", "action", "target_type", "target_id", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("actor_name", "target_repr", "reason", "target_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The catalog's and accounts' admins, with the moderation decisions as actions. They
# are registered again here (the moderation app comes after them in INSTALLED_APPS)
# because the lower layers must not import moderation.
admin.site.unregister(Claim)
admin.site.unregister(Evidence)
admin.site.unregister(User)


@admin.register(Claim)
class ModeratedClaimAdmin(ModerationActions, ClaimAdmin):
    moderation_kind = "claim"
    actions: Any = [*ModerationActions.actions, withdraw_selected]


@admin.register(Evidence)
class ModeratedEvidenceAdmin(ModerationActions, EvidenceAdmin):
    moderation_kind = "evidence"


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    actions = [deactivate_users]
