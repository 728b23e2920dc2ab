"""Validation of the ledger's inputs, shared by the workspace (as forms) and the write API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import (
    EntityKind,
    EvidenceKind,
    Grounding,
    SourceKind,
    Stance,
    Strength,
    Verdict,
)
from app.catalog.models import Claim, Entity
from app.lib.timecodes import TimecodeError, parse_timecode
from app.lib.urls import InvalidURL, normalize_url

ENTITY_FIELDS = {
    "models_named": (_("AI models"), [EntityKind.MODEL]),
    "content_named": (
        _("Alleged training content"),
        [EntityKind.WORK, EntityKind.CREATOR, EntityKind.DATASET, EntityKind.ORGANIZATION],
    ),
}


class ClaimForm(forms.ModelForm):
    models_named = forms.ModelMultipleChoiceField(
        Entity.objects.filter(kind=EntityKind.MODEL), required=False, label=_("AI models")
    )
    content_named = forms.ModelMultipleChoiceField(
        Entity.objects.all(), required=False, label=_("Alleged training content")
    )

    class Meta:
        model = Claim
        fields = (
            "statement",
            "summary",
            "models_named",
            "content_named",
            "first_seen",
            "language",
            "developer_response",
            "developer_contacted_on",
            "developer_contact_channel",
        )
        widgets = {
            "statement": forms.TextInput(attrs={"size": 80}),
            "summary": forms.Textarea(attrs={"rows": 8}),
            "first_seen": forms.DateInput(attrs={"type": "date"}),
            "developer_contacted_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "statement": _(
                "One checkable statement, e.g. “Sora was trained on Minecraft footage”."
            ),
            "summary": _("Markdown. Raw HTML is shown as text; links keep only http(s)."),
        }

    def clean_statement(self) -> str:
        statement = " ".join(str(self.cleaned_data["statement"]).split())
        if len(statement) < 10:
            raise forms.ValidationError(_("Write the claim as a full statement."))
        return statement


class EntityInlineForm(forms.Form):
    """A missing entity, created from inside the claim form."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EntityKind.choices)
    developer = forms.CharField(
        label=_("Developer (for a model)"),
        max_length=200,
        required=False,
        help_text=_("An organization; found by name or created."),
    )

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError(_("Give the entity a name."))
        return name


class EntityForm(forms.ModelForm):
    website = forms.URLField(
        label=_("website or channel"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Entity
        fields = ("name", "kind", "developer", "description", "website", "wikidata_id")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        developer = self.fields["developer"]
        assert isinstance(developer, forms.ModelChoiceField)
        developer.queryset = Entity.objects.filter(kind=EntityKind.ORGANIZATION)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("developer") and data.get("kind") != EntityKind.MODEL:
            self.add_error("developer", _("Only an AI model has a developer."))
        return data


def clean_url(value: str) -> str:
    try:
        normalize_url(value)
    except InvalidURL as exc:
        raise forms.ValidationError(str(exc)) from None
    return value.strip()


class TimeRangeMixin(forms.Form):
    time_start = forms.CharField(
        label=_("Video start"),
        required=False,
        max_length=20,
        help_text=_("00:12, 1:02:03 or seconds."),
    )
    time_end = forms.CharField(label=_("Video end"), required=False, max_length=20)

    def _time(self, name: str) -> Decimal | None:
        raw = str(self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            return parse_timecode(raw)
        except TimecodeError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_time_start(self) -> Decimal | None:
        return self._time("time_start")

    def clean_time_end(self) -> Decimal | None:
        return self._time("time_end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("time_start"), data.get("time_end")
        if end is not None and start is None and "time_start" not in self.errors:
            self.add_error("time_start", _("Give a start time with the end time."))
        elif start is not None and end is not None and end <= start:
            self.add_error("time_end", _("The end must come after the start."))
        return data


def method_note_field() -> forms.CharField:
    """How the evidence was obtained (shown to readers beside the item)."""
    return forms.CharField(
        label=_("Method"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What was done, on what sample, with what limits. For an output test: the model "
            "and version, the date, the prompts and the outputs (upload them as files)."
        ),
    )


def grounding_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Grounded or speculative"),
        choices=Grounding.choices,
        required=False,
        help_text=_(
            "Grounded: it rests on what was observed or documented. Speculative: it infers "
            "beyond that. Shown to readers."
        ),
    )


class EvidenceForm(TimeRangeMixin):
    url = forms.CharField(
        label=_("Source address"),
        max_length=2000,
        help_text=_("Paste the page, video or document address; it is archived at once."),
    )
    source_kind = forms.ChoiceField(
        label=_("Source kind"),
        choices=[("", _("Detect")), *SourceKind.choices],
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices)
    summary = forms.CharField(
        label=_("What it shows"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    quote = forms.CharField(
        label=_("Exact quote"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    locator = forms.CharField(
        label=_("Locator"),
        max_length=200,
        required=False,
        help_text=_("A page, a paragraph, a section."),
    )
    method_note = method_note_field()
    grounding = grounding_field()
    field_order = [
        "url",
        "source_kind",
        "kind",
        "stance",
        "summary",
        "quote",
        "locator",
        "method_note",
        "grounding",
        "time_start",
        "time_end",
    ]

    def clean_url(self) -> str:
        return clean_url(str(self.cleaned_data["url"]))

    def clean_summary(self) -> str:
        summary = str(self.cleaned_data["summary"]).strip()
        if not summary:
            raise forms.ValidationError(_("Say in a sentence what this evidence shows."))
        return summary


class EvidenceEditForm(TimeRangeMixin):
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices)
    summary = forms.CharField(
        label=_("What it shows"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    quote = forms.CharField(
        label=_("Exact quote"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    locator = forms.CharField(label=_("Locator"), max_length=200, required=False)
    method_note = method_note_field()
    grounding = grounding_field()
    field_order = [
        "kind", "stance", "summary", "quote", "locator", "method_note", "grounding",
        "time_start", "time_end",
    ]  # fmt: skip


class SourceMetadataForm(forms.Form):
    """Extracted metadata an editor may correct (prefixed ``source`` in pages)."""

    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    published_on = forms.DateField(
        label=_("Publication date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    strength = forms.ChoiceField(
        label=_("Evidence strength"), choices=Strength.choices, required=False
    )
    note = forms.CharField(
        label=_("Public note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    """A moderator's reason for taking a published claim off the public site."""

    reason = forms.CharField(
        label=_("Why withdraw it"),
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required. Kept in the audit log and shown to the claim's author in the "
            "workspace. Readers no longer see the claim at all: its page answers "
            "“not found”."
        ),
        error_messages={"required": _("Give a reason for the withdrawal.")},
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A screenshot (PNG, JPEG, WebP), a PDF, a saved page (HTML) or a video (MP4, WebM)."
        ),
    )


class RestoreForm(forms.Form):
    field = forms.CharField(max_length=50)
