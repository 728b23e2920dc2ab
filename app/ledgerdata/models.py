"""Bulk imports: one row per run (its progress and report), and the external ids it has seen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """One import of one file: the admin's progress bar polls this row."""

    file_name = models.CharField(_("file name"), max_length=300)
    storage_key = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    submit = models.BooleanField(
        _("submit for review"), default=True, help_text=_("Pending review, else drafts.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(_("records in the file"), default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    unchanged_count = models.PositiveIntegerField(_("already there"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    captures_queued = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list, blank=True, help_text=_("Refused records: line, field, message.")
    )
    error_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ImportStatus]),
                name="importrun_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.processed / self.total))

    @property
    def is_final(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportedRecord(models.Model):
    """An external id an import has turned into a row: importing it again changes nothing."""

    record_type = models.CharField(max_length=20)
    external_id = models.CharField(max_length=300)
    object_id = models.PositiveBigIntegerField()
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The import pass that last met this id, and on which line: a second line with the same id
    # in one file is a duplicate. Kept here, not in the importer's memory, so an import of
    # any size holds no per-record state (memory stays flat).
    batch = models.CharField(max_length=32, blank=True, default="")
    line = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "external_id"], name="importedrecord_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.external_id} → {self.object_id}"
