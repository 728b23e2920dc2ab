from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from app.catalog import audit
from app.graph.models import Dataset, DatasetVersion, Relation
from app.graph.services import record_change, relation_check, relation_facts

ADMIN_REASON = "changed in the Django admin"


class RelationForm(forms.ModelForm):
    class Meta:
        model = Relation
        fields = ["claim", "kind", "upstream", "downstream", "dataset_version", "stage",
                  "attribution", "note", "position"]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("upstream") and data.get("downstream") and data.get("kind"):
            relation_check(
                kind=data["kind"],
                upstream=data["upstream"],
                downstream=data["downstream"],
                stage=data.get("stage") or "",
                attribution=data.get("attribution") or "",
                dataset_version=data.get("dataset_version"),
            )
        return data


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):
    form = RelationForm
    list_display = ["claim", "kind", "upstream", "downstream", "stage", "attribution"]
    list_filter = ["kind", "stage", "attribution"]
    raw_id_fields = ["claim", "upstream", "downstream", "dataset_version"]

    # The admin writes the row itself; every change is audited like the workspace's.
    def save_model(self, request: HttpRequest, obj: Relation, form: Any, change: bool) -> None:
        stored = Relation.objects.filter(pk=obj.pk).first() if change else None
        before = relation_facts(stored) if stored is not None else None
        super().save_model(request, obj, form, change)
        if before is None:
            audit.record(actor=request.user, action="relation.add", target=obj,
                         after=relation_facts(obj), reason=ADMIN_REASON)  # fmt: skip
        else:
            record_change(actor=request.user, relation=obj, before=before, reason=ADMIN_REASON)

    def delete_model(self, request: HttpRequest, obj: Relation) -> None:
        audit.record(actor=request.user, action="relation.remove", target=obj,
                     before=relation_facts(obj), reason=ADMIN_REASON)  # fmt: skip
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Relation]) -> None:
        for relation in queryset:
            self.delete_model(request, relation)


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["entity", "homepage", "license"]
    raw_id_fields = ["entity"]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    list_display = ["dataset", "number", "status", "row_count", "rejected_count", "imported_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in DatasetVersion._meta.fields]
