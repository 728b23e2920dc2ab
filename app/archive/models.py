"""Captures (one archiving attempt of a source), their steps and their artifacts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaptureStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Archived")
    PARTIAL = "partial", _("Partly archived")
    FAILED = "failed", _("Failed")


FINAL_STATUSES = (CaptureStatus.SUCCEEDED, CaptureStatus.PARTIAL, CaptureStatus.FAILED)
# A capture in these states has files: an archived copy readers can open.
WITH_FILES = (CaptureStatus.SUCCEEDED, CaptureStatus.PARTIAL)


class ErrorClass(models.TextChoices):
    NONE = "", _("None")
    TIMEOUT = "timeout", _("Timed out")
    TOO_LARGE = "too_large", _("Too large")
    BLOCKED_ADDRESS = "blocked_address", _("Blocked address")
    BAD_URL = "bad_url", _("Invalid address")
    NOT_FOUND = "not_found", _("Not found (404/410)")
    GONE = "gone", _("Host gone (DNS)")
    CONNECTION = "connection", _("Connection failed")
    RATE_LIMITED = "rate_limited", _("Rate limited (429)")
    SERVER_ERROR = "server_error", _("Server error")
    CLIENT_ERROR = "client_error", _("Refused by the server")
    LOGIN_WALL = "login_wall", _("Login wall or CAPTCHA")
    UNSUPPORTED = "unsupported", _("Unsupported content")
    MEDIA = "media", _("Media could not be archived")
    INTERNAL = "internal", _("Internal error")


class CaptureOrigin(models.TextChoices):
    SUBMITTED = "submitted", _("Added as a source")
    RETRY = "retry", _("Retried by an editor")
    MONITOR = "monitor", _("Change detected by monitoring")
    UPLOAD = "upload", _("Uploaded by an editor")
    COMMAND = "command", _("Command line")
    DEMO = "demo", _("Demo data")


class CaptureQuerySet(models.QuerySet["Capture"]):
    def due_for_resend(self, now: datetime, resend_after: timedelta) -> CaptureQuerySet:
        """Queued captures whose doorbell may have been lost (broker down, Redis restarted).

        Eligible once ``not_before`` has passed and nothing was sent for
        ``resend_after`` (the creation time counts as the first send).
        """
        cutoff = now - resend_after
        return (
            self.filter(status=CaptureStatus.QUEUED)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .filter(
                Q(enqueued_at__lte=cutoff) | Q(enqueued_at__isnull=True, created_at__lte=cutoff)
            )
            .order_by("created_at", "id")
        )

    def stuck(self, now: datetime, stuck_after: timedelta) -> CaptureQuerySet:
        """Running captures whose worker must be dead (running longer than any time limit)."""
        return self.filter(status=CaptureStatus.RUNNING, started_at__lte=now - stuck_after)


class Capture(models.Model):
    """One archiving run of a source at one moment, the unit of work of the pipeline.

    A worker's tries of the same capture (transient failures, a dead worker)
    are counted in ``attempts`` and summarized in ``attempt_log``; the steps
    and artifacts are those of the try that finished.
    """

    source = models.ForeignKey("catalog.Source", on_delete=models.CASCADE, related_name="captures")
    status = models.CharField(
        max_length=20, choices=CaptureStatus.choices, default=CaptureStatus.QUEUED
    )
    origin = models.CharField(
        max_length=20, choices=CaptureOrigin.choices, default=CaptureOrigin.SUBMITTED
    )
    error_class = models.CharField(max_length=30, choices=ErrorClass.choices, blank=True)
    error_text = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="captures_requested",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    not_before = models.DateTimeField(
        null=True, blank=True, help_text=_("Do not retry before (Retry-After, backoff).")
    )
    worker = models.CharField(max_length=200, blank=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the task was last sent to the broker.")
    )
    attempt_log = models.JSONField(default=list, blank=True)
    requested_url = models.CharField(max_length=2000)
    final_url = models.CharField(max_length=2000, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    redirect_chain = models.JSONField(default=list, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    tool_versions = models.JSONField(default=dict, blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    wayback_url = models.URLField(max_length=2000, blank=True)

    objects = CaptureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in CaptureStatus]),
                name="capture_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(error_class__in=[c.value for c in ErrorClass]),
                name="capture_error_class_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Capture {self.pk} of {self.requested_url} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class StepStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class CaptureStep(models.Model):
    """One separately recorded step of a capture (fetch, extract, screenshot, ...)."""

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING)
    tool = models.CharField(max_length=100, blank=True)
    tool_version = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_class = models.CharField(max_length=30, choices=ErrorClass.choices, blank=True)
    error_text = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["capture", "name"], name="capturestep_unique_name"),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in StepStatus]),
                name="capturestep_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"


class ArtifactKind(models.TextChoices):
    WARC = "warc", _("WARC")
    HTML = "html", _("Raw HTML")
    TEXT = "text", _("Extracted text")
    METADATA = "metadata", _("Metadata JSON")
    SCREENSHOT = "screenshot", _("Screenshot")
    PDF = "pdf", _("PDF rendering")
    DOCUMENT = "document", _("Document")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    INFO_JSON = "info_json", _("Video metadata")
    SUBTITLES = "subtitles", _("Subtitles")
    THUMBNAIL = "thumbnail", _("Thumbnail")
    CONTACT_SHEET = "contact_sheet", _("Contact sheet")
    FRAME = "frame", _("Frame")
    MANIFEST = "manifest", _("Manifest")
    UPLOAD = "upload", _("Uploaded file")
    SIGNAL = "signal", _("Consent signal")
    TIMESTAMP = "timestamp", _("Trusted timestamp")
    WACZ = "wacz", _("WACZ package")


class Artifact(models.Model):
    """One file a capture produced, content-addressed and hashed at write time."""

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="artifacts")
    kind = models.CharField(max_length=20, choices=ArtifactKind.choices)
    name = models.CharField(max_length=200, help_text=_("Logical file name within the capture."))
    storage_key = models.CharField(max_length=500)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    derived_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="derivatives"
    )
    how = models.CharField(max_length=300, blank=True, help_text=_("Tool and method."))
    partial = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["capture", "name"], name="artifact_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ArtifactKind]), name="artifact_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="artifact_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}, {self.size} bytes)"


class HostFile(models.Model):
    """A site-wide file (``robots.txt``, ``tdmrep.json``, ``ai.txt``) fetched once per
    origin per UTC day and shared by every capture of that origin that day.

    ``status`` is ``found`` (2xx; the bytes are stored, content-addressed),
    ``missing`` (4xx: the site has none) or ``unreachable`` (5xx, timeout,
    refused address: an unreachable file is fetched again after an hour).
    """

    origin = models.CharField(max_length=300)
    name = models.CharField(max_length=40)
    day = models.DateField()
    url = models.CharField(max_length=2000)
    fetched_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=30, blank=True)
    error_text = models.CharField(max_length=500, blank=True)
    storage_key = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    media_type = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["origin", "name", "day"], name="hostfile_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.origin}/{self.name} on {self.day}: {self.status}"


class ConsentRecord(models.Model):
    """The AI-training signals a capture saw, parsed (the full record is ``signals.json``)."""

    capture = models.OneToOneField(Capture, on_delete=models.CASCADE, related_name="consent")
    host = models.CharField(max_length=300, db_index=True)
    observed_at = models.DateTimeField()
    robots_status = models.CharField(max_length=20)
    disallowed_agents = models.JSONField(default=list, blank=True)
    tdm_reserved = models.BooleanField(null=True)
    tdm_policy = models.CharField(max_length=2000, blank=True)
    content_usage = models.JSONField(default=dict, blank=True)
    record = models.JSONField(default=dict)
    # One entry per archived image or video: its C2PA manifest, read at capture
    # (``content-credentials.json``; app.archive.credentials).
    content_credentials = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["observed_at", "id"]

    def __str__(self) -> str:
        return f"Signals of capture {self.capture_id}"

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self.record.get("summary") or {})
