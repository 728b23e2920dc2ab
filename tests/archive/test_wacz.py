"""Every page capture is also a WACZ that Webrecorder's own validator accepts."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.archive.models import ArtifactKind, CaptureStatus
from app.archive.storage import open_artifact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_browser")]

WACZ = Path(sys.executable).parent / "wacz"


def test_a_page_capture_has_a_valid_wacz_listed_in_its_manifest(
    site: Any, archive: Any, tmp_path: Path
) -> None:
    capture, _ = archive(site.url_for("/article.html"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    wacz = capture.artifacts.get(name="page.wacz")
    assert wacz.kind == ArtifactKind.WACZ
    path = tmp_path / "page.wacz"
    with open_artifact(wacz) as handle:
        path.write_bytes(handle.read())
    with open_artifact(capture.artifacts.get(name="manifest.json")) as handle:
        listed = {a["name"]: a["sha256"] for a in json.load(handle)["artifacts"]}
    assert listed["page.wacz"] == wacz.sha256

    checked = subprocess.run(
        [str(WACZ), "validate", "-f", str(path)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Validation succeeded" in checked.stdout

    with zipfile.ZipFile(path) as zipped:
        names = set(zipped.namelist())
        pages = zipped.read("pages/pages.jsonl").decode().splitlines()
        package = json.loads(zipped.read("datapackage.json"))
        with open_artifact(capture.artifacts.get(name="page.warc.gz")) as handle:
            assert zipped.read("archive/page.warc.gz") == handle.read()
    assert {"datapackage.json", "datapackage-digest.json", "archive/page.warc.gz"} <= names
    assert any(n.startswith("indexes/") for n in names)
    assert json.loads(pages[1])["url"] == site.url_for("/article.html")
    digests = {r["path"]: r["hash"] for r in package["resources"]}
    assert (
        digests["archive/page.warc.gz"]
        == f"sha256:{wacz.capture.artifacts.get(name='page.warc.gz').sha256}"
    )


def test_a_broken_wacz_fails_validation(site: Any, archive: Any, tmp_path: Path) -> None:
    """The validator can fail: a WACZ whose WARC changed by one byte is refused."""
    capture, _ = archive(site.url_for("/article.html"))
    good = tmp_path / "good.wacz"
    with open_artifact(capture.artifacts.get(name="page.wacz")) as handle:
        good.write_bytes(handle.read())
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "archive/page.warc.gz":
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.writestr(info, data)
    checked = subprocess.run(
        [str(WACZ), "validate", "-f", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode != 0 or "failed" in checked.stdout
