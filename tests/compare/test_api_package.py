"""A reviewed comparison in the read API and in the claim's evidence package, stamped by a
local time-stamping authority and verified offline; unreviewed or draft ones nowhere."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.api.openapi import document
from app.archive.package import package_plan, stream_package, verify_package
from app.catalog.choices import EvidenceKind, PublicationState
from app.compare import files, services, stamp
from app.compare.models import Comparison, ComparisonFile, RunStatus
from app.public.cache import bump_version
from tests.archive.tsa import Authority, make_authority, serve_authority
from tests.compare.conftest import Clips
from tests.compare.helpers import METHOD, make_comparison
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority(tmp_path: Path, settings: Any) -> Iterator[Authority]:
    """A local authority (``openssl ts -reply``) with its own CA, trusted via TSA_CA_FILE."""
    alpha = make_authority("Alpha", tmp_path / "alpha")
    bundle = tmp_path / "tsa-roots.pem"
    bundle.write_bytes(alpha.root_pem)
    with serve_authority(alpha):
        assert alpha.server
        settings.ARCHIVE_ALLOW_HOSTS = [alpha.server.host_port]
        settings.TSA_URLS = alpha.url
        settings.TSA_CA_FILE = str(bundle)
        yield alpha


@pytest.fixture(autouse=True)
def fresh_public_cache() -> None:
    """Each test reads its own answers: ids repeat between tests on SQLite, and the
    cached API answers of an earlier test would otherwise be served."""
    bump_version()


def schema_check(data: dict[str, Any], name: str) -> None:
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}", **document()})
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, errors[0]


@pytest.fixture
def reviewed(
    clips: Clips, alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> Comparison:
    """The redrawn-hotbar comparison, run in this process, reviewed by two editors."""
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice, public=True)
    services.comparison_run(comparison.pk)
    comparison.refresh_from_db()
    assert comparison.status == RunStatus.SUCCEEDED, comparison.error_text
    services.review_add(comparison=comparison, reviewer=alice)
    services.review_add(comparison=comparison, reviewer=bob)
    return comparison


def test_the_manifest_gets_a_verified_token_that_is_not_in_the_manifest_itself(
    reviewed: Comparison, authority: Authority
) -> None:
    outcome = stamp.stamp_comparison(reviewed.pk)
    assert outcome.stamped == [authority.url] and outcome.failed == {}
    [token] = stamp.tokens_of(reviewed)
    assert token.metadata["manifest_sha256"] == reviewed.manifest_sha256
    assert token.metadata["signer"] == f"CN={authority.name} Time-Stamping Unit"
    assert stamp.token_problems(reviewed) == []
    # The manifest is unchanged by the token (tokens sign it, they are not listed in it).
    rebuilt = files.canonical_json(files.build_manifest(reviewed))
    assert hashlib.sha256(rebuilt).hexdigest() == reviewed.manifest_sha256
    # Asking again asks nobody; a token over another hash does not verify.
    assert stamp.stamp_comparison(reviewed.pk).skipped == [authority.url]
    Comparison.objects.filter(pk=reviewed.pk).update(manifest_sha256="0" * 64)
    reviewed.refresh_from_db()
    assert "not for the manifest" in stamp.token_problems(reviewed)[0]


def test_an_authority_that_answers_nonsense_is_named_and_nothing_is_kept(
    reviewed: Comparison, authority: Authority, settings: Any
) -> None:
    settings.TSA_URLS = authority.url.replace("/tsa", "/nowhere")
    outcome = stamp.stamp_comparison(reviewed.pk)
    assert outcome.stamped == [] and "HTTP 404" in next(iter(outcome.failed.values()))
    assert stamp.tokens_of(reviewed) == []


def test_the_read_api_shows_a_reviewed_comparison_with_its_method_files_and_stamps(
    client: Any, reviewed: Comparison, authority: Authority
) -> None:
    stamp.stamp_comparison(reviewed.pk)
    response = client.get(f"/api/v1/comparisons/{reviewed.pk}")
    assert response.status_code == 200
    body = response.json()
    schema_check(body, "Comparison")
    assert body["method"]["prompt"] == METHOD.prompt
    assert body["method"]["prompt_class"] == "descriptive"
    assert (body["method"]["resembling"], body["method"]["attempts"]) == (3, 10)
    assert body["rung"] == reviewed.rung and "copied" not in body["wording"].lower()
    assert body["manifest_sha256"] == reviewed.manifest_sha256
    by_name = {f["name"]: f for f in body["files"]}
    assert by_name["manifest.json"]["sha256"] == reviewed.manifest_sha256
    assert {"frame-hashes.json", "pair.png", "controls.json"} <= set(by_name)
    [token] = body["timestamps"]
    assert token["authority"] == authority.url and token["time"].endswith("Z")
    listed = client.get(f"/api/v1/comparisons?claim={reviewed.evidence.claim.slug}").json()
    assert [c["id"] for c in listed["results"]] == [reviewed.pk]
    doc = client.get("/api/v1/openapi.json").json()
    assert {"/comparisons", "/comparisons/{id}"} <= set(doc["paths"])


def test_the_api_hides_unreviewed_and_draft_comparisons(
    client: Any, clips: Clips, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        unreviewed = make_comparison(clips, alice, public=True)
    Comparison.objects.filter(pk=unreviewed.pk).update(status=RunStatus.SUCCEEDED)
    draft_evidence = EvidenceFactory(
        kind=EvidenceKind.OUTPUT_COMPARISON, state=PublicationState.DRAFT
    )
    draft = Comparison.objects.get(pk=unreviewed.pk)
    draft.pk = None
    draft.evidence = draft_evidence
    draft.save()
    services.review_add(comparison=draft, reviewer=alice)  # one review is not enough
    assert client.get(f"/api/v1/comparisons/{unreviewed.pk}").status_code == 404
    assert client.get(f"/api/v1/comparisons/{draft.pk}").status_code == 404
    assert client.get("/api/v1/comparisons").json() == {"results": []}
    assert client.post("/api/v1/comparisons").status_code == 405


def test_the_evidence_package_carries_the_comparison_and_verifies_offline(
    reviewed: Comparison, authority: Authority, tmp_path: Path
) -> None:
    stamp.stamp_comparison(reviewed.pk)
    claim = reviewed.evidence.claim
    path = tmp_path / "package.zip"
    path.write_bytes(b"".join(stream_package(package_plan(claim))))
    assert verify_package(path) == []

    folder = f"comparisons/{reviewed.pk}/"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = archive.read("package-manifest.json")
    stored = set(reviewed.files.values_list("name", flat=True))
    assert {folder + name for name in stored} <= names
    assert any(n.startswith(folder) and n.endswith(".tsr") for n in names)
    # The archived videos it rests on are in the package as whole captures.
    output_member = f"captures/{reviewed.output.capture_id}/{reviewed.output.name}"
    assert output_member in names
    assert reviewed.output.sha256.encode() in manifest and b'"bundles"' in manifest

    # A changed byte in a comparison file, a changed token, a missing video: each is named.
    pair = folder + "pair.png"
    for victim, expect in (
        (pair, "pair.png"),
        (next(n for n in names if n.startswith(folder) and n.endswith(".tsr")), "timestamp"),
        (output_member, "missing from the package"),
    ):
        damaged = tmp_path / "damaged.zip"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
            for info in src.infolist():
                if info.filename == victim and victim == output_member:
                    continue
                data = src.read(info.filename)
                if info.filename == victim:
                    data = data[:-1] + bytes([data[-1] ^ 1])
                dst.writestr(info, data)
        problems = [str(p) for p in verify_package(damaged)]
        assert problems and any(expect in p for p in problems), (victim, problems)


def test_a_package_without_reviewed_comparisons_has_no_bundle(
    clips: Clips, alice: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice, public=True)
    ComparisonFile.objects.filter(comparison=comparison).delete()
    path = tmp_path / "package.zip"
    path.write_bytes(b"".join(stream_package(package_plan(comparison.evidence.claim))))
    assert verify_package(path) == []
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if n.startswith("comparisons/")]


@pytest.mark.django_db(transaction=True)  # real commits: the purge runs after commit
def test_a_cached_answer_follows_a_review_and_a_lowered_wording(
    client: Any, reviewed: Comparison, alice: Any
) -> None:
    """The API is cached like the pages; a comparison's changes purge it (after commit)."""
    url = f"/api/v1/comparisons/{reviewed.pk}"
    assert client.get(url).json()["lowered_by_editor"] is False
    services.rung_lower(comparison=reviewed, rung=1, actor=alice, reason="a generic hotbar")
    assert client.get(url).json()["lowered_by_editor"] is True
    reviewed.reviews.filter(reviewer=alice).delete()  # one review left: hidden again
    assert client.get(url).status_code == 404
