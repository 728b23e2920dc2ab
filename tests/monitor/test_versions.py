"""The versions page of a source: every archived text and a readable word diff between two."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from app.archive.models import ArtifactKind, Capture, CaptureStatus
from app.archive.storage import store_artifact
from app.catalog.choices import PublicationState
from app.catalog.models import Source
from app.lib.text import text_sha256
from app.monitor.diff import compare, word_diff
from app.monitor.services import check_source
from tests.factories import EvidenceFactory, SourceFactory
from tests.lib.servers import LocalServer, serve
from tests.monitor.conftest import run_capture

pytestmark = pytest.mark.django_db

PAGE = (
    "<!doctype html><html><head><title>Statement on training data</title></head><body>"
    "<article><h1>Statement on training data</h1><p>{body}</p>"
    "<p>We train our models on a mix of data that is publicly available and data that we "
    "license from partners, and we respect the choices of creators who opt out.</p>"
    "</article></body></html>"
)
BEFORE = "Our video model was trained only on licensed footage from stock libraries &lt;b&gt;."
AFTER = "Our video model was trained on licensed footage and on public gameplay videos &lt;b&gt;."


class Statement:
    body = BEFORE

    def __call__(self, handler: Any) -> None:
        handler.reply(200, PAGE.format(body=self.body))


@pytest.fixture
def statement() -> Statement:
    return Statement()


@pytest.fixture
def site(statement: Statement, settings: Any) -> Iterator[LocalServer]:
    with serve({"/statement": statement}) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        yield server


@pytest.fixture
def edited(site: LocalServer, statement: Statement) -> Source:
    """A cited source archived, edited, detected by a check and archived again."""
    url = site.url_for("/statement")
    source = SourceFactory(url=url, normalized_url=url)
    EvidenceFactory(source=source)
    run_capture(source)
    statement.body = AFTER
    found = check_source(source=source, now=source.created_at + timedelta(days=1))
    assert found.capture is not None
    from app.archive.pipeline import run_capture_by_id

    run_capture_by_id(found.capture.pk, attempts=1)
    return source


def test_the_versions_page_shows_the_words_added_and_removed(edited: Source, client: Any) -> None:
    page = client.get(reverse("monitor:source_versions", args=[edited.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<del>only</del>" in html
    assert "<del>from stock libraries</del> <ins>and on public gameplay videos</ins>" in html
    assert "5 words added, 4 removed" in html
    assert "&lt;b&gt;" in html and "<b>." not in html  # archived words are escaped
    assert "Text changed" in html  # the check that found it is listed


def test_any_two_versions_can_be_compared_and_htmx_gets_the_diff_alone(
    edited: Source, client: Any
) -> None:
    first, second = edited.captures.order_by("created_at", "id")
    url = reverse("monitor:source_versions", args=[edited.pk])
    same = client.get(url, {"old": second.pk, "new": second.pk}).content.decode()
    assert "The two texts are the same." in same
    backwards = client.get(url, {"old": second.pk, "new": first.pk}, HTTP_HX_REQUEST="true")
    fragment = backwards.content.decode()
    assert fragment.lstrip().startswith('<div id="diff"')
    assert "<ins>only</ins>" in fragment and "<html" not in fragment


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_an_unknown_version_is_a_clear_400(edited: Source, client: Any, value: str) -> None:
    url = reverse("monitor:source_versions", args=[edited.pk])
    page = client.get(url, {"old": value})
    assert page.status_code == 400
    assert f"“{value}” is not an archived version of this source." in page.content.decode()


def test_a_source_no_published_evidence_cites_is_hidden(edited: Source, client: Any) -> None:
    edited.evidence.update(state=PublicationState.DRAFT)
    assert client.get(reverse("monitor:source_versions", args=[edited.pk])).status_code == 404


def test_the_versions_page_costs_the_same_queries_with_20_more_versions(
    edited: Source, client: Any
) -> None:
    url = reverse("monitor:source_versions", args=[edited.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for number in range(20):
        text = f"Version {'v' * (number + 1)} of the statement."  # numbers are noise
        capture = Capture.objects.create(
            source=edited,
            requested_url=edited.normalized_url,
            status=CaptureStatus.SUCCEEDED,
            text_sha256=text_sha256(text),
        )
        store_artifact(capture=capture, kind=ArtifactKind.TEXT, name="text.txt", data=text.encode())
    with CaptureQueriesContext(connection) as after:
        page = client.get(url)
    assert page.content.decode().count('<li id="version-') == 22
    assert len(after) == len(before)


def test_spacing_case_dates_and_counters_are_not_a_change() -> None:
    old = "Posted 2 December 2024.  Sora was trained\non public videos. 1,204 views"
    new = "posted 3 december 2024. SORA was trained on public videos! 98,771 views"
    assert compare(old, new).changed is False
    assert compare(old, new.replace("public", "licensed")).changed is True


def test_a_diff_cuts_long_unchanged_runs() -> None:
    common = " ".join(f"word{n}" for n in range(100))
    diff = word_diff(common + " old ending", common + " new ending")
    html = str(diff.as_html())
    assert "[… 88 words …]" in html
    assert "<del>old</del> <ins>new</ins> ending" in html
    assert (diff.added, diff.removed) == (1, 1)
