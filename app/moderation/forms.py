"""Forms of the moderation app. Size limits are part of the spam defences."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from app.catalog.access import public_claims
from app.catalog.choices import DeveloperResponse, EvidenceKind, Stance, Strength, Verdict
from app.catalog.models import Claim
from app.lib.urls import MAX_URL_LENGTH, InvalidURL, normalize_url
from app.moderation.choices import Action, FlagReason, RejectReason, SuggestionKind
from app.moderation.intake import form_token


class SuggestionForm(forms.Form):
    """Anyone's suggestion of a claim or of evidence for a published claim."""

    kind = forms.ChoiceField(
        label=_("What are you suggesting?"),
        choices=SuggestionKind.choices,
        initial=SuggestionKind.CLAIM,
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label=_("The claim, in one sentence"),
        max_length=400,
        required=False,
        help_text=_('For example: "Sora was trained on Minecraft gameplay footage".'),
    )
    claim = forms.CharField(
        label=_("Which claim is it evidence for? (its address or slug)"),
        max_length=300,
        required=False,
    )
    url = forms.CharField(label=_("Address of the source"), max_length=MAX_URL_LENGTH)
    summary = forms.CharField(
        label=_("What does it show?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    stance = forms.ChoiceField(label=_("It"), choices=Stance.choices, initial=Stance.SUPPORTS)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")
    # Spam defences: a field people never see, and when the form was shown.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = form_token()

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"].strip()
        try:
            normalize_url(url)
        except InvalidURL as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean_claim(self) -> Claim | None:
        raw: str = self.cleaned_data.get("claim", "").strip()
        if not raw:
            return None
        slug = [part for part in urlsplit(raw).path.split("/") if part][-1:] or [""]
        claim = public_claims().filter(slug=slug[0]).first()
        if claim is None:
            raise forms.ValidationError(_("No published claim has this address."))
        return claim

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == SuggestionKind.CLAIM and not data.get("statement"):
            self.add_error("statement", _("Write the claim you are suggesting."))
        if data.get("kind") == SuggestionKind.EVIDENCE and not data.get("claim"):
            if "claim" not in self.errors:
                self.add_error("claim", _("Say which claim this is evidence for."))
        return data

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get("website", "").strip())


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is the problem?"), choices=FlagReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Details (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=Action.choices)
    reason_code = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *RejectReason.choices], required=False
    )
    reason_text = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_kind = forms.ChoiceField(
        label=_("Evidence kind"), choices=[("", "—"), *EvidenceKind.choices], required=False
    )
    stance = forms.ChoiceField(
        label=_("Stance"), choices=[("", "—"), *Stance.choices], required=False
    )


class BulkForm(forms.Form):
    items = forms.MultipleChoiceField(required=True)
    action = forms.ChoiceField(
        choices=[
            (Action.PUBLISH, _("Publish / accept / resolve")),
            (Action.REJECT, _("Reject / dismiss")),
            (Action.CHANGES, _("Send back for changes")),
        ]
    )
    reason_code = DecisionForm.base_fields["reason_code"]
    reason_text = DecisionForm.base_fields["reason_text"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Items are checked by the service one by one; any key is acceptable here.
        keys = self.data.getlist("items") if hasattr(self.data, "getlist") else []
        self.fields["items"].choices = [(key, key) for key in keys[:200]]  # type: ignore[attr-defined]


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    strength = forms.ChoiceField(
        label=_("Evidence strength"), choices=Strength.choices, required=False
    )
    note = forms.CharField(
        label=_("Public note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the claim's verdict history and feed."),
    )


class ReplyForm(forms.Form):
    response = forms.ChoiceField(label=_("Developer's response"), choices=DeveloperResponse.choices)
    contacted_on = forms.DateField(
        label=_("Contacted on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.CharField(
        label=_("Channel"),
        max_length=200,
        required=False,
        help_text=_("E-mail to the press office, a form, a public post…"),
    )
    statement_url = forms.CharField(
        label=_("Address of their statement"), max_length=MAX_URL_LENGTH, required=False
    )
    statement_summary = forms.CharField(
        label=_("What they say"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    statement_quote = forms.CharField(
        label=_("Exact quote"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(label=_("Note for the audit log"), max_length=2000, required=False)

    def clean_statement_url(self) -> str:
        url: str = self.cleaned_data.get("statement_url", "").strip()
        if url:
            try:
                normalize_url(url)
            except InvalidURL as exc:
                raise forms.ValidationError(str(exc)) from None
        return url


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who"), max_length=150, required=False)
    action = forms.CharField(label=_("Action"), max_length=60, required=False)
    target_type = forms.CharField(label=_("Target type"), max_length=60, required=False)
    target_id = forms.CharField(label=_("Target id"), max_length=64, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
