"""Link-health checks of sources, and the Wayback witness queue."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CheckOutcome(models.TextChoices):
    ALIVE = "alive", _("Online, unchanged")
    CHANGED = "changed", _("Text changed")
    MOVED = "moved", _("Moved elsewhere")
    GONE = "gone", _("Gone")
    BLOCKED = "blocked", _("Blocked (login wall, CAPTCHA, rate limit)")
    ERROR = "error", _("Could not tell (error)")


class LinkCheck(models.Model):
    """One re-check of a source: what was asked, what came back, how it was read.

    ``strike`` marks a "gone" check that counts toward the three, a day or
    more apart, after which the source is marked gone.
    """

    source = models.ForeignKey(
        "catalog.Source", on_delete=models.CASCADE, related_name="link_checks"
    )
    checked_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=CheckOutcome.choices)
    reason = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=10, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.CharField(max_length=2000, blank=True)
    error_class = models.CharField(max_length=30, blank=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    text_sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("Hash of the normalized text seen, if read.")
    )
    words_added = models.PositiveIntegerField(null=True, blank=True)
    words_removed = models.PositiveIntegerField(null=True, blank=True)
    strike = models.BooleanField(default=False)
    capture = models.ForeignKey(
        "archive.Capture",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The new capture this check asked for."),
    )
    elapsed_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["source", "-checked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=[c.value for c in CheckOutcome]),
                name="linkcheck_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.checked_at:%Y-%m-%d %H:%M}: {self.outcome}"


class WitnessStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DONE = "done", _("Saved by the Wayback Machine")
    FAILED = "failed", _("Failed")


class WaybackSubmission(models.Model):
    """One capture submitted to the Internet Archive's Save Page Now, as a second witness.

    Rows are the queue: a periodic task takes a few due ones a minute.
    """

    capture = models.OneToOneField(
        "archive.Capture", on_delete=models.CASCADE, related_name="wayback_submission"
    )
    status = models.CharField(
        max_length=20, choices=WitnessStatus.choices, default=WitnessStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in WitnessStatus]),
                name="waybacksubmission_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Wayback witness of capture {self.capture_id}: {self.status}"
