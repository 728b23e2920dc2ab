"""The admin's bulk import: upload a file, watch its progress, read its report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from app.ledgerdata.models import ImportRun
from app.ledgerdata.services import import_queue

MAX_UPLOAD = 200 * 1024 * 1024
SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".csv", ".csv.gz")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("JSON Lines in the API's shapes, or the CSV form (see /data/format/)."),
    )
    submit = forms.BooleanField(
        label=_("Submit for review"),
        required=False,
        initial=True,
        help_text=_("Unticked: the items stay drafts. An import never publishes."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(_("Upload a .jsonl or .csv file (optionally .gz)."))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("file_name", "status", "processed", "total", "created_count",
                    "unchanged_count", "refused_count", "requested_by", "created_at")  # fmt: skip
    list_filter = ("status",)
    change_form_template = "ledgerdata/admin/importrun_change.html"
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a run is a record; it is read, never edited

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="ledgerdata_importrun_progress",
            )
        ]
        return own + super().get_urls()

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            run = import_queue(
                upload=upload,
                name=upload.name,
                actor=request.user,  # type: ignore[arg-type]
                submit=form.cleaned_data["submit"],
            )
            return HttpResponseRedirect(reverse("admin:ledgerdata_importrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import ledger data"),
        }
        return TemplateResponse(request, "ledgerdata/admin/importrun_upload.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        run = get_object_or_404(ImportRun, pk=object_id)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "run": run,
            "title": str(run),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = get_object_or_404(ImportRun, pk=pk)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        return TemplateResponse(
            request, "ledgerdata/admin/importrun_change.html#progress", {"run": run}
        )
