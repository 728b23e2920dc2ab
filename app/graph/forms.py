"""The lookup form (GET, shareable) and the editor's index upload form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.graph.lookup import MAX_QUERY
from app.graph.models import FileFormat, MemberKind


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("A title, an author, an ISBN, a YouTube video or channel, a site or page address"),
        max_length=MAX_QUERY,
        required=False,
    )
    by = forms.ChoiceField(
        label=_("Read it as"),
        required=False,
        choices=[
            ("", _("Guess from what I typed")),
            ("title", _("A title")),
            ("author", _("An author or creator")),
        ],
    )


class UploadForm(forms.Form):
    dataset = forms.ModelChoiceField(
        label=_("Dataset"), queryset=Entity.objects.filter(kind=EntityKind.DATASET)
    )
    file = forms.FileField(label=_("Index file (CSV, JSON Lines or Parquet)"))
    source_url = forms.URLField(
        label=_("Where the file was published"), max_length=2000, assume_scheme="https"
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("From the file name")), *FileFormat.choices],
    )
    default_kind = forms.ChoiceField(
        label=_("Kind of rows without a kind column"),
        required=False,
        choices=[("", _("Guess from the columns")), *MemberKind.choices],
    )
    label = forms.CharField(label=_("Version label"), max_length=100, required=False)
