"""The capture pipeline against a real local server serving real files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from warcio.archiveiterator import ArchiveIterator

from app.archive.models import (
    Artifact,
    Capture,
    CaptureStatus,
    CaptureStep,
    ErrorClass,
    StepStatus,
)
from app.archive.pipeline import run_capture_by_id
from app.archive.storage import open_artifact, sha256_bytes
from app.catalog.models import Source
from app.lib.text import normalize_text
from tests.archive.conftest import PDF_TEXT, gzip_bomb, new_capture
from tests.lib.servers import endless, redirect, respond, trickle

# Every test here runs twice: on local files and on S3 (moto on loopback).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_browser", "archive_storage")]

WARCIO = Path(sys.executable).parent / "warcio"
# The signals step's files (the local site has no robots.txt, tdmrep.json or ai.txt)
# and the WACZ made from the WARCs.
SIGNALS = {"signals-headers.json", "signals.json", "page.wacz"}


def read(artifact: Artifact) -> bytes:
    with open_artifact(artifact) as handle:
        return handle.read()


def artifacts(capture: Capture) -> dict[str, Artifact]:
    return {a.name: a for a in capture.artifacts.all()}


def warc_records(data: bytes) -> list[tuple[str, str | None, int | None]]:
    records = []
    for record in ArchiveIterator(io.BytesIO(data)):
        status = record.http_headers.get_statuscode() if record.http_headers else None
        records.append(
            (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                int(status) if status and record.rec_type == "response" else None,
            )
        )
    return records


def warcio_check(tmp_path: Path, data: bytes) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "check.warc.gz"
    path.write_bytes(data)
    return subprocess.run(
        [str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True, timeout=60
    )


# --- Articles ------------------------------------------------------------


def test_it_archives_an_article_with_a_valid_warc_its_text_and_its_metadata(
    site, archive, tmp_path
):
    capture, outcome = archive(site.url_for("/article.html"))

    assert outcome.ran and capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    files = artifacts(capture)
    page_files = {"page.warc.gz", "page.html", "text.txt", "metadata.json", "manifest.json"}
    assert set(files) == page_files | SIGNALS
    warc = read(files["page.warc.gz"])
    check = warcio_check(tmp_path, warc)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout
    records = warc_records(warc)
    assert records[0][0] == "warcinfo"
    assert sorted(r[0] for r in records[1:]) == ["request", "response"]
    assert {r[1] for r in records[1:]} == {site.url_for("/article.html")}
    info = next(ArchiveIterator(io.BytesIO(warc))).content_stream().read().decode()
    assert "warcio/" in info and "TrainedOn/" in info and "httpx/" in info

    text = read(files["text.txt"]).decode()
    assert "reproduces the game's interface" in text
    assert "Home" not in text  # navigation is not article text
    metadata = json.loads(read(files["metadata.json"]))
    assert metadata["title"] == "Sora reproduces Minecraft's interface, researchers find"
    assert metadata["author"] == "Jane Reporter"
    assert metadata["language"] == "en"

    source = Source.objects.get(pk=capture.source_id)
    assert source.title == metadata["title"]
    assert source.author == "Jane Reporter"
    assert source.publisher == "News Example"
    assert source.canonical_url == "https://news.example/2024/12/sora-minecraft"
    assert source.image_url == "https://news.example/images/sora.png"
    assert source.published_on.isoformat() == "2024-12-12"
    assert source.language == "en"
    assert capture.http_status == 200 and capture.final_url == site.url_for("/article.html")
    assert capture.text_sha256 == sha256_bytes(normalize_text(text).encode())
    assert capture.manifest_sha256 == files["manifest.json"].sha256


def test_it_keeps_metadata_an_editor_already_entered_on_the_source(site, archive):
    url = site.url_for("/article.html")
    from app.catalog.services import source_get_or_create

    source = source_get_or_create(url=url).source
    source.title = "Title chosen by an editor"
    source.save(update_fields=["title"])

    capture, _ = archive(url)

    source.refresh_from_db()
    assert capture.status == CaptureStatus.SUCCEEDED
    assert source.title == "Title chosen by an editor"
    assert source.author == "Jane Reporter"


def test_it_decodes_a_windows_1252_page_right(site, archive):
    capture, _ = archive(site.url_for("/french.html"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    text = read(artifacts(capture)["text.txt"]).decode("utf-8")
    assert "œuvres protégées" in read(artifacts(capture)["metadata.json"]).decode()
    assert "séquences" in text and "250 €" in text and "…" in text
    assert "\ufffd" not in text
    metadata = json.loads(read(artifacts(capture)["metadata.json"]))
    assert metadata["charset"] == "windows-1252"
    assert metadata["language"] == "fr"


def test_it_stores_a_pdf_as_itself_with_its_text(site, archive, site_dir):
    capture, _ = archive(site.url_for("/statement.pdf"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    files = artifacts(capture)
    assert set(files) == {"page.warc.gz", "document.pdf", "text.txt", "manifest.json"} | SIGNALS
    assert read(files["document.pdf"]) == (site_dir / "statement.pdf").read_bytes()
    assert files["document.pdf"].media_type == "application/pdf"
    assert PDF_TEXT in read(files["text.txt"]).decode()
    assert files["text.txt"].derived_from_id == files["document.pdf"].pk
    assert Source.objects.get(pk=capture.source_id).title == "Sora data statement"
    steps = {s.name: s.status for s in capture.steps.all()}
    assert steps == {
        "fetch": "succeeded",
        "signals": "succeeded",
        "document": "succeeded",
        "wacz": "succeeded",
        "manifest": "succeeded",
    }


def test_it_stores_an_image_as_itself(site, archive, site_dir):
    capture, _ = archive(site.url_for("/chart.png"))

    assert capture.status == CaptureStatus.SUCCEEDED
    assert read(artifacts(capture)["image.png"]) == (site_dir / "chart.png").read_bytes()


def test_it_keeps_unsupported_content_in_the_warc_and_says_so(site, archive):
    capture, _ = archive(site.url_for("/data.zip"))

    assert capture.status == CaptureStatus.PARTIAL
    assert capture.error_class == ErrorClass.UNSUPPORTED
    assert set(artifacts(capture)) == {"page.warc.gz", "manifest.json"} | SIGNALS


def test_it_follows_redirects_and_records_every_hop(site, archive, tmp_path):
    site.routes["/old"] = redirect("/middle", 301)
    site.routes["/middle"] = redirect(site.url_for("/article.html"), 302)

    capture, _ = archive(site.url_for("/old"))

    assert capture.status == CaptureStatus.SUCCEEDED
    assert capture.final_url == site.url_for("/article.html")
    assert [(h["url"], h["status"], h["location"]) for h in capture.redirect_chain] == [
        (site.url_for("/old"), 301, site.url_for("/middle")),
        (site.url_for("/middle"), 302, site.url_for("/article.html")),
    ]
    warc = read(artifacts(capture)["page.warc.gz"])
    assert warcio_check(tmp_path, warc).returncode == 0
    responses = [(uri, status) for kind, uri, status in warc_records(warc) if kind == "response"]
    assert responses == [
        (site.url_for("/old"), 301),
        (site.url_for("/middle"), 302),
        (site.url_for("/article.html"), 200),
    ]
    assert [r[0] for r in warc_records(warc)].count("request") == 3


# --- Limits ------------------------------------------------------------------


def test_it_stops_a_gzip_bomb_at_the_byte_cap(site, archive, settings):
    settings.ARCHIVE_MAX_BYTES = 1024 * 1024
    bomb = gzip_bomb(64 * 1024 * 1024)
    site.routes["/bomb"] = respond(bomb, headers=[("Content-Encoding", "gzip")])

    capture, outcome = archive(site.url_for("/bomb"))

    assert capture.status == CaptureStatus.FAILED and outcome.retry_in is None
    assert capture.error_class == ErrorClass.TOO_LARGE
    assert capture.artifacts.count() == 0


def test_it_stops_an_endless_body_at_the_byte_cap(site, archive, settings):
    settings.ARCHIVE_MAX_BYTES = 2 * 1024 * 1024
    site.routes["/endless"] = endless()

    capture, _ = archive(site.url_for("/endless"))

    assert capture.status == CaptureStatus.FAILED
    assert capture.error_class == ErrorClass.TOO_LARGE
    assert capture.steps.get(name="fetch").error_class == ErrorClass.TOO_LARGE


def test_it_stops_a_server_sending_one_byte_a_second_at_the_wall_clock_limit(
    site, archive, settings
):
    settings.ARCHIVE_TOTAL_TIMEOUT = 2.0
    settings.ARCHIVE_READ_TIMEOUT = 5.0  # each byte arrives in time; only the total can stop it
    site.routes["/slow"] = trickle(interval=1.0)

    capture, _ = archive(site.url_for("/slow"), attempts=1)

    assert capture.status == CaptureStatus.FAILED
    assert capture.error_class == ErrorClass.TIMEOUT
    assert "total timeout of 2s exceeded" in capture.error_text  # not the per-read timeout


# --- HTTP errors and retries -----------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_it_records_a_missing_page_as_not_found_without_retrying(site, archive, status):
    site.routes["/gone"] = respond("<h1>Not here</h1>", status)

    capture, outcome = archive(site.url_for("/gone"))

    assert capture.status == CaptureStatus.FAILED
    assert capture.error_class == ErrorClass.NOT_FOUND
    assert outcome.retry_in is None and capture.attempts == 1
    assert capture.http_status == status
    assert capture.artifacts.count() == 0


def test_it_waits_out_a_429_retry_after_before_trying_again(site, archive):
    site.routes["/busy"] = respond("slow down", 429, headers=[("Retry-After", "120")])

    before = timezone.now()
    capture, outcome = archive(site.url_for("/busy"))

    assert capture.status == CaptureStatus.QUEUED
    assert capture.error_class == ErrorClass.RATE_LIMITED
    assert outcome.retry_in is not None and outcome.retry_in >= 120
    assert capture.not_before >= before + timedelta(seconds=120)
    assert capture.artifacts.count() == 0
    # Not due yet: a second delivery of the task does nothing.
    assert run_capture_by_id(capture.pk).ran is False
    assert len(site.requests) == 1


def test_it_retries_a_server_error_with_exponential_backoff_until_it_succeeds(
    site, archive, settings, site_dir
):
    settings.ARCHIVE_RETRY_BACKOFF = 0.3
    answers = iter([500, 503])

    def flaky(handler):
        status = next(answers, 200)
        body = (site_dir / "article.html").read_bytes() if status == 200 else b"oops"
        handler.reply(status, body)

    site.routes["/flaky"] = flaky

    capture, first = archive(site.url_for("/flaky"))
    assert capture.status == CaptureStatus.QUEUED and capture.error_class == "server_error"
    time.sleep(first.retry_in + 0.05)
    second = run_capture_by_id(capture.pk)
    assert second.status == CaptureStatus.QUEUED
    time.sleep(second.retry_in + 0.05)
    third = run_capture_by_id(capture.pk)

    capture.refresh_from_db()
    assert third.status == CaptureStatus.SUCCEEDED
    assert 0.24 <= first.retry_in <= 0.36 and 0.48 <= second.retry_in <= 0.72  # doubled
    assert capture.attempts == 3
    assert [e["outcome"] for e in capture.attempt_log] == ["retry", "retry", "succeeded"]
    assert [a.name for a in capture.artifacts.all()].count("page.warc.gz") == 1
    assert capture.error_class == ""


def test_it_gives_up_after_the_last_attempt_with_the_reason(site, archive, settings):
    settings.ARCHIVE_RETRY_BACKOFF = 0.05
    settings.ARCHIVE_MAX_ATTEMPTS = 2
    site.routes["/down"] = respond("down", 500)

    capture, first = archive(site.url_for("/down"))
    time.sleep(first.retry_in + 0.05)
    last = run_capture_by_id(capture.pk)

    capture.refresh_from_db()
    assert last.status == CaptureStatus.FAILED and last.retry_in is None
    assert capture.error_class == ErrorClass.SERVER_ERROR
    assert capture.error_text.startswith("gave up after 2 attempts")


# --- Walls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "error_class"),
    [
        ("/login.html", ErrorClass.LOGIN_WALL),
        ("/captcha.html", ErrorClass.LOGIN_WALL),
        ("/busy.html", ErrorClass.RATE_LIMITED),
    ],
)
def test_it_never_stores_a_wall_as_if_it_were_the_content(site, archive, path, error_class):
    capture, _ = archive(site.url_for(path), attempts=1)

    assert capture.status == CaptureStatus.FAILED
    assert capture.error_class == error_class
    assert capture.artifacts.count() == 0
    assert capture.manifest_sha256 == ""


def test_it_treats_a_redirect_to_a_sign_in_page_as_a_login_wall(site, archive, site_dir):
    site.routes["/paywalled"] = redirect("/account/login?next=/paywalled")
    form = (
        '<html><head><title>News Example</title></head><body><input type="password"></body></html>'
    )
    site.routes["/account/login"] = respond(form)

    capture, _ = archive(site.url_for("/paywalled"))

    assert capture.error_class == ErrorClass.LOGIN_WALL
    assert capture.redirect_chain[0]["status"] == 302


def test_it_treats_http_401_as_a_login_wall(site, archive):
    site.routes["/private"] = respond("who are you?", 401)

    capture, _ = archive(site.url_for("/private"))

    assert (capture.status, capture.error_class) == (CaptureStatus.FAILED, ErrorClass.LOGIN_WALL)


# --- Idempotence ------------------------------------------------------------------------


def test_a_capture_task_delivered_twice_runs_once(site, archive):
    capture, first = archive(site.url_for("/article.html"))
    names = sorted(capture.artifacts.values_list("name", flat=True))

    again = run_capture_by_id(capture.pk)

    assert first.ran and not again.ran
    assert sorted(capture.artifacts.values_list("name", flat=True)) == names
    assert [r.path for r in site.requests].count("/article.html") == 1


def test_a_capture_whose_worker_died_midway_is_rerun_with_each_file_once(site, settings):
    from app.archive.pipeline import claim, new_token, run_step, sweep
    from app.archive.steps import STEPS
    from app.archive.steps.base import CaptureContext

    capture = new_capture(site.url_for("/article.html"))
    token = new_token()
    assert claim(capture.pk, token, timezone.now())
    ctx = CaptureContext(capture=Capture.objects.get(pk=capture.pk), token=token)
    run_step(ctx, STEPS[0])  # fetched and stored the WARC, then "died"
    assert capture.artifacts.count() == 2

    report = sweep(now=timezone.now() + timedelta(seconds=settings.ARCHIVE_STUCK_AFTER + 1))
    assert report.requeued == 1
    outcome = run_capture_by_id(capture.pk)

    capture.refresh_from_db()
    assert outcome.status == CaptureStatus.SUCCEEDED
    names = list(capture.artifacts.values_list("name", flat=True))
    assert sorted(names) == sorted(set(names))
    assert "page.warc.gz" in names and capture.attempts == 2
    assert CaptureStep.objects.filter(capture=capture, name="fetch").count() == 1
    assert [e["outcome"] for e in capture.attempt_log] == ["lost", "succeeded"]
    # The run that "died" cannot write any more.
    from app.archive.steps.base import LostClaim

    with pytest.raises(LostClaim):
        ctx.save_capture("final_url")


def test_the_browser_step_is_skipped_with_the_reason_when_no_browser_is_installed(
    site, archive, settings
):
    settings.ARCHIVE_BROWSER_STEP = True
    settings.ARCHIVE_BROWSER = "/nonexistent/chromium"

    capture, _ = archive(site.url_for("/article.html"))

    assert capture.status == CaptureStatus.SUCCEEDED
    step = capture.steps.get(name="browser")
    assert step.status == StepStatus.SKIPPED
    assert "/nonexistent/chromium" in step.error_text


def test_a_failing_step_leaves_the_others_in_place(site, archive, settings):
    settings.ARCHIVE_BROWSER_STEP = True
    settings.ARCHIVE_BROWSER = str(Path(__file__))  # a file, but not a browser

    capture, _ = archive(site.url_for("/article.html"))

    assert capture.status == CaptureStatus.PARTIAL
    assert capture.steps.get(name="browser").status == StepStatus.FAILED
    assert {"page.warc.gz", "text.txt", "manifest.json"} <= set(artifacts(capture))
