"""Relations between entities, and dataset indexes (docs/graph.md).

A `Relation` is one link of the training-data graph, drawn in the direction
data flows: a work *is in* a dataset (membership), a dataset *was used by* a
model (use), a dataset or model *was derived into* another (derivation: Common
Crawl -> LAION-5B, a base model -> its fine-tune). Every relation belongs to the
`Claim` that asserts it: the claim carries the evidence, verdict, strength and
publication state, so a relation is visible exactly when its claim is.

A `Dataset` adds index metadata to an `Entity` of kind dataset; each import of
an index file is a `DatasetVersion` whose rows are `DatasetMember`s.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from app.catalog.models import Claim, Entity


class RelationKind(models.TextChoices):
    MEMBERSHIP = "membership", _("is in the dataset")
    USE = "use", _("was used to train")
    DERIVATION = "derivation", _("was derived into")


class UseStage(models.TextChoices):
    PRETRAINING = "pretraining", _("pre-training")
    FINETUNING = "finetuning", _("fine-tuning")
    EVALUATION = "evaluation", _("evaluation")
    UNKNOWN = "unknown", _("stage unknown")


class Attribution(models.TextChoices):
    DECLARED = "declared", _("declared by the developer")
    ALLEGED = "alleged", _("alleged by others")


class Relation(models.Model):
    """One evidenced link, from ``upstream`` to ``downstream`` in the direction data flows."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="relations", verbose_name=_("claim")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RelationKind.choices)
    upstream = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="relations_down", verbose_name=_("from")
    )
    downstream = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="relations_up", verbose_name=_("to")
    )
    dataset_version = models.ForeignKey(
        "DatasetVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relations",
        verbose_name=_("dataset version"),
    )
    stage = models.CharField(_("stage"), max_length=20, choices=UseStage.choices, blank=True)
    attribution = models.CharField(
        _("declared or alleged"), max_length=20, choices=Attribution.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["claim", "position", "id"]
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        indexes = [
            models.Index(fields=["upstream", "kind"]),
            models.Index(fields=["downstream", "kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RelationKind.values), name="relation_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(upstream=models.F("downstream")), name="relation_not_a_loop"
            ),
            models.CheckConstraint(
                condition=Q(stage="") | (Q(kind=RelationKind.USE) & Q(stage__in=UseStage.values)),
                name="relation_stage_only_for_use",
            ),
            models.CheckConstraint(
                condition=Q(attribution="")
                | (Q(kind=RelationKind.USE) & Q(attribution__in=Attribution.values)),
                name="relation_attribution_only_for_use",
            ),
            models.CheckConstraint(
                condition=Q(dataset_version__isnull=True) | Q(kind=RelationKind.MEMBERSHIP),
                name="relation_version_only_for_membership",
            ),
            models.UniqueConstraint(
                fields=["claim", "kind", "upstream", "downstream"], name="relation_unique_in_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.upstream_id} {self.kind} {self.downstream_id} (claim {self.claim_id})"


class Dataset(models.Model):
    """Index metadata of an entity of kind dataset."""

    entity = models.OneToOneField(
        Entity, on_delete=models.CASCADE, primary_key=True, related_name="dataset"
    )
    homepage = models.URLField(_("home page"), max_length=2000, blank=True)
    license = models.CharField(_("license"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("dataset index")
        verbose_name_plural = _("dataset indexes")

    def __str__(self) -> str:
        return str(self.entity)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"
    PARQUET = "parquet", "Parquet"


class MemberKind(models.TextChoices):
    BOOK = "book", _("Book")
    VIDEO = "video", _("Video")
    PAGE = "page", _("Web page")
    IMAGE = "image", _("Image")


class DatasetVersion(models.Model):
    """One import of an index file; a re-import is a new version, the old one stays."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    label = models.CharField(_("label"), max_length=100, blank=True)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    file_format = models.CharField(max_length=10, choices=FileFormat.choices)
    default_kind = models.CharField(max_length=10, choices=MemberKind.choices, blank=True)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveBigIntegerField(default=0)
    # The archived copy of the index file: the evidence of membership.
    artifact = models.ForeignKey(
        "archive.Artifact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.ForeignKey(
        "catalog.Source", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejects_artifact = models.ForeignKey(
        "archive.Artifact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    bytes_read = models.PositiveBigIntegerField(default=0)
    lines_read = models.PositiveBigIntegerField(default=0)
    row_count = models.PositiveBigIntegerField(default=0)
    rejected_count = models.PositiveBigIntegerField(default=0)
    error_text = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # When the worker was last rung (the sweep re-sends a version queued too long),
    # and when a running import last wrote a batch (the sweep fails a silent one).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="datasetversion_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="datasetversion_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(file_sha256__regex=r"^[0-9a-f]{64}$"),
                name="datasetversion_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} v{self.number}"

    @property
    def is_final(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.file_size:
            return 0
        return min(99, int(self.bytes_read * 100 / self.file_size))


class DatasetMember(models.Model):
    """One row of a dataset index, under its normalized key (`app.lib.keys`).

    ``key`` is the ISBN-13 of a book, the id of a video, the normalized address
    of a page or image. Written by COPY on PostgreSQL: no defaults in Python.
    On PostgreSQL the table is partitioned by ``version`` (one LIST partition per
    imported version, attached once its indexes are built; `app.graph.members`),
    and has no primary key constraint there (``id`` is drawn from a sequence).
    """

    # No database constraint or index: on PostgreSQL the table is partitioned by
    # version (LIST), one partition per version (`app.graph.members`); the
    # partition is the index of its version, and dropping it deletes the rows.
    version = models.ForeignKey(
        DatasetVersion,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="members",
    )
    kind = models.CharField(max_length=10, choices=MemberKind.choices)
    # On PostgreSQL key, channel_id and host are in the "C" collation (migration 0007,
    # their btrees' build cost): an AlterField of one of them must keep it.
    key = models.CharField(max_length=2000, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    author = models.CharField(max_length=500, blank=True)
    channel_id = models.CharField(max_length=120, blank=True)
    host = models.CharField(max_length=255, blank=True)
    caption = models.TextField(blank=True)
    line = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["key"], name="graph_member_key"),
            models.Index(
                fields=["channel_id"], name="graph_member_channel", condition=~Q(channel_id="")
            ),
            models.Index(fields=["host"], name="graph_member_host", condition=~Q(host="")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key or self.title}"
