"""``manage.py archive URL`` and ``manage.py verify_archive``."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from app.archive.models import Artifact, Capture, CaptureOrigin
from tests.archive.conftest import ARTICLE
from tests.conftest import ROOT, worker_env
from tests.lib.servers import respond

pytestmark = [pytest.mark.usefixtures("no_browser")]


def run_command(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_the_archive_command_prints_the_capture_as_json_and_exits_0(site):
    ran = run_command(
        "archive", site.url_for("/article.html"), env=worker_env({"ARCHIVE_BROWSER_STEP": "0"})
    )

    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["status"] == "succeeded"
    assert data["url"] == site.url_for("/article.html")
    names = [s["name"] for s in data["steps"]]
    assert names == ["fetch", "signals", "extract", "browser", "wacz", "manifest"]
    assert data["steps"][3]["status"] == "skipped"
    by_name = {a["name"]: a for a in data["artifacts"]}
    assert by_name["manifest.json"]["sha256"] == data["manifest_sha256"]
    for artifact in Artifact.objects.filter(capture_id=data["capture_id"]):
        assert by_name[artifact.name]["sha256"] == artifact.sha256
        assert by_name[artifact.name]["size"] == artifact.size
    assert Capture.objects.get(pk=data["capture_id"]).origin == CaptureOrigin.COMMAND


@pytest.mark.django_db(transaction=True)
def test_the_archive_command_exits_1_with_the_error_class_on_failure(site):
    site.routes["/missing"] = respond("no", 404)

    ran = run_command("archive", site.url_for("/missing"), env=worker_env())

    assert ran.returncode == 1
    assert json.loads(ran.stdout)["error_class"] == "not_found"
    assert "not_found" in ran.stderr


@pytest.mark.django_db
def test_the_archive_command_refuses_text_that_is_not_an_address():
    with pytest.raises(CommandError) as raised:
        call_command("archive", "javascript:alert(1)")

    assert raised.value.returncode == 2
    assert Capture.objects.count() == 0


@pytest.mark.django_db
def test_verify_archive_passes_when_every_file_matches(site, capsys):
    call_command("archive", site.url_for("/article.html"), stdout=open("/dev/null", "w"))

    call_command("verify_archive")

    assert "0 problems" in capsys.readouterr().out


def unique_article(site) -> str:
    """An address serving an article nobody else archives (stored files are shared by hash,
    and these tests damage them)."""
    words = uuid.uuid4().hex
    body = ARTICLE.replace("Rights holders", f"Rights holders ({words})")
    site.routes[f"/{words}"] = respond(body)
    return site.url_for(f"/{words}")


@pytest.mark.django_db
def test_verify_archive_exits_1_and_names_a_file_changed_on_disk(site, capsys):
    call_command("archive", unique_article(site), stdout=open("/dev/null", "w"))
    text = Artifact.objects.get(name="text.txt")
    path = default_storage.path(text.storage_key)
    with open(path, "ab") as handle:
        handle.write(b"a sentence nobody archived")

    with pytest.raises(CommandError) as raised:
        call_command("verify_archive")

    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert f"capture {text.capture_id}: text.txt: recorded sha256 {text.sha256}" in err


@pytest.mark.django_db
def test_verify_archive_notices_an_artifact_row_that_disagrees_with_the_manifest(site, capsys):
    call_command("archive", site.url_for("/article.html"), stdout=open("/dev/null", "w"))
    metadata = Artifact.objects.get(name="metadata.json")
    # A database edit that points the row at other (stored, consistent) bytes.
    text = Artifact.objects.get(name="text.txt")
    Artifact.objects.filter(pk=metadata.pk).update(
        storage_key=text.storage_key, sha256=text.sha256, size=text.size
    )

    with pytest.raises(CommandError):
        call_command("verify_archive")

    assert "metadata.json: manifest says" in capsys.readouterr().err


@pytest.mark.django_db
def test_verify_archive_notices_a_missing_file(site, capsys):
    call_command("archive", unique_article(site), stdout=open("/dev/null", "w"))
    document = Artifact.objects.get(name="metadata.json")
    default_storage.delete(document.storage_key)

    with pytest.raises(CommandError):
        call_command("verify_archive")

    assert "metadata.json: stored file missing" in capsys.readouterr().err
