"""Moderation records: public suggestions, reader flags, review locks, decisions, audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import Stance, choice_values
from app.moderation.choices import (
    FlagReason,
    FlagStatus,
    ItemKind,
    Outcome,
    RejectReason,
    SuggestionKind,
    SuggestionStatus,
)


def _in(field: str, choices: type[models.TextChoices], *, blank: bool = False) -> Q:
    allowed = choice_values(choices) + ([""] if blank else [])
    return Q(**{f"{field}__in": allowed})


class Suggestion(models.Model):
    """A claim or a piece of evidence suggested by anyone; waits for a moderator.

    The address is stored normalized and is never fetched before a moderator
    accepts the suggestion: the public cannot make our workers fetch anything.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=SuggestionKind.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
    )
    url = models.CharField(_("address as submitted"), max_length=2000)
    normalized_url = models.CharField(_("normalized address"), max_length=2000, db_index=True)
    statement = models.CharField(_("claim"), max_length=400, blank=True)
    summary = models.TextField(_("what it shows"), max_length=2000)
    stance = models.CharField(
        _("stance"), max_length=20, choices=Stance.choices, default=Stance.SUPPORTS
    )
    language = models.CharField(_("language"), max_length=12, default="en")
    claim = models.ForeignKey(
        "catalog.Claim",
        verbose_name=_("claim"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text=_("For evidence: the claim it bears on."),
    )
    source = models.ForeignKey(
        "catalog.Source",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text=_("Set when the address was already known, or once accepted."),
    )
    was_known = models.BooleanField(_("address already known"), default=False)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=30, choices=RejectReason.choices, blank=True)
    reason_text = models.TextField(blank=True, max_length=2000)
    result_claim = models.ForeignKey(
        "catalog.Claim", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result_evidence = models.ForeignKey(
        "catalog.Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=_in("kind", SuggestionKind), name="sugg_kind_valid"),
            models.CheckConstraint(
                condition=_in("status", SuggestionStatus), name="sugg_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=SuggestionKind.EVIDENCE) | Q(claim__isnull=False),
                name="sugg_evidence_has_claim",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SuggestionKind.CLAIM) | ~Q(statement=""),
                name="sugg_claim_has_statement",
            ),
        ]

    def __str__(self) -> str:
        return self.statement or self.summary[:80]

    @property
    def reason_display(self) -> str:
        return reason_display(self.reason_code, self.reason_text)


class Flag(models.Model):
    """A reader's "report a problem" on a published claim or evidence item."""

    claim = models.ForeignKey(
        "catalog.Claim", on_delete=models.CASCADE, related_name="flags", verbose_name=_("claim")
    )
    evidence = models.ForeignKey(
        "catalog.Evidence",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("evidence"),
    )
    reason = models.CharField(_("problem"), max_length=20, choices=FlagReason.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
    )
    ip_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    resolution_note = models.TextField(_("resolution note"), blank=True, max_length=2000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reader flag")
        verbose_name_plural = _("reader flags")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=_in("reason", FlagReason), name="flag_reason_valid"),
            models.CheckConstraint(condition=_in("status", FlagStatus), name="flag_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.evidence or self.claim}"


class ReviewLock(models.Model):
    """ "Taken by bob at 10:02": one row per queue item a moderator is looking at.

    A lock older than MODERATION_LOCK_MINUTES no longer counts, so a moderator
    who walks away does not block the item.
    """

    item_kind = models.CharField(max_length=20, choices=ItemKind.choices)
    item_id = models.BigIntegerField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_locks"
    )
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item_kind", "item_id"], name="reviewlock_one_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_kind}:{self.item_id} taken by {self.taken_by_id}"


class Decision(models.Model):
    """A moderator's decision, kept for the author's dashboard and e-mail."""

    item_kind = models.CharField(max_length=20, choices=ItemKind.choices)
    item_id = models.BigIntegerField()
    item_label = models.CharField(max_length=400)
    item_url = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_decisions",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason_code = models.CharField(max_length=30, choices=RejectReason.choices, blank=True)
    reason_text = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-decided_at"]),
            models.Index(fields=["item_kind", "item_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=_in("outcome", Outcome), name="decision_outcome_valid")
        ]

    def __str__(self) -> str:
        return f"{self.item_kind}:{self.item_id} {self.outcome}"

    @property
    def reason_display(self) -> str:
        return reason_display(self.reason_code, self.reason_text)


def reason_display(code: str, text: str) -> str:
    """ "Duplicate of an existing entry: see claim X", or just one of the two."""
    label = str(RejectReason(code).label) if code in RejectReason.values else ""
    if code == RejectReason.OTHER and text:
        return text
    return ": ".join(part for part in (label, text) if part)
