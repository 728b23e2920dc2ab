"""Consent signals: a local site saying "do not train" in every machine-readable way we read."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from app.archive import consent
from app.archive.models import ArtifactKind, Capture, CaptureStatus, ConsentRecord, HostFile
from app.archive.pipeline import run_capture_by_id
from app.archive.steps.consent import HOST_FILES, host_file, host_files, origin_of
from app.archive.storage import insert_artifacts, open_artifact, put_file
from tests.lib.servers import redirect, respond

ROBOTS = """# AI crawlers are not welcome
User-agent: GPTBot
Disallow: /

User-agent: CCBot
Disallow: /signals

User-agent: Google-Extended
Disallow: /

User-agent: *
Allow: /
Content-Usage: train-ai=n
"""
TDMREP = [
    {"location": "/private/*", "tdm-reservation": 1, "tdm-policy": "https://x.example/p1"},
    {"location": "/signals*", "tdm-reservation": 1, "tdm-policy": "https://x.example/policy"},
    {"location": "/*", "tdm-reservation": 0},
]
AI_TXT = "User-Agent: *\nDisallow: *.png\n"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Signals</title>
<meta name="tdm-policy" content="https://x.example/meta-policy">
<meta name="robots" content="index, noimageai">
</head><body><article><h1>Signals</h1><p>A page whose owner does not want AI training.</p>
<meta name="tdm-reservation" content="0"></article></body></html>"""

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_browser")]


def files_of(capture: Any) -> dict[str, Any]:
    return {a.name: a for a in capture.artifacts.all()}


@pytest.fixture
def signalling(site: Any) -> Any:
    site.routes["/robots.txt"] = respond(ROBOTS, content_type="text/plain")
    site.routes["/.well-known/tdmrep.json"] = respond(
        json.dumps(TDMREP), content_type="application/json"
    )
    site.routes["/ai.txt"] = respond(AI_TXT, content_type="text/plain")
    site.routes["/signals.html"] = respond(
        PAGE,
        headers=[
            ("TDM-Reservation", "1"),
            ("Content-Usage", "train-ai=n, search=y"),
            ("X-Robots-Tag", "noai"),
        ],
    )
    return site


