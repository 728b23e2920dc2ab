"""What developers declared (disclosures), how claims compare with it (the gap),
and the court cases that bear on training data (docs/disclosures.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import EntityKind, PublicationState, choice_values
from app.catalog.models import Claim, Entity, Source
from app.disclosures.sections import CODES, SECTION_CHOICES


def _in(field: str, values: list[str] | tuple[str, ...]) -> Q:
    return Q(**{f"{field}__in": list(values)})


def _state_field() -> models.CharField:
    return models.CharField(
        _("publication state"),
        max_length=20,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
    )


class Publishable(models.Model):
    """The fields `app.catalog.publication.publication_set` reads and writes."""

    state = _state_field()
    state_reason = models.TextField(_("reason for the state"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(
        _("demo record"), default=False, help_text=_("Fictitious, made by seed_demo.")
    )

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.state == PublicationState.PUBLISHED


# --- Disclosures ----------------------------------------------------------------


class DisclosureKind(models.TextChoices):
    EU_SUMMARY = "eu_summary", _("EU public summary of training content")
    MODEL_CARD = "model_card", _("Model card")
    HF_CARD = "hf_card", _("Hugging Face model card")
    PAPER = "paper", _("Paper or technical report")
    BLOG_POST = "blog_post", _("Blog post")
    OTHER = "other", _("Other declaration")


class DisclosureQuerySet(models.QuerySet["Disclosure"]):
    def current(self) -> DisclosureQuerySet:
        """Versions no later version of the same declaration replaces."""
        return self.filter(superseded_by__isnull=True)


class Disclosure(Publishable):
    """One version of what a model's developer declared about its training data,
    backed by an archived source. A new version supersedes the old one; both
    stay readable."""

    model = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        related_name="disclosures",
        verbose_name=_("AI model"),
        limit_choices_to={"kind": EntityKind.MODEL},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DisclosureKind.choices)
    title = models.CharField(_("title"), max_length=300)
    version_label = models.CharField(_("version"), max_length=60, blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("source")
    )
    published_on = models.DateField(_("published by the developer on"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        ordering = ["model__name", "-published_on", "-id"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        indexes = [models.Index(fields=["model", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=_in("kind", choice_values(DisclosureKind)), name="disclosure_kind_valid"
            ),
            models.CheckConstraint(
                condition=_in("state", choice_values(PublicationState)),
                name="disclosure_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=models.F("id")), name="disclosure_not_own_successor"
            ),
        ]

    def __str__(self) -> str:
        version = f" ({self.version_label})" if self.version_label else ""
        return f"{self.title}{version}"

    def get_absolute_url(self) -> str:
        return reverse("disclosures:disclosure", args=[self.pk])

    def get_edit_url(self) -> str:
        return reverse("disclosures:edit", args=[self.pk])


class DisclosureSection(models.Model):
    """What one disclosure says under one template section: free text and the
    section's structured fields (`app.disclosures.sections`)."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("section"), max_length=8, choices=SECTION_CHOICES)
    text = models.TextField(_("what it declares"), blank=True, max_length=20000)
    data = models.JSONField(_("structured fields"), default=dict, blank=True)

    class Meta:
        ordering = ["disclosure", "id"]
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "code"], name="disclosure_section_once"),
            models.CheckConstraint(condition=_in("code", CODES), name="disclosure_section_code"),
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id} §{self.code}"

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not any(self.data.values())


class MarketPresence(models.Model):
    """A model placed on the EU market: where a provider owes a public summary."""

    model = models.OneToOneField(
        Entity, on_delete=models.CASCADE, related_name="eu_market", verbose_name=_("AI model")
    )
    placed_on = models.DateField(_("placed on the EU market on"), null=True, blank=True)
    note = models.TextField(_("how we know"), blank=True, max_length=2000)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("EU market presence")

    def __str__(self) -> str:
        return f"{self.model} on the EU market"


