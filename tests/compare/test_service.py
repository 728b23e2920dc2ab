"""Comparisons as records: created with their method, run by a real worker, hashed, reviewed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import translation

from app.archive.manifest import canonical_json
from app.compare import files, ladder, services
from app.compare.models import Comparison, RunStatus
from app.compare.tasks import ANALYSIS_QUEUE, run_comparison
from tests.compare.conftest import Clips
from tests.compare.helpers import METHOD, make_comparison
from tests.conftest import wait_for


def test_the_task_goes_to_the_analysis_queue(settings: Any) -> None:
    from app.celery import app as celery_app

    settings.TASK_QUEUE_PREFIX = ""
    route = celery_app.amqp.router.route({}, run_comparison.name, (1,), {})
    assert route["queue"].name == ANALYSIS_QUEUE == "analysis"


@pytest.mark.worker
@pytest.mark.timeout(900)
def test_a_real_worker_runs_a_comparison_and_hashes_every_file_into_its_manifest(
    clips: Clips, alice: Any, start_worker: Any
) -> None:
    from app.celery import queue_name

    worker = start_worker(concurrency=1, queues=["analysis"])  # only the analysis queue
    assert f"{queue_name('analysis')}" in " ".join(worker.proc.args)
    comparison = make_comparison(clips, alice)

    def finished() -> Comparison | None:
        c = Comparison.objects.get(pk=comparison.pk)
        return c if c.status in (RunStatus.SUCCEEDED, RunStatus.FAILED) else None

    done = wait_for(finished, timeout=800, interval=0.5)
    assert done.status == RunStatus.SUCCEEDED, done.error_text
    assert done.system_rung == ladder.Rung.REGION
    names = set(done.files.values_list("name", flat=True))
    assert {"frame-hashes.json", "matches.json", "elements.json", "controls.json"} <= names
    assert {"pair.png", "difference.png", "blink.gif", "manifest.json"} <= names
    for stored in done.files.all():
        with default_storage.open(stored.storage_key, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == stored.sha256
    manifest = files.build_manifest(done)
    assert hashlib.sha256(canonical_json(manifest)).hexdigest() == done.manifest_sha256
    method = manifest["method"]
    assert method["prompt"] == METHOD.prompt and method["prompt_class"] == "descriptive"
    assert (method["resembling"], method["attempts"]) == (3, 10)
    assert method["seed"] == 7 and method["c2pa"] == "none found"
    assert method["thresholds"]["pdq_max_distance"]["value"] == 31
    assert "opencv-python-headless" in method["library_versions"]
    assert method["controls"][0]["role"] == "same_genre"


def test_an_unreadable_output_is_recorded_as_a_failure_with_its_reason(
    clips: Clips, alice: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice, output=bad)
    services.comparison_run(comparison.pk)
    comparison.refresh_from_db()
    assert comparison.status == RunStatus.FAILED
    assert "cannot open" in comparison.error_text or "decoding" in comparison.error_text
    services.comparison_run(comparison.pk)  # a repeated task finds nothing to claim
    comparison.refresh_from_db()
    assert comparison.status == RunStatus.FAILED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"attempts": 3, "resembling": 4}, "k between 0 and n"),
        ({"attempts": 0, "resembling": 0}, "n at least 1"),
        ({"prompt_class": "sneaky"}, "neutral, descriptive or leading"),
        ({"prompt": "  "}, "verbatim"),
    ],
)
def test_a_method_record_that_hides_attempts_or_the_prompt_is_refused(
    change: dict[str, Any], message: str
) -> None:
    from dataclasses import replace

    with pytest.raises(services.ComparisonError, match=message):
        replace(METHOD, **change).check()


def test_editors_may_lower_the_wording_but_never_raise_it(
    clips: Clips, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice)
    Comparison.objects.filter(pk=comparison.pk).update(system_rung=ladder.Rung.REGION)
    comparison.refresh_from_db()
    with pytest.raises(services.ComparisonError, match="only lower"):
        services.rung_lower(
            comparison=comparison, rung=ladder.Rung.NEAR_DUPLICATE, actor=alice, reason="more"
        )
    with pytest.raises(services.ComparisonError, match="why"):
        services.rung_lower(comparison=comparison, rung=ladder.Rung.STYLE, actor=alice, reason="")
    services.rung_lower(
        comparison=comparison, rung=ladder.Rung.STYLE, actor=alice, reason="a generic hotbar"
    )
    assert Comparison.objects.get(pk=comparison.pk).rung == ladder.Rung.STYLE
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Comparison.objects.filter(pk=comparison.pk).update(editor_rung=ladder.Rung.NEAR_DUPLICATE)


def test_two_different_editors_must_review_a_finished_comparison(
    clips: Clips, alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice)
    with pytest.raises(services.ComparisonError, match="finished"):
        services.review_add(comparison=comparison, reviewer=alice)
    Comparison.objects.filter(pk=comparison.pk).update(status=RunStatus.SUCCEEDED)
    comparison.refresh_from_db()
    services.review_add(comparison=comparison, reviewer=alice)
    services.review_add(comparison=comparison, reviewer=alice)
    assert not services.is_reviewed(comparison)
    services.review_add(comparison=comparison, reviewer=bob)
    assert services.is_reviewed(comparison)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_system_text_never_says_copied_stolen_or_trained_on_this_video(language: str) -> None:
    finding = {"output_start": 3, "output_end": 9, "source_start": 750, "source_end": 756}
    with translation.override(language):
        texts = [ladder.wording(r, finding | {"source_time": 754}) for r in ladder.Rung]
        texts += [str(label) for label in ladder.Rung.labels]
        texts += [str(line) for line in ladder.DOES_NOT_SHOW]
    for text in texts:
        lowered = text.lower()
        for word in ("copied", "stolen", "trained on this video", "copié", "volé"):
            assert word not in lowered, text
    if language == "fr":
        assert texts[0] != ladder.wording(0)  # translated, not the English sentence
