"""The evidence package: the demo claim downloads as one ZIP that verifies offline."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from app.archive.models import Artifact, Capture
from app.archive.package import PACKAGE_MANIFEST, verify_package
from app.catalog.models import Claim
from tests.conftest import ROOT
from tests.factories import EvidenceFactory, SourceFactory
from tests.lib.servers import respond, serve
from tests.monitor.clips import Clips, clips, og_page  # noqa: F401

pytestmark = pytest.mark.django_db

DEMO_CLAIM = "sora-trained-on-video-game-footage"


def download(client: Any, slug: str, path: Path) -> tuple[Path, int]:
    response = client.get(reverse("monitor:claim_package", args=[slug]))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert f"trainedon-{slug}-evidence.zip" in response["Content-Disposition"]
    chunks = 0
    with path.open("wb") as out:
        for chunk in response.streaming_content:
            out.write(chunk)
            chunks += 1
    return path, chunks


def one_byte_changed(package: Path, member: str, target: Path) -> Path:
    """A copy of ``package`` with one byte of ``member``'s stored data flipped."""
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo(member)
    data = bytearray(package.read_bytes())
    name_length = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x01
    target.write_bytes(bytes(data))
    return target


def verify_exit(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "verify_archive", "--package", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_demo_claims_package_downloads_and_verifies(client: Any, tmp_path: Path) -> None:
    call_command("seed_demo")
    package, chunks = download(client, DEMO_CLAIM, tmp_path / "demo.zip")
    claim = Claim.objects.get(slug=DEMO_CLAIM)
    captures = Capture.objects.filter(source__evidence__claim=claim).distinct()
    artifacts = Artifact.objects.filter(capture__in=captures)
    assert chunks > artifacts.count()  # streamed file by file, not built whole
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(PACKAGE_MANIFEST))
        names = set(archive.namelist())
    assert manifest["claim"]["slug"] == DEMO_CLAIM
    assert {c["id"] for c in manifest["captures"]} == set(captures.values_list("pk", flat=True))
    for artifact in artifacts:
        path = f"captures/{artifact.capture_id}/{artifact.name}"
        assert path in names
        entry = next(f for f in manifest["files"] if f["path"] == path)
        assert (entry["sha256"], entry["size"]) == (artifact.sha256, artifact.size)
    assert {f"captures/{c.pk}/manifest.json" for c in captures} <= names
    assert verify_package(package) == []
    done = verify_exit(package)
    assert done.returncode == 0, done.stderr
    assert "0 problems" in done.stdout


def test_a_package_with_one_byte_changed_is_rejected(client: Any, tmp_path: Path) -> None:
    call_command("seed_demo")
    package, _ = download(client, DEMO_CLAIM, tmp_path / "demo.zip")
    with zipfile.ZipFile(package) as archive:
        member = next(n for n in archive.namelist() if n.endswith("/page.html"))
    damaged = one_byte_changed(package, member, tmp_path / "damaged.zip")
    problems = verify_package(damaged)
    assert problems and {p.name for p in problems} <= {member, "page.html"}
    assert "Bad CRC-32" in str(problems[0])
    done = verify_exit(damaged)
    assert done.returncode == 1
    assert f"MISMATCH package: {member}" in done.stderr
    with pytest.raises(CommandError) as caught:
        call_command("verify_archive", "--package", str(damaged))
    assert caught.value.returncode == 1


def test_a_doctored_package_is_rejected_even_with_its_crc_fixed(
    client: Any, tmp_path: Path
) -> None:
    """Rewriting a file inside the ZIP (new CRC and all) still fails the recorded hashes."""
    call_command("seed_demo")
    package, _ = download(client, DEMO_CLAIM, tmp_path / "demo.zip")
    doctored = tmp_path / "doctored.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(doctored, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/text.txt"):
                data = data.replace(b"Sora", b"Sorb", 1)
            target.writestr(info, data)
        target.writestr("captures/extra.txt", b"slipped in")
    messages = [str(p) for p in verify_package(doctored)]
    assert any("/text.txt: package manifest says sha256" in m for m in messages)
    assert any("text.txt: manifest says sha256" in m for m in messages)  # the capture's own
    assert any("captures/extra.txt: in the package but not in its manifest" in m for m in messages)


def test_a_file_that_is_not_a_package_is_rejected_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    assert "not a readable ZIP file" in str(verify_package(junk)[0])
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "package-manifest.json: missing or unreadable" in str(verify_package(empty)[0])


def test_a_draft_claim_has_no_package(client: Any) -> None:
    from tests.factories import ClaimFactory

    claim = ClaimFactory(draft=True)
    response = client.get(reverse("monitor:claim_package", args=[claim.slug]))
    assert response.status_code == 404


def test_a_video_claims_package_holds_the_video_and_its_frames(
    client: Any,
    tmp_path: Path,
    clips: Clips,  # noqa: F811
    settings: Any,
) -> None:
    from tests.monitor.conftest import run_capture

    with serve({"/og.html": respond(og_page())}, directory=clips.root) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        url = server.url_for("/og.html")
        item = EvidenceFactory(
            source=SourceFactory(url=url, normalized_url=url),
            time_start=Decimal("1"),
            time_end=Decimal("2"),
        )
        run_capture(item.source)
    package, _ = download(client, item.claim.slug, tmp_path / "video.zip")
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    assert any(n.endswith("/video.mp4") for n in names)
    assert sum("/frame-e" in n for n in names) == 3
    assert verify_package(package) == []
    page = client.get(item.claim.get_absolute_url()).content.decode()
    assert reverse("monitor:claim_package", args=[item.claim.slug]) in page


def test_the_package_costs_the_same_queries_with_20_more_sources(client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CaptureFactory

    call_command("seed_demo")
    url = reverse("monitor:claim_package", args=[DEMO_CLAIM])

    def download_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(url).streaming_content)
        return len(queries)

    before = download_queries()
    claim = Claim.objects.get(slug=DEMO_CLAIM)
    for _ in range(20):
        CaptureFactory(source=EvidenceFactory(claim=claim).source)
    assert download_queries() == before
