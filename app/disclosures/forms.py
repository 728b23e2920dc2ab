"""Editor forms: a disclosure, each template section, the gap, cases, the imports."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.disclosures.models import (
    CaseStatus,
    Disclosure,
    DisclosureKind,
    EventKind,
    GapState,
    PartyRole,
)
from app.disclosures.sections import SECTION_CHOICES, Section
from app.lib.urls import InvalidURL, normalize_url

DATE = forms.DateInput(attrs={"type": "date"})


def _models() -> Any:
    return Entity.objects.filter(kind=EntityKind.MODEL).select_related("developer")


def _clean_url(value: str) -> str:
    try:
        normalize_url(value)
    except InvalidURL as error:
        raise forms.ValidationError(str(error)) from error
    return value.strip()


class DisclosureForm(forms.Form):
    model = forms.ModelChoiceField(label=_("AI model"), queryset=_models())
    kind = forms.ChoiceField(label=_("Kind of declaration"), choices=DisclosureKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    version_label = forms.CharField(label=_("Version"), max_length=60, required=False)
    url = forms.CharField(
        label=_("Address of the document"),
        max_length=2000,
        help_text=_("The page or PDF where the developer published it; it is archived at once."),
    )
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DATE)
    supersedes = forms.ModelChoiceField(
        label=_("Supersedes"),
        queryset=Disclosure.objects.current().select_related("model"),
        required=False,
        help_text=_("The earlier version this one replaces (it stays readable)."),
    )

    def clean_url(self) -> str:
        return _clean_url(str(self.cleaned_data["url"]))


class SectionForm(forms.Form):
    """One template section: its free text and the section's structured fields."""

    text = forms.CharField(
        label=_("What it declares"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, section: Section, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"s{section.code.replace('.', '_')}")
        super().__init__(*args, **kwargs)
        self.section = section
        self.fields["text"].label = _("What it declares")
        for spec in section.fields:
            self.fields[spec.name] = self._field(spec)

    @staticmethod
    def _field(spec: Any) -> forms.Field:
        if spec.kind == "lines":
            return forms.CharField(
                label=spec.label, required=False, max_length=20000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )  # fmt: skip
        if spec.kind == "date":
            return forms.DateField(label=spec.label, required=False, widget=DATE)
        if spec.kind == "choice":
            return forms.ChoiceField(label=spec.label, required=False, choices=spec.choices)
        if spec.kind == "choices":
            return forms.MultipleChoiceField(
                label=spec.label, required=False, choices=spec.choices,
                widget=forms.CheckboxSelectMultiple,
            )  # fmt: skip
        return forms.CharField(label=spec.label, required=False, max_length=2000)

    @classmethod
    def initial_from(cls, text: str, data: dict[str, Any], section: Section) -> dict[str, Any]:
        initial: dict[str, Any] = {"text": text}
        for spec in section.fields:
            value = data.get(spec.name)
            if spec.kind == "lines" and isinstance(value, list):
                value = "\n".join(value)
            initial[spec.name] = value
        return initial

    def data_value(self) -> dict[str, Any]:
        """The structured fields as stored: lines as lists, dates as ISO text."""
        out: dict[str, Any] = {}
        for spec in self.section.fields:
            value = self.cleaned_data.get(spec.name)
            if spec.kind == "lines":
                value = [line.strip() for line in str(value or "").splitlines() if line.strip()]
            elif isinstance(value, date):
                value = value.isoformat()
            out[spec.name] = value
        return out


class GapForm(forms.Form):
    model = forms.ModelChoiceField(label=_("AI model"), queryset=Entity.objects.none())
    section = forms.ChoiceField(label=_("Template section"), choices=SECTION_CHOICES)
    gap_state = forms.ChoiceField(label=_("The disclosure"), choices=GapState.choices)
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the disclosure says, or does not say, about what the claim alleges."),
    )

    def __init__(self, models: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = models  # type: ignore[attr-defined]


class ModelCardImportForm(forms.Form):
    model = forms.ModelChoiceField(label=_("AI model"), queryset=_models())
    url = forms.CharField(
        label=_("Address of the model card"),
        max_length=2000,
        help_text=_("Where the card is published; the page is archived. Nothing is fetched "
                    "to read the file: upload it below."),
    )  # fmt: skip
    file = forms.FileField(label=_("The card's README.md (with its YAML front matter)"))

    def clean_url(self) -> str:
        return _clean_url(str(self.cleaned_data["url"]))


class CroissantImportForm(forms.Form):
    file = forms.FileField(label=_("Croissant JSON-LD file"))
    dataset = forms.ModelChoiceField(
        label=_("Dataset record to fill"),
        queryset=Entity.objects.filter(kind=EntityKind.DATASET),
        required=False,
        help_text=_("Leave empty to use the dataset of that name, or create it."),
    )


class MarketForm(forms.Form):
    placed_on = forms.DateField(label=_("Placed on the EU market on"), required=False, widget=DATE)
    note = forms.CharField(label=_("How we know"), max_length=2000, required=False)


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    court = forms.CharField(label=_("Court"), max_length=300)
    docket_number = forms.CharField(label=_("Docket number"), max_length=100)
    filed_on = forms.DateField(label=_("Filed on"), required=False, widget=DATE)
    judge = forms.CharField(label=_("Judge"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    summary = forms.CharField(
        label=_("Summary"), max_length=10000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class PartyForm(forms.Form):
    entity = forms.ModelChoiceField(label=_("Party"), queryset=Entity.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)


class DocumentForm(forms.Form):
    docket_entry = forms.CharField(label=_("Docket document number"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=300)
    url = forms.CharField(label=_("Address of the document (PDF)"), max_length=2000)
    filed_on = forms.DateField(label=_("Filed on"), required=False, widget=DATE)

    def clean_url(self) -> str:
        return _clean_url(str(self.cleaned_data["url"]))


class EventForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("What happened"), max_length=300)
    description = forms.CharField(
        label=_("Details"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    docket_entry = forms.CharField(
        label=_("Docket document number (optional)"), max_length=40, required=False
    )


class LinkForm(forms.Form):
    claim = forms.SlugField(label=_("Claim (slug)"), required=False)
    model = forms.ModelChoiceField(label=_("AI model"), queryset=_models(), required=False)
