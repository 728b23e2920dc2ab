from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from app.graph.models import Dataset, DatasetVersion, Relation
from app.graph.services import relation_check


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


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["entity", "homepage", "license"]
    raw_id_fields = ["entity"]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    list_display = ["dataset", "number", "status", "row_count", "rejected_count", "imported_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in DatasetVersion._meta.fields]
