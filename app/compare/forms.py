"""The editor's form to record a comparison: the videos, the controls and the method record.

Only archived videos the editor may see are offered (``access.visible_sources``).
What the method record must hold (n ≥ 1, 0 ≤ k ≤ n, the prompt verbatim, its
class) is checked by ``services.Method.check``, the one rule, at creation.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from app.archive.models import Artifact, ArtifactKind
from app.catalog import access
from app.catalog.choices import Stance
from app.compare.ladder import Rung
from app.compare.models import PromptClass, ReferenceElement
from app.lib.timecodes import TimecodeError, parse_timecode

RANGE_SPLIT = re.compile(r"\s*[–—-]\s*")


def videos_for(user: Any) -> QuerySet[Artifact]:
    return (
        Artifact.objects.filter(
            kind=ArtifactKind.VIDEO,
            capture__source__in=access.visible_sources(user).values("pk"),
        )
        .select_related("capture__source")
        .order_by("-created_at", "-id")
    )


def element_files_for(user: Any) -> QuerySet[Artifact]:
    """The archived videos and images ``user`` may see: what a reference element is cut from."""
    return (
        Artifact.objects.filter(
            kind__in=(ArtifactKind.VIDEO, ArtifactKind.IMAGE),
            capture__source__in=access.visible_sources(user).values("pk"),
        )
        .select_related("capture__source")
        .order_by("-created_at", "-id")
    )


class VideoChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.capture.source.url} · {obj.name} · sha256 {obj.sha256[:12]}"


class VideoChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.capture.source.url} · {obj.name} · sha256 {obj.sha256[:12]}"


def parse_ranges(text: str) -> list[list[float]]:
    """ "00:08–00:15, 1:00-1:10" -> [[8.0, 15.0], [60.0, 70.0]]; a clear error otherwise."""
    ranges: list[list[float]] = []
    for chunk in [c for c in re.split(r"[,;\n]", text) if c.strip()]:
        parts = RANGE_SPLIT.split(chunk.strip())
        if len(parts) != 2:
            raise forms.ValidationError(
                _("“%(text)s” is not a range: write start–end, e.g. 00:08–00:15.")
                % {"text": chunk.strip()[:40]}
            )
        try:
            start, end = (parse_timecode(p) for p in parts)
        except TimecodeError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not start < end:
            raise forms.ValidationError(
                _("In “%(text)s” the start must come before the end.") % {"text": chunk.strip()}
            )
        ranges.append([float(start), float(end)])
    return ranges


class ComparisonForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("Summary of the evidence, in your words"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    stance = forms.ChoiceField(
        label=gettext_lazy("Stance"), choices=Stance.choices, initial=Stance.SUPPORTS
    )
    output = VideoChoice(queryset=Artifact.objects.none(), label=gettext_lazy("Model output"))
    cited = VideoChoice(
        queryset=Artifact.objects.none(), label=gettext_lazy("Cited archived footage")
    )
    cited_ranges = forms.CharField(
        label=gettext_lazy("Cited time ranges (optional)"),
        required=False,
        help_text=gettext_lazy("start–end, separated by commas: 00:08–00:15, 1:00–1:10"),
    )
    same_genre = VideoChoices(
        queryset=Artifact.objects.none(),
        required=False,
        label=gettext_lazy("Controls: same game or genre, not cited"),
    )
    unrelated = VideoChoices(
        queryset=Artifact.objects.none(),
        required=False,
        label=gettext_lazy("Controls: unrelated footage"),
    )
    elements = forms.ModelMultipleChoiceField(
        queryset=ReferenceElement.objects.none(),
        required=False,
        label=gettext_lazy("Reference elements to look for"),
    )
    model_name = forms.CharField(label=gettext_lazy("Model"), max_length=200)
    model_version = forms.CharField(
        label=gettext_lazy("Model version"), max_length=200, required=False
    )
    generated_on = forms.DateField(
        label=gettext_lazy("Generation date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    prompt = forms.CharField(
        label=gettext_lazy("Prompt, verbatim"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        strip=False,
    )
    prompt_class = forms.ChoiceField(
        label=gettext_lazy("Prompt class"),
        choices=PromptClass.choices,
        widget=forms.RadioSelect,
    )
    attempts = forms.IntegerField(
        label=gettext_lazy("Attempts (n), failures included"), min_value=1, max_value=100000
    )
    resembling = forms.IntegerField(
        label=gettext_lazy("Attempts that resembled (k)"), min_value=0, max_value=100000
    )
    settings = forms.CharField(
        label=gettext_lazy("Generation settings (JSON object, optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    c2pa = forms.CharField(
        label=gettext_lazy("C2PA manifest of the output"),
        max_length=500,
        initial="none found",
    )
    seed = forms.IntegerField(
        label=gettext_lazy("Random seed"), min_value=0, max_value=2**31 - 1, initial=0
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        videos = videos_for(user)
        for name in ("output", "cited", "same_genre", "unrelated"):
            self.fields[name].queryset = videos  # type: ignore[attr-defined]
        self.fields["elements"].queryset = ReferenceElement.objects.filter(  # type: ignore[attr-defined]
            video__in=element_files_for(user)
        )

    def clean_cited_ranges(self) -> list[list[float]]:
        return parse_ranges(self.cleaned_data.get("cited_ranges") or "")

    def clean_settings(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("settings") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Write the settings as a JSON object.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Write the settings as a JSON object."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        output, cited = data.get("output"), data.get("cited")
        if output is not None and output == cited:
            self.add_error("cited", _("The cited footage cannot be the output itself."))
        controls = [*data.get("same_genre", []), *data.get("unrelated", [])]
        if cited is not None and cited in controls:
            self.add_error("same_genre", _("A control is footage the claim does not cite."))
        return data


class LowerForm(forms.Form):
    rung = forms.TypedChoiceField(label=gettext_lazy("Wording"), coerce=int, choices=())
    reason = forms.CharField(
        label=gettext_lazy("Why lower it"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, system_rung: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rung"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Rung.choices if value <= system_rung
        ]


def seconds(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.001"))


class ElementForm(forms.Form):
    """A reference element: an archived file, a time code, then a box on that frame."""

    label = forms.CharField(
        label=gettext_lazy("Name of the element"),
        help_text=gettext_lazy("What it is, e.g. “Minecraft hotbar”."),
        max_length=120,
        required=False,
    )
    video = VideoChoice(
        queryset=Artifact.objects.none(), label=gettext_lazy("Archived video or image")
    )
    time = forms.CharField(
        label=gettext_lazy("Time code"),
        help_text=gettext_lazy("In the video, e.g. 00:05 or 1:02.5; an image has only 00:00."),
        initial="00:00",
        max_length=20,
    )
    x = forms.IntegerField(label=gettext_lazy("Left (x, pixels)"), min_value=0, required=False)
    y = forms.IntegerField(label=gettext_lazy("Top (y, pixels)"), min_value=0, required=False)
    width = forms.IntegerField(label=gettext_lazy("Width (pixels)"), min_value=1, required=False)
    height = forms.IntegerField(label=gettext_lazy("Height (pixels)"), min_value=1, required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["video"].queryset = element_files_for(user)  # type: ignore[attr-defined]

    def clean_time(self) -> float:
        try:
            return float(parse_timecode(self.cleaned_data.get("time") or ""))
        except TimecodeError as exc:
            raise forms.ValidationError(str(exc)) from None

    def box(self) -> tuple[int, int, int, int] | None:
        """The four numbers when all are given, else None."""
        values = [self.cleaned_data.get(k) for k in ("x", "y", "width", "height")]
        if any(v is None for v in values):
            return None
        x, y, width, height = (int(v) for v in values)  # type: ignore[arg-type]
        return x, y, width, height
