"""A claim's evidence package carries its reviewed comparisons (``archive.package``'s hook).

Each visible comparison of the claim's published evidence becomes a bundle
``comparisons/<id>/``: every file it stored (the frame-hash table, matches,
element hits, controls, pictures), its manifest (the method record and every
file's SHA-256) and the RFC 3161 tokens over that manifest. The archived videos
it rests on (the output and the cited videos, when their sources are public)
come in whole as captures, so the offline verifier can re-hash them too;
controls and inputs that are not public are named in the record, not shipped.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from app.archive.package import Bundle, PackagePlan, StoredFile
from app.catalog.access import public_sources
from app.compare import ladder
from app.compare.models import Comparison, ComparisonFile, ComparisonInput
from app.compare.queries import public_comparisons
from app.compare.serializers import timestamp_dict

SECTION = "comparisons"


def _videos(comparison: Comparison) -> list[tuple[str, Any]]:
    inputs: list[ComparisonInput] = list(comparison.inputs.all())
    return [("output", comparison.output), *((i.role, i.video) for i in inputs)]


def comparison_bundles(plan: PackagePlan) -> list[Bundle]:
    comparisons = list(
        public_comparisons()
        .filter(evidence__in=[item.pk for item in plan.evidence])
        .select_related("output__capture")
        .prefetch_related(
            Prefetch("files", ComparisonFile.objects.order_by("name")),
            Prefetch("inputs", ComparisonInput.objects.select_related("video__capture")),
        )
        .order_by("pk")
    )
    if not comparisons:
        return []
    sources = {video.capture.source_id for c in comparisons for _role, video in _videos(c)}
    public = set(public_sources().filter(pk__in=sources).values_list("pk", flat=True))
    return [_bundle(c, public) for c in comparisons]


def _bundle(comparison: Comparison, public: set[int]) -> Bundle:
    folder = f"{SECTION}/{comparison.pk}/"
    stored = list(comparison.files.all())
    shipped = [(r, v) for r, v in _videos(comparison) if v.capture.source_id in public]
    withheld = [(r, v) for r, v in _videos(comparison) if v.capture.source_id not in public]
    return Bundle(
        section=SECTION,
        folder=folder,
        manifest_sha256=comparison.manifest_sha256,
        files=[
            StoredFile(folder + f.name, f.storage_key, f.sha256, f.size, f.media_type, f.created_at)
            for f in stored
        ],
        rests_on=sorted({video.sha256 for _role, video in shipped}),
        capture_ids=sorted({video.capture_id for _role, video in shipped}),
        timestamps=[
            timestamp_dict(f, folder + f.name)
            for f in stored
            if f.kind == "timestamp" and f.name.endswith(".tsr")
        ],
        record={
            "comparison_id": comparison.pk,
            "evidence_id": comparison.evidence_id,
            "rung": comparison.rung,
            "rung_label": str(ladder.Rung(comparison.rung).label),
            "videos_in_package": [
                {"role": r, "sha256": v.sha256, "capture_id": v.capture_id} for r, v in shipped
            ],
            "videos_not_public": [{"role": r, "sha256": v.sha256} for r, v in withheld],
        },
    )