class DatasetCard(models.Model):
    """A dataset record filled from a Croissant JSON-LD file."""

    dataset = models.OneToOneField(
        Entity, on_delete=models.CASCADE, related_name="dataset_card", verbose_name=_("dataset")
    )
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("address"), max_length=2000, blank=True)
    license = models.CharField(_("licence"), max_length=500, blank=True)
    version = models.CharField(_("version"), max_length=60, blank=True)
    date_published = models.CharField(_("date published"), max_length=40, blank=True)
    creators = models.JSONField(_("creators"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    distribution = models.JSONField(_("files"), default=list, blank=True)
    record_sets = models.JSONField(_("record sets"), default=list, blank=True)
    file_sha256 = models.CharField(_("imported file SHA-256"), max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dataset card")

    def __str__(self) -> str:
        return self.name


# --- The disclosure gap ------------------------------------------------------


class GapState(models.TextChoices):
    DECLARES = "declares", _("Declares")
    SILENT = "silent", _("Silent")
    CONTRADICTS = "contradicts", _("Contradicts")


class GapEntry(Publishable):
    """How a model's disclosure compares with a claim under one template section,
    judged by an editor with a note."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="gap_entries")
    model = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="gap_entries", verbose_name=_("AI model")
    )
    section = models.CharField(_("section"), max_length=8, choices=SECTION_CHOICES)
    gap_state = models.CharField(_("the disclosure"), max_length=20, choices=GapState.choices)
    note = models.TextField(_("note"), max_length=5000)
    disclosure = models.ForeignKey(
        Disclosure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gap_entries",
        verbose_name=_("disclosure read"),
    )

    class Meta:
        ordering = ["model__name", "section", "claim_id"]
        verbose_name = _("disclosure gap entry")
        verbose_name_plural = _("disclosure gap entries")
        indexes = [models.Index(fields=["model", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "model", "section"], name="gap_one_per_claim_model_section"
            ),
            models.CheckConstraint(condition=_in("section", CODES), name="gap_section_code"),
            models.CheckConstraint(
                condition=_in("gap_state", choice_values(GapState)), name="gap_state_valid"
            ),
            models.CheckConstraint(
                condition=_in("state", choice_values(PublicationState)), name="gap_pub_state_valid"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="gap_note_required"),
        ]

    def __str__(self) -> str:
        return f"{self.model} §{self.section}: {self.gap_state}"


# --- Cases ---------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISMISSED = "dismissed", _("Dismissed")
    SETTLED = "settled", _("Settled")
    DECIDED = "decided", _("Decided")
    ON_APPEAL = "on_appeal", _("On appeal")
    CLOSED = "closed", _("Closed")


class PartyRole(models.TextChoices):
    PLAINTIFF = "plaintiff", _("Plaintiff")
    DEFENDANT = "defendant", _("Defendant")
    OTHER = "other", _("Other party")


class EventKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    ANSWER = "answer", _("Answer")
    MOTION_TO_DISMISS = "motion_to_dismiss", _("Motion to dismiss")
    MOTION = "motion", _("Other motion")
    RULING = "ruling", _("Ruling")
    SETTLEMENT = "settlement", _("Settlement")
    APPEAL = "appeal", _("Appeal")
    OTHER = "other", _("Other event")


class Case(Publishable):
    """A lawsuit that bears on training data."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    court = models.CharField(_("court"), max_length=300)
    docket_number = models.CharField(_("docket number"), max_length=100)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    judge = models.CharField(_("judge"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    summary = models.TextField(_("summary"), blank=True, max_length=10000)
    claims = models.ManyToManyField(Claim, blank=True, related_name="cases")
    models_concerned = models.ManyToManyField(
        Entity, blank=True, related_name="cases_as_model", verbose_name=_("AI models")
    )

    class Meta:
        ordering = ["-filed_on", "title"]
        verbose_name = _("court case")
        verbose_name_plural = _("court cases")
        constraints = [
            models.CheckConstraint(
                condition=_in("status", choice_values(CaseStatus)), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=_in("state", choice_values(PublicationState)), name="case_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosures:case", args=[self.slug])


class CaseParty(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)

    class Meta:
        ordering = ["role", "entity__name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "entity", "role"], name="case_party_once"),
            models.CheckConstraint(
                condition=_in("role", choice_values(PartyRole)), name="case_party_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} ({self.role})"


class CaseDocument(models.Model):
    """A docket document, archived through its source (a PDF, usually)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    docket_entry = models.CharField(_("docket document number"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="case_documents")

    class Meta:
        ordering = ["filed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "docket_entry"], name="case_document_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case} #{self.docket_entry}"


class CaseEvent(models.Model):
    """One dated step in a case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    title = models.CharField(_("what happened"), max_length=300)
    description = models.TextField(_("details"), blank=True, max_length=5000)
    document = models.ForeignKey(
        CaseDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("kind", choice_values(EventKind)), name="case_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"
