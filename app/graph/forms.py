"""The lookup form (GET, shareable), the editor's index upload form, the relation editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.graph.lookup import MAX_QUERY
from app.graph.models import (
    Attribution,
    DatasetVersion,
    FileFormat,
    MemberKind,
    RelationKind,
    UseStage,
)
from app.graph.services import ENDPOINTS, relation_check


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


KIND_RULES = {
    RelationKind.MEMBERSHIP: _(
        "A membership goes from a work, a creator or an organization (a site or a channel) "
        "to a dataset."
    ),
    RelationKind.USE: _("A use goes from a dataset to an AI model."),
    RelationKind.DERIVATION: _(
        "A derivation goes from a dataset to a dataset, or from a base model to a model."
    ),
}


def entities_named(text: str) -> list[Entity]:
    """The entity whose slug is ``text`` alone, else those named ``text`` (any case; at
    most two, enough to tell "none", "one" and "several")."""
    text = text.strip()
    if not text or len(text) > 200 or "\x00" in text:  # the form's own checks say why
        return []
    by_slug = Entity.objects.filter(slug=text).first()
    return [by_slug] if by_slug else list(Entity.objects.filter(name__iexact=text)[:2])


def versions_of(entity: Entity | None) -> list[DatasetVersion]:
    """The index versions a membership in ``entity`` may name (newest first)."""
    if entity is None or entity.kind != EntityKind.DATASET:
        return []
    return list(DatasetVersion.objects.filter(dataset_id=entity.pk).order_by("-number")[:100])


class RelationForm(forms.Form):
    """One link of the graph, between two entities named by name or slug (the workspace's
    relation editor; `app.graph.services.relation_check` has the last word)."""

    kind = forms.ChoiceField(
        label=_("Kind of relation"),
        choices=[
            (RelationKind.MEMBERSHIP, _("Membership: a work, creator or site is in a dataset")),
            (RelationKind.USE, _("Use: a dataset was used to train a model")),
            (RelationKind.DERIVATION, _("Derivation: a dataset or model comes from another")),
        ],
        widget=forms.RadioSelect,
    )
    upstream = forms.CharField(
        label=_("From"),
        max_length=200,
        help_text=_(
            "The work, creator or site for a membership; the dataset for a use or a derivation "
            "(or the base model). Its name or slug."
        ),
    )
    downstream = forms.CharField(
        label=_("To"),
        max_length=200,
        help_text=_(
            "The dataset for a membership; the model for a use; the derived dataset or model."
        ),
    )
    stage = forms.ChoiceField(
        label=_("Training stage (use only)"),
        required=False,
        choices=[("", "—"), *UseStage.choices],
    )
    attribution = forms.ChoiceField(
        label=_("Declared or alleged (use only)"),
        required=False,
        choices=[("", "—"), *Attribution.choices],
    )
    dataset_version = forms.ModelChoiceField(
        label=_("Dataset version (membership only, optional)"),
        queryset=DatasetVersion.objects.all(),
        required=False,
        help_text=_(
            "The imported index version that lists it, when the evidence names one. "
            "The versions of the dataset picked in “To” are listed."
        ),
    )
    note = forms.CharField(label=_("Note on this link"), max_length=300, required=False)

    def _entity(self, name: str) -> Entity:
        text = str(self.cleaned_data.get(name) or "").strip()
        found = entities_named(text)
        if not found:
            raise forms.ValidationError(_("No entity is named “%(name)s”.") % {"name": text})
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several entities are named “%(name)s”: give the slug.") % {"name": text}
            )
        return found[0]

    def downstream_entity(self) -> Entity | None:
        """The "To" entity as typed or picked so far (for listing its versions)."""
        text = str(self.data.get("downstream", "") if self.is_bound else "") or str(
            self.initial.get("downstream", "")
        )
        found = entities_named(text)
        return found[0] if len(found) == 1 else None

    def clean_upstream(self) -> Entity:
        return self._entity("upstream")

    def clean_downstream(self) -> Entity:
        return self._entity("downstream")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, up, down = data.get("kind"), data.get("upstream"), data.get("downstream")
        if kind == RelationKind.USE:
            if not data.get("stage"):
                self.add_error(
                    "stage", _("Give the training stage of a use (or say it is unknown).")
                )
            if not data.get("attribution"):
                self.add_error(
                    "attribution",
                    _("Say whether the developer declared this use or others allege it."),
                )
        elif kind and (data.get("stage") or data.get("attribution")):
            self.add_error("stage", _("Stage and declared/alleged apply to use relations only."))
        if kind and kind != RelationKind.MEMBERSHIP:
            # The version list is hidden for other kinds: a choice left in it means nothing.
            data["dataset_version"] = None
        if kind and isinstance(up, Entity) and isinstance(down, Entity) and not self.errors:
            if (up.kind, down.kind) not in ENDPOINTS[kind]:
                self.add_error(
                    None,
                    _(
                        "%(rule)s Here “%(a)s” is of the kind “%(ak)s” "
                        "and “%(b)s” of the kind “%(bk)s”."
                    )
                    % {
                        "rule": KIND_RULES[kind],
                        "a": up.name,
                        "ak": EntityKind(up.kind).label,
                        "b": down.name,
                        "bk": EntityKind(down.kind).label,
                    },
                )
                return data
            try:
                relation_check(
                    kind=kind, upstream=up, downstream=down,
                    stage=data.get("stage", ""), attribution=data.get("attribution", ""),
                    dataset_version=data.get("dataset_version"),
                )  # fmt: skip
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class RelationClaimForm(forms.Form):
    """The new claim that asserts a relation (when the relation is not added to a claim)."""

    statement = forms.CharField(
        label=_("Claim statement"),
        max_length=400,
        required=False,
        help_text=_(
            "Left empty: written from the relation, e.g. “Books3 was used to train LLaMA”."
        ),
    )


class _NeedsReason:
    """A ``reason`` field required once the relation's claim has left the draft
    (`app.graph.services.change_needs_reason`)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, needs_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = needs_reason


class RelationEditForm(_NeedsReason, RelationForm):
    """A relation changed in place: the same checks, and a reason past the draft."""

    reason = forms.CharField(
        label=_("Why this change"),
        max_length=500,
        required=False,
        help_text=_("Kept in the audit log with the fields before and after."),
    )


class RelationRemoveForm(_NeedsReason, forms.Form):
    reason = forms.CharField(
        label=_("Why remove it"),
        max_length=500,
        required=False,
        help_text=_("Kept in the audit log with everything the relation said."),
    )