def test_every_signal_is_stored_hashed_into_the_manifest_and_parsed(
    signalling: Any, archive: Any
) -> None:
    capture, _ = archive(signalling.url_for("/signals.html"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    step = capture.steps.get(name="signals")
    assert (step.status, step.error_class) == ("succeeded", "")
    files = files_of(capture)
    for name in ("robots.txt", "tdmrep.json", "ai.txt", "signals-headers.json", "signals.json"):
        assert files[name].kind == ArtifactKind.SIGNAL
    with open_artifact(files["robots.txt"]) as handle:
        assert handle.read().decode() == ROBOTS
    with open_artifact(files["manifest.json"]) as handle:
        listed = {a["name"]: a["sha256"] for a in json.load(handle)["artifacts"]}
    for name in ("robots.txt", "tdmrep.json", "ai.txt", "signals-headers.json", "signals.json"):
        assert listed[name] == files[name].sha256

    record = ConsentRecord.objects.get(capture=capture)
    assert record.robots_status == "found"
    assert record.disallowed_agents == ["GPTBot", "CCBot", "Google-Extended"]
    agents = record.record["robots_txt"]["agents"]
    assert agents["GPTBot"] == {"allowed": False, "explicit": True}
    assert agents["ClaudeBot"] == {"allowed": True, "explicit": False}
    summary = record.summary
    # The header decides over the meta tag and the file; each is recorded.
    assert (summary["tdm_reserved"], summary["tdm_source"]) == (True, "header")
    assert summary["tdm_policy"] == ""
    assert record.record["meta"]["tdm-policy"] == ["https://x.example/meta-policy"]
    assert "tdm-reservation" not in record.record["meta"]  # that one was in the body
    assert record.record["tdmrep_json"]["rule"]["tdm-policy"] == "https://x.example/policy"
    assert summary["content_usage"] == {"train-ai": "n", "search": "y"}
    assert summary["robots_content_usage"] == ["train-ai=n"]
    assert summary["directives"] == ["noai", "noimageai"]
    assert summary["ai_txt_allows"] is True  # the page is not a .png
    with open_artifact(files["signals.json"]) as handle:
        assert json.load(handle) == record.record
    with open_artifact(files["signals-headers.json"]) as handle:
        raw = json.load(handle)
    assert raw["headers"]["tdm-reservation"] == ["1"]


def test_a_sites_files_are_fetched_once_a_day_and_shared_by_its_captures(
    signalling: Any, archive: Any
) -> None:
    first, _ = archive(signalling.url_for("/signals.html"))
    second, _ = archive(signalling.url_for("/article.html"))

    paths = [r.path for r in signalling.requests]
    assert paths.count("/robots.txt") == 1
    assert paths.count("/.well-known/tdmrep.json") == paths.count("/ai.txt") == 1
    a, b = files_of(first)["robots.txt"], files_of(second)["robots.txt"]
    assert a.pk != b.pk and a.storage_key == b.storage_key and a.sha256 == b.sha256
    # The verdicts are for each capture's own address.
    assert ConsentRecord.objects.get(capture=second).disallowed_agents == [
        "GPTBot",
        "Google-Extended",
    ]
    assert ConsentRecord.objects.get(capture=second).summary["tdm_reserved"] is False

    tomorrow = timezone.now() + timedelta(days=1)
    row, body = host_file(origin_of(signalling.url), "robots.txt", now=tomorrow)
    assert body == ROBOTS.encode() and row.day == tomorrow.date()
    assert [r.path for r in signalling.requests].count("/robots.txt") == 2
    assert HostFile.objects.filter(name="robots.txt").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_days_first_capture_fetches_the_sites_files_together(signalling: Any) -> None:
    """The three files are requested at the same time (the first capture of a site waits
    for the slowest, not for their sum), and a capture starting meanwhile waits for them
    instead of fetching again."""
    spans: dict[str, tuple[float, float]] = {}

    def slow(route: Any) -> Any:
        def handle(handler: Any) -> None:
            begun = time.monotonic()
            time.sleep(0.5)
            route(handler)
            spans[handler.path] = (begun, time.monotonic())

        return handle

    for path in ("/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"):
        signalling.routes[path] = slow(signalling.routes[path])
    origin = origin_of(signalling.url)
    results: list[Any] = []

    def capture_of_the_same_site() -> None:
        try:
            results.append(host_files(origin))
        finally:
            connection.close()

    others = [threading.Thread(target=capture_of_the_same_site) for _ in range(2)]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join()

    assert sorted(spans) == ["/.well-known/tdmrep.json", "/ai.txt", "/robots.txt"]
    assert max(begun for begun, _ in spans.values()) < min(end for _, end in spans.values())
    assert [r.path for r in signalling.requests].count("/robots.txt") == 1
    assert [results[0][name][1] for name in HOST_FILES] == [
        results[1][name][1] for name in HOST_FILES
    ]
    assert results[0]["robots.txt"][1] == ROBOTS.encode()
    assert HostFile.objects.count() == 3


def test_the_days_site_files_come_from_memory_after_the_first_read(
    signalling: Any, django_assert_num_queries: Any
) -> None:
    """A site's found or missing files of the day are read once per process, then its
    other captures make no query for them; a deleted row (a new day, in tests) is fetched
    again, and another day's files are never served."""
    origin = origin_of(signalling.url)
    first = host_files(origin)
    with django_assert_num_queries(0):
        again = host_files(origin)
    assert [again[name][1] for name in HOST_FILES] == [first[name][1] for name in HOST_FILES]
    assert again["robots.txt"][1] == ROBOTS.encode()

    HostFile.objects.filter(name="robots.txt").delete()
    assert host_files(origin)["robots.txt"][1] == ROBOTS.encode()
    assert [r.path for r in signalling.requests].count("/robots.txt") == 2
    tomorrow = timezone.now() + timedelta(days=1)
    row, _body = host_file(origin, "robots.txt", now=tomorrow)
    assert row.day == tomorrow.date()
    assert [r.path for r in signalling.requests].count("/robots.txt") == 3


def test_an_unreachable_site_file_is_read_from_the_database_each_time(
    site: Any, django_assert_num_queries: Any
) -> None:
    """An unreachable row changes when it is fetched again (by any process): not kept."""
    site.routes["/robots.txt"] = respond("oops", 503, content_type="text/plain")
    origin = origin_of(site.url)
    assert host_files(origin)["robots.txt"][0].status == "unreachable"
    with django_assert_num_queries(1):
        assert host_files(origin)["robots.txt"][0].status == "unreachable"


def test_the_step_is_recorded_with_its_rows_or_failed_without_them(
    signalling: Any, archive: Any, monkeypatch: Any
) -> None:
    """The signals step's row is written once, when it ends, in the transaction of its own
    rows; if those cannot be written, the step is recorded as failed and the page kept."""
    from django.db import DatabaseError

    def broken(**kwargs: Any) -> Any:
        raise DatabaseError("no space left on device")

    monkeypatch.setattr("app.archive.steps.consent.insert_artifacts", broken)
    capture, _ = archive(signalling.url_for("/signals.html"))

    assert capture.status == CaptureStatus.PARTIAL
    step = capture.steps.get(name="signals")
    assert (step.status, step.error_class) == ("failed", "internal")
    assert "no space left on device" in step.error_text
    assert step.started_at is not None and step.started_at <= step.finished_at
    assert not ConsentRecord.objects.filter(capture=capture).exists()
    files = files_of(capture)
    assert "page.html" in files and "manifest.json" in files
    assert {"signals.json", "signals-headers.json", "robots.txt"}.isdisjoint(files)


def test_a_site_without_signal_files_allows_everything_and_says_so(site: Any, archive: Any) -> None:
    capture, _ = archive(site.url_for("/article.html"))

    assert capture.status == CaptureStatus.SUCCEEDED
    record = ConsentRecord.objects.get(capture=capture)
    assert record.robots_status == "missing"
    assert record.disallowed_agents == []
    assert record.tdm_reserved is None
    assert {"robots.txt", "tdmrep.json", "ai.txt"}.isdisjoint(files_of(capture))
    assert record.record["robots_txt"]["http_status"] == 404


def test_an_unreachable_robots_txt_fails_the_step_but_keeps_the_page(
    site: Any, archive: Any
) -> None:
    site.routes["/robots.txt"] = respond("oops", 503, content_type="text/plain")

    capture, _ = archive(site.url_for("/article.html"))

    assert capture.status == CaptureStatus.PARTIAL
    step = capture.steps.get(name="signals")
    assert (step.status, step.error_class) == ("failed", "server_error")
    assert "robots.txt unreachable" in step.error_text
    record = ConsentRecord.objects.get(capture=capture)
    assert record.robots_status == "unreachable"
    assert record.record["robots_txt"]["agents"]["GPTBot"]["allowed"] is None
    assert "page.html" in files_of(capture)


def test_a_robots_txt_redirecting_to_a_private_address_is_refused(site: Any, archive: Any) -> None:
    site.routes["/robots.txt"] = redirect("http://10.11.12.13/robots.txt")

    capture, _ = archive(site.url_for("/article.html"))

    step = capture.steps.get(name="signals")
    assert (step.status, step.error_class) == ("failed", "blocked_address")
    assert HostFile.objects.get(name="robots.txt").status == "unreachable"


def test_a_capture_run_again_keeps_one_consent_record_with_the_new_reading(
    signalling: Any, archive: Any
) -> None:
    """A run that died after the signals step: the next attempt clears its files and steps
    but not its consent record, which the new reading replaces (one row per capture)."""
    capture, _ = archive(signalling.url_for("/signals.html"))
    first = ConsentRecord.objects.get(capture=capture)
    signalling.routes["/robots.txt"] = respond("User-agent: *\nAllow: /\n")
    HostFile.objects.all().delete()  # the next day: the site's files are fetched again
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.QUEUED)

    run_capture_by_id(capture.pk)

    capture.refresh_from_db()
    assert (capture.status, capture.attempts) == (CaptureStatus.SUCCEEDED, 2)
    again = ConsentRecord.objects.get(capture=capture)
    assert again.pk == first.pk and again.observed_at > first.observed_at
    assert again.disallowed_agents == [] and again.robots_status == "found"
    with open_artifact(files_of(capture)["signals.json"]) as handle:
        assert json.load(handle) == again.record
    assert capture.artifacts.filter(name="signals.json").count() == 1


def test_rows_inserted_together_keep_a_row_the_capture_already_has(
    signalling: Any, archive: Any
) -> None:
    capture, _ = archive(signalling.url_for("/signals.html"))
    kept = files_of(capture)["signals.json"]
    other = put_file(name="other.json", data=b"{}")
    again = put_file(name="signals.json", data=b"{}")

    made = insert_artifacts(
        capture=capture,
        files=[(other, {"kind": ArtifactKind.SIGNAL}), (again, {"kind": ArtifactKind.SIGNAL})],
    )

    assert [a.name for a in made] == ["other.json", "signals.json"]
    assert made[1].pk == kept.pk and made[1].sha256 == kept.sha256 != again.sha256
    assert made[0].pk and made[0].media_type == "application/json"


# --- parsing, without a network ---------------------------------------------


def test_content_usage_is_read_as_a_dictionary_of_preferences() -> None:
    assert consent.read_content_usage(["train-ai=n, search=y;q=1", "ai-use"]) == {
        "train-ai": "n",
        "search": "y",
        "ai-use": "y",
    }
    assert consent.read_content_usage(["=n, BAD KEY=y"]) == {}


def test_a_tdmrep_rule_matches_by_location_and_bad_files_are_reported() -> None:
    body = json.dumps(TDMREP).encode()
    assert (
        consent.read_tdmrep(body, "https://x.example/private/a", "found")["rule"]["tdm-policy"]
        == "https://x.example/p1"
    )
    assert (
        consent.read_tdmrep(body, "https://x.example/other", "found")["rule"]["tdm-reservation"]
        is False
    )
    assert "not JSON" in consent.read_tdmrep(b"{", "https://x.example/", "found")["problem"]
    assert consent.read_tdmrep(b"{}", "https://x.example/", "found")["problem"]


def test_meta_tags_are_read_from_the_head_only() -> None:
    found = consent.meta_signals(PAGE)
    assert found == {
        "tdm-policy": ["https://x.example/meta-policy"],
        "robots": ["index, noimageai"],
    }


# --- shown to readers ---------------------------------------------------------


def test_the_archived_copy_page_and_the_api_show_the_signals(
    signalling: Any, archive: Any, client: Any
) -> None:
    from app.catalog.choices import PublicationState
    from tests.factories import EvidenceFactory

    capture, _ = archive(signalling.url_for("/signals.html"))
    EvidenceFactory(
        source_id=capture.source_id,
        state=PublicationState.PUBLISHED,
        claim__state=PublicationState.PUBLISHED,
    )
    day = capture.consent.observed_at.strftime("%Y-%m-%d")

    page = client.get(f"/sources/{capture.source_id}/").content.decode()
    assert (
        f"On {day} this site&#x27;s robots.txt disallowed GPTBot, CCBot and Google-Extended "
        "for this address." in page
    )
    assert "TDM reservation: yes (from header)." in page
    assert "Content-Usage header: search=y, train-ai=n." in page

    data = client.get(f"/api/v1/sources/{capture.source_id}").json()
    signals = data["captures"][0]["signals"]
    assert signals["disallowed_agents"] == ["GPTBot", "CCBot", "Google-Extended"]
    assert signals["tdm_reserved"] is True and signals["robots_txt"] == "found"
    assert {a["name"] for a in data["captures"][0]["artifacts"]} >= {"robots.txt", "signals.json"}
