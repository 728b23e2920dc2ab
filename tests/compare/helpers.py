"""Archived inputs and comparisons for the tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from app.archive.models import ArtifactKind
from app.archive.storage import store_artifact
from app.catalog.choices import EvidenceKind, SourceKind
from app.compare import services
from app.compare.models import Comparison, InputRole, ReferenceElement, Review
from tests.compare.conftest import ELEMENT_TIME, HUD_BOX, Clips
from tests.factories import CaptureFactory, EvidenceFactory, SourceFactory

METHOD = services.Method(
    model_name="Demo video model",
    model_version="2026-01",
    generated_on=date(2026, 1, 15),
    prompt="a first-person video of a blocky survival game",
    prompt_class="descriptive",
    attempts=10,
    resembling=3,
    settings={"duration": "5s"},
    seed=7,
)


def archived(path: Path, *, public: bool = False) -> Any:
    """The file as an archived video; ``public`` makes published evidence cite its source."""
    source = SourceFactory(kind=SourceKind.VIDEO, url=f"https://video.example/{path.stem}")
    if public:
        EvidenceFactory(source=source)
    capture = CaptureFactory(source=source)
    return store_artifact(
        capture=capture, kind=ArtifactKind.VIDEO, name=path.name, data=path.read_bytes()
    )


def make_comparison(
    clips: Clips,
    actor: Any,
    output: Path | None = None,
    *,
    public: bool = False,
    ranges: list[list[float]] | None = None,
    evidence: Any = None,
) -> Comparison:
    cited = archived(clips.source, public=public)
    element = ReferenceElement.objects.create(
        label="hotbar", video=cited, time=ELEMENT_TIME, x=HUD_BOX[0], y=HUD_BOX[1],
        width=HUD_BOX[2], height=HUD_BOX[3], created_by=actor,
    )  # fmt: skip
    with transaction.atomic():
        return services.comparison_create(
            evidence=evidence or EvidenceFactory(kind=EvidenceKind.OUTPUT_COMPARISON),
            output=archived(output or clips.element_output, public=public),
            cited=[(cited, ranges or [])],
            controls=[(archived(clips.same_genre_plain), InputRole.SAME_GENRE)],
            elements=[element],
            method=METHOD,
            actor=actor,
        )


def recorded(
    recorder: Any,
    *,
    status: str = "succeeded",
    reviewers: tuple[Any, ...] = (),
    at: Any = None,
    claim: Any = None,
    output: Any = None,
) -> Comparison:
    """A comparison row as a run left it (no file, no analysis): for lists and queues.
    ``output`` may be shared between rows; by default each gets a small archived file."""
    if output is None:
        capture = CaptureFactory(source=SourceFactory(kind=SourceKind.VIDEO))
        output = store_artifact(
            capture=capture, kind=ArtifactKind.VIDEO, name="output.mp4", data=b"\0" * 64,
            media_type="video/mp4",
        )  # fmt: skip
    evidence = EvidenceFactory(
        kind=EvidenceKind.OUTPUT_COMPARISON, **({"claim": claim} if claim else {})
    )
    comparison = Comparison.objects.create(
        evidence=evidence, output=output, model_name=METHOD.model_name,
        generated_on=METHOD.generated_on, prompt=METHOD.prompt, prompt_class=METHOD.prompt_class,
        attempts=METHOD.attempts, resembling=METHOD.resembling, status=status,
        created_by=recorder, **({"created_at": at} if at else {}),
    )  # fmt: skip
    for reviewer in reviewers:
        Review.objects.create(comparison=comparison, reviewer=reviewer)
    return comparison
