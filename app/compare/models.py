"""Output comparisons: a model's output measured against archived source footage.

A comparison belongs to one evidence item (an output-resemblance test) and is
visible exactly when that item is (``app.catalog.access``). Its inputs are
archived files (``archive.Artifact``): the output, the cited videos with
their time ranges, and the controls. The method record (model, prompt,
attempts, thresholds, library versions ...) is part of the row, so it travels
with the manifest. What a run writes is a set of ``ComparisonFile`` rows,
content-addressed through ``app.archive.storage`` and listed in the
comparison's manifest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from app.compare.ladder import Rung


class ReferenceElement(models.Model):
    """A box an editor drew on a source frame ("Minecraft hotbar"), reusable across comparisons."""

    label = models.CharField(_("label"), max_length=120)
    video = models.ForeignKey(
        "archive.Artifact", on_delete=models.PROTECT, related_name="+", verbose_name=_("video")
    )
    time = models.DecimalField(_("time (seconds)"), max_digits=10, decimal_places=3)
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(width__gte=12, height__gte=12), name="element_box_big_enough"
            )
        ]

    def __str__(self) -> str:
        return self.label


class PromptClass(models.TextChoices):
    NEUTRAL = "neutral", _("Neutral")
    DESCRIPTIVE = "descriptive", _("Descriptive")
    LEADING = "leading", _("Leading")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class Comparison(models.Model):
    evidence = models.ForeignKey(
        "catalog.Evidence", on_delete=models.CASCADE, related_name="comparisons"
    )
    output = models.ForeignKey(
        "archive.Artifact",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("model output"),
    )
    elements = models.ManyToManyField(ReferenceElement, blank=True, related_name="comparisons")
    # The method record (issue 13's method note, structured).
    model_name = models.CharField(_("model"), max_length=200)
    model_version = models.CharField(_("model version"), max_length=200, blank=True)
    generated_on = models.DateField(_("generation date"))
    prompt = models.TextField(_("prompt, verbatim"), max_length=10000)
    prompt_class = models.CharField(_("prompt class"), max_length=20, choices=PromptClass.choices)
    generation_settings = models.JSONField(_("generation settings"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts (n)"))
    resembling = models.PositiveIntegerField(_("attempts that resembled (k)"))
    c2pa = models.CharField(
        _("C2PA manifest"), max_length=500, default="none found", help_text=_("Or a summary.")
    )
    seed = models.PositiveIntegerField(_("random seed"), default=0)
    # The run.
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    error_text = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Liveness of a run: the worker touches heartbeat_at while it analyses; the sweep
    # (services.comparison_sweep) re-queues or fails a "running" row whose heartbeat went
    # stale (a dead worker), and re-sends a queued one nobody took (a lost message).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveSmallIntegerField(default=0, help_text="Runs started (claims).")
    run_log = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    system_rung = models.PositiveSmallIntegerField(choices=Rung.choices, default=Rung.NONE)
    editor_rung = models.PositiveSmallIntegerField(choices=Rung.choices, null=True, blank=True)
    editor_rung_reason = models.TextField(blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resembling__lte=F("attempts")), name="comparison_k_at_most_n"
            ),
            models.CheckConstraint(
                condition=Q(editor_rung__isnull=True) | Q(editor_rung__lte=F("system_rung")),
                name="comparison_editor_only_lowers",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in RunStatus]), name="comparison_status"
            ),
        ]

    def __str__(self) -> str:
        return f"Comparison {self.pk} ({self.model_name})"

    @property
    def rung(self) -> int:
        return self.system_rung if self.editor_rung is None else self.editor_rung


class InputRole(models.TextChoices):
    CITED = "cited", _("Cited source")
    SAME_GENRE = "same_genre", _("Control: same game or genre")
    UNRELATED = "unrelated", _("Control: unrelated footage")


class ComparisonInput(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="inputs")
    video = models.ForeignKey("archive.Artifact", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=InputRole.choices)
    ranges = models.JSONField(
        default=list, blank=True, help_text=_("Cited time ranges: [[start, end], ...] in seconds.")
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[c.value for c in InputRole]), name="comparisoninput_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.video_id}"


class ComparisonFile(models.Model):
    """One file a comparison run produced, content-addressed like a capture's artifacts."""

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30)
    storage_key = models.CharField(max_length=500)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    how = models.CharField(max_length=300, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["comparison", "name"], name="comparisonfile_name"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="comparisonfile_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """An editor's sign-off on a comparison; two different editors are needed to publish."""

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comparison", "reviewer"], name="review_once_each")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.comparison_id}"
