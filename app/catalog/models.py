"""Entities, claims, evidence and sources: the ledger itself (DESIGN.md, Domain)."""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from app.catalog.choices import (
    DeveloperResponse,
    EntityKind,
    EvidenceKind,
    Grounding,
    OnlineStatus,
    PublicationState,
    SourceKind,
    Stance,
    Strength,
    Verdict,
    choice_values,
)


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choice_values(choices)})


class Entity(models.Model):
    """Something a claim is about: a model, an organization, a work, a creator, a dataset."""

    kind = models.CharField(_("kind"), max_length=20, choices=EntityKind.choices)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    aliases = models.JSONField(_("other names"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    developer = models.ForeignKey(
        "self",
        verbose_name=_("developer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="models_developed",
        help_text=_("For an AI model: the organization that develops it."),
    )
    wikidata_id = models.CharField(_("Wikidata QID"), max_length=20, blank=True)
    website = models.URLField(_("website or channel"), max_length=500, blank=True)
    external_ids = models.JSONField(_("other identifiers"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        constraints = [
            models.CheckConstraint(condition=_in("kind", EntityKind), name="entity_kind_valid"),
            models.CheckConstraint(
                condition=Q(developer__isnull=True) | Q(kind=EntityKind.MODEL),
                name="entity_developer_only_for_models",
            ),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
                name="entity_wikidata_qid_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:entity", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClaimQuerySet(models.QuerySet["Claim"]):
    """Who may see which claims is decided in `app.catalog.access` (``public_claims``)."""


class Claim(models.Model):
    """One checkable statement about training data."""

    statement = models.CharField(_("statement"), max_length=400)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.TextField(_("summary (Markdown)"), blank=True, max_length=20000)
    verdict = models.CharField(
        _("verdict"), max_length=20, choices=Verdict.choices, default=Verdict.UNVERIFIED
    )
    evidence_strength = models.CharField(
        _("evidence strength"), max_length=20, choices=Strength.choices, blank=True, default=""
    )
    developer_response = models.CharField(
        _("developer response"),
        max_length=20,
        choices=DeveloperResponse.choices,
        default=DeveloperResponse.NOT_CONTACTED,
    )
    developer_contacted_on = models.DateField(_("developer contacted on"), null=True, blank=True)
    developer_contact_channel = models.CharField(_("contact channel"), max_length=200, blank=True)
    first_seen = models.DateField(_("first seen"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=12, default="en")
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims", verbose_name=_("tags"))
    models_named = models.ManyToManyField(
        Entity, blank=True, related_name="claims_as_model", verbose_name=_("AI models")
    )
    content_named = models.ManyToManyField(
        Entity, blank=True, related_name="claims_as_content", verbose_name=_("training content")
    )
    state = models.CharField(
        _("publication state"),
        max_length=20,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
    )
    state_reason = models.TextField(_("reason for the state"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims_created",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[models_named, content_named])

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        permissions = [
            ("publish_directly", "Can publish without review"),
            ("set_verdict", "Can set or change verdicts"),
            ("moderate", "Can review submissions"),
        ]
        indexes = [models.Index(fields=["state", "-published_at"])]
        constraints = [
            models.CheckConstraint(condition=_in("verdict", Verdict), name="claim_verdict_valid"),
            models.CheckConstraint(
                condition=_in("evidence_strength", Strength), name="claim_strength_valid"
            ),
            models.CheckConstraint(
                condition=_in("developer_response", DeveloperResponse),
                name="claim_developer_response_valid",
            ),
            models.CheckConstraint(
                condition=_in("state", PublicationState), name="claim_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=PublicationState.PUBLISHED) | Q(published_at__isnull=False),
                name="claim_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.statement

    def get_absolute_url(self) -> str:
        return reverse("public:claim", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.state == PublicationState.PUBLISHED


class VerdictChange(models.Model):
    """One step in a claim's public verdict history, with the moderator's note."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdict_changes")
    old_verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    new_verdict = models.CharField(max_length=20, choices=Verdict.choices)
    old_strength = models.CharField(max_length=20, choices=Strength.choices, blank=True)
    new_strength = models.CharField(max_length=20, choices=Strength.choices, blank=True)
    note = models.TextField(_("public note"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("new_verdict", Verdict), name="verdictchange_verdict_valid"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="verdictchange_note_required"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.old_verdict or '∅'} → {self.new_verdict}"


class SourceQuerySet(models.QuerySet["Source"]):
    def due_for_check(self, now: Any = None) -> SourceQuerySet:
        now = now or timezone.now()
        return self.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))


class Source(models.Model):
    """One web address, normalized and unique, cited by any number of evidence items."""

    url = models.URLField(_("address as first submitted"), max_length=2000)
    normalized_url = models.CharField(_("normalized address"), max_length=2000, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=SourceKind.choices, default=SourceKind.ARTICLE
    )
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    description = models.TextField(_("description"), blank=True)
    canonical_url = models.URLField(_("canonical address"), max_length=2000, blank=True)
    image_url = models.URLField(_("image"), max_length=2000, blank=True)
    online_status = models.CharField(
        _("online status"),
        max_length=20,
        choices=OnlineStatus.choices,
        default=OnlineStatus.UNKNOWN,
    )
    gone_since = models.DateTimeField(_("original removed on"), null=True, blank=True)
    failed_checks = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    last_changed_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sources_added",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        indexes = [models.Index(fields=["next_check_at"])]
        constraints = [
            models.CheckConstraint(condition=_in("kind", SourceKind), name="source_kind_valid"),
            models.CheckConstraint(
                condition=_in("online_status", OnlineStatus), name="source_online_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(normalized_url__startswith="http://")
                | Q(normalized_url__startswith="https://"),
                name="source_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.normalized_url

    def get_absolute_url(self) -> str:
        return reverse("archive:source", args=[self.pk])

    @property
    def display_publisher(self) -> str:
        return display_publisher(self.publisher, self.normalized_url)


def display_publisher(publisher: str, normalized_url: str) -> str:
    """The publisher as entered, else the host name of the source's address."""
    return publisher or urlsplit(normalized_url).hostname or ""


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    """Who may see which evidence is decided in `app.catalog.access` (``public_evidence``)."""


class Evidence(models.Model):
    """One item bearing on one claim, citing one source."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=30, choices=EvidenceKind.choices)
    stance = models.CharField(_("stance"), max_length=20, choices=Stance.choices)
    summary = models.TextField(_("what it shows"), max_length=5000)
    quote = models.TextField(_("exact quote"), blank=True, max_length=5000)
    locator = models.CharField(
        _("locator"), max_length=200, blank=True, help_text=_("A page, a paragraph, a section.")
    )
    time_start = models.DecimalField(
        _("video start (seconds)"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    time_end = models.DecimalField(
        _("video end (seconds)"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    method_note = models.TextField(
        _("method"),
        blank=True,
        max_length=5000,
        help_text=_(
            "What was done, on what sample, with what limits. For an output test: the model "
            "and version, the date, the prompts and the outputs."
        ),
    )
    grounding = models.CharField(
        _("grounded or speculative"),
        max_length=20,
        choices=Grounding.choices,
        blank=True,
        default=Grounding.NOT_ASSESSED,
    )
    time_range_problem = models.CharField(
        _("time range problem"),
        max_length=300,
        blank=True,
        help_text=_("Set by the archiver when the range does not fit the archived video."),
    )
    state = models.CharField(
        _("publication state"),
        max_length=20,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
    )
    state_reason = models.TextField(_("reason for the state"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_added",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [models.Index(fields=["claim", "state"])]
        constraints = [
            models.CheckConstraint(condition=_in("kind", EvidenceKind), name="evidence_kind_valid"),
            models.CheckConstraint(condition=_in("stance", Stance), name="evidence_stance_valid"),
            models.CheckConstraint(
                condition=_in("grounding", Grounding), name="evidence_grounding_valid"
            ),
            models.CheckConstraint(
                condition=_in("state", PublicationState), name="evidence_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(time_start__isnull=True) | Q(time_start__gte=0),
                name="evidence_time_start_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(time_end__isnull=True)
                | (Q(time_start__isnull=False) & Q(time_end__gt=models.F("time_start"))),
                name="evidence_time_range_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=PublicationState.PUBLISHED) | Q(published_at__isnull=False),
                name="evidence_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: {self.summary[:60]}"

    @property
    def has_time_range(self) -> bool:
        return self.time_start is not None


class AuditEntryImmutable(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditEntryImmutable("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise AuditEntryImmutable("The audit log is append-only.")


class AuditEntry(models.Model):
    """Who did what to which row, when, before and after, and why. Append-only.

    The application never updates or deletes a row: the model and its
    queryset refuse to, and on PostgreSQL a trigger rejects UPDATE and DELETE
    (migration 0002). The actor is kept by id without a database constraint
    and by name, so removing a user never touches the log.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        # The table kept its name when the model moved down from moderation.
        db_table = "moderation_auditentry"
        default_permissions = ("view",)
        permissions = [("export_auditentry", "Can export the audit log")]
        indexes = [
            models.Index(
                fields=["target_type", "target_id"], name="moderation__target__e56450_idx"
            ),
            models.Index(fields=["actor", "-created_at"], name="moderation__actor_i_0e08f5_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEntryImmutable("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditEntryImmutable("The audit log is append-only.")
