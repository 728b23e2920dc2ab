"""Link health: a real server whose page changes, disappears, moves and comes back.

Time travels through ``now=``: checks a day apart are a day apart to the code.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from app.archive.models import Capture, CaptureOrigin, CaptureStatus
from app.catalog.models import Source
from app.monitor import checks
from app.monitor.models import CheckOutcome, LinkCheck
from app.monitor.services import check_due_sources, check_source
from tests.factories import EvidenceFactory, SourceFactory
from tests.lib.servers import LocalServer, RequestHandler, serve
from tests.monitor.conftest import run_capture

pytestmark = pytest.mark.django_db

STORY = (
    "<!doctype html><html><head><title>Sora and game footage</title></head><body><article>"
    "<h1>Sora and game footage</h1><p>Updated {stamp}. {views} views.</p>"
    "<p>Researchers found that the video model reproduces the interface of a well-known block "
    "building game, including its hotbar and health hearts, in clips generated from short "
    "prompts.</p><p>{claim}</p><p>The developer did not answer questions about the sources of "
    "its training data, saying only that it used public and licensed material.</p>"
    "</article></body></html>"
)
FIRST = "The company says the footage came from licensed partners."
SECOND = "The company now says the footage came from public videos found online."
REMOVED = (
    "<!doctype html><html><head><title>Video unavailable</title></head><body>"
    "<h1>This video has been removed by the uploader</h1></body></html>"
)
LOGIN = (
    "<!doctype html><html><head><title>Sign in</title></head><body><form>"
    '<input name="user"><input type="password" name="pw"></form></body></html>'
)


class Page:
    """What the server answers for /story right now."""

    def __init__(self) -> None:
        self.mode = "story"
        self.claim = FIRST
        self.stamp, self.views = "2 December 2024", "1,204"

    def __call__(self, handler: RequestHandler) -> None:
        if self.mode == "404":
            handler.reply(404, "<h1>Not found</h1>")
        elif self.mode == "moved":
            handler.reply(301, "", headers=[("Location", "/archive/2024/sora-story")])
        elif self.mode == "home":
            handler.reply(302, "", headers=[("Location", "/")])
        elif self.mode == "removed":
            handler.reply(200, REMOVED)
        elif self.mode == "login":
            handler.reply(200, LOGIN)
        elif self.mode == "429":
            handler.reply(429, "slow down", headers=[("Retry-After", "60")])
        else:
            body = STORY.format(stamp=self.stamp, views=self.views, claim=self.claim)
            handler.reply(200, body)


@pytest.fixture
def page() -> Page:
    return Page()


@pytest.fixture
def site(page: Page, settings: Any) -> Iterator[LocalServer]:
    other = Page()
    with serve({"/story": page, "/archive/2024/sora-story": other, "/": other}) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        yield server


@pytest.fixture
def source(site: LocalServer) -> Source:
    url = site.url_for("/story")
    source = SourceFactory(url=url, normalized_url=url)
    EvidenceFactory(source=source)
    assert run_capture(source).status == CaptureStatus.SUCCEEDED
    source.refresh_from_db()
    return source


def check(source: Source, at: datetime) -> LinkCheck:
    found = check_source(source=source, now=at)
    source.refresh_from_db()
    return found


def test_an_unchanged_page_is_alive_and_checked_again_a_day_after_it_was_added(
    source: Source,
) -> None:
    at = source.created_at + timedelta(hours=2)
    found = check(source, at)
    assert (found.outcome, found.strike) == (CheckOutcome.ALIVE, False)
    assert found.reason == "online; the text is unchanged"
    assert source.online_status == "alive"
    assert source.last_checked_at == at
    assert source.next_check_at == source.created_at + timedelta(days=1)


def test_the_schedule_decays_after_1_3_10_30_and_90_days_then_every_90() -> None:
    changed = timezone.now()
    moments = [changed]
    for _ in range(7):
        moments.append(checks.next_check(reference=changed, now=moments[-1]))
    days = [round((m - changed).total_seconds() / 86400) for m in moments[1:]]
    assert days == [1, 3, 10, 30, 90, 180, 270]


def test_trivial_changes_are_not_edits(source: Source, page: Page) -> None:
    page.stamp, page.views = "3 December 2024", "98,771"  # dates and counters move on
    found = check(source, source.created_at + timedelta(days=1))
    assert found.outcome == CheckOutcome.ALIVE
    assert source.captures.count() == 1
    assert source.last_changed_at is None


def test_an_edited_text_gets_a_new_capture_and_both_versions_are_kept(
    source: Source, page: Page
) -> None:
    page.claim = SECOND
    at = source.created_at + timedelta(days=1)
    found = check(source, at)
    assert found.outcome == CheckOutcome.CHANGED
    assert (found.words_added, found.words_removed) == (
        5,
        2,
    )  # now, public videos found online / licensed partners
    assert source.online_status == "changed"
    assert source.last_changed_at == at
    assert source.next_check_at == at + timedelta(days=1)  # the schedule starts again
    new = found.capture
    assert new is not None and new.origin == CaptureOrigin.MONITOR
    assert run_capture_existing(new).status == CaptureStatus.SUCCEEDED
    texts = Capture.objects.filter(source=source).exclude(text_sha256="")
    assert texts.values("text_sha256").distinct().count() == 2
    # The next check compares with the new capture: alive again, last change kept.
    again = check(source, at + timedelta(days=1))
    assert again.outcome == CheckOutcome.ALIVE
    assert source.last_changed_at == at


def run_capture_existing(capture: Capture) -> Capture:
    from app.archive.pipeline import run_capture_by_id

    run_capture_by_id(capture.pk, attempts=1)
    capture.refresh_from_db()
    return capture


def test_the_same_change_seen_twice_is_one_change_and_one_capture(
    source: Source, page: Page
) -> None:
    page.claim = SECOND
    first = check(source, source.created_at + timedelta(days=1))
    second = check(source, source.created_at + timedelta(days=2))
    assert second.outcome == CheckOutcome.CHANGED
    assert second.capture is None  # the first one's capture is still queued
    assert source.last_changed_at == first.checked_at
    assert source.captures.filter(origin=CaptureOrigin.MONITOR).count() == 1


def test_a_missing_page_is_gone_only_after_three_strikes_a_day_apart(
    source: Source, page: Page, client: Any
) -> None:
    page.mode = "404"
    t0 = source.created_at + timedelta(days=1)
    assert check(source, t0).strike is True
    assert (source.online_status, source.failed_checks) == ("unknown", 1)  # not gone yet
    assert source.next_check_at == t0 + timedelta(days=1)
    assert check(source, t0 + timedelta(hours=3)).strike is False  # too soon to count
    assert check(source, t0 + timedelta(days=1)).strike is True
    assert (source.online_status, source.failed_checks) == ("unknown", 2)
    third = check(source, t0 + timedelta(days=2, hours=1))
    assert (third.outcome, third.http_status, third.strike) == ("gone", 404, True)
    assert (source.online_status, source.failed_checks) == ("gone", 3)
    assert source.gone_since == t0
    claim = source.evidence.get().claim
    html = client.get(claim.get_absolute_url()).content.decode()
    captured = source.captures.get().created_at
    assert f"The original was removed on {date_format(t0)}." in html
    assert f"The archived copy is from {date_format(captured)}." in html
    # It comes back: alive again, the strikes forgotten.
    page.mode = "story"
    back = check(source, t0 + timedelta(days=3))
    assert back.outcome == CheckOutcome.ALIVE
    assert (source.online_status, source.failed_checks, source.gone_since) == ("alive", 0, None)


def test_a_redirect_elsewhere_is_moved(source: Source, page: Page) -> None:
    page.mode = "moved"
    found = check(source, source.created_at + timedelta(days=1))
    assert found.outcome == CheckOutcome.MOVED
    assert found.final_url.endswith("/archive/2024/sora-story")
    assert source.online_status == "moved"
    assert source.failed_checks == 0


def test_a_redirect_to_the_home_page_counts_as_gone(source: Source, page: Page) -> None:
    page.mode = "home"
    found = check(source, source.created_at + timedelta(days=1))
    assert (found.outcome, found.strike) == (CheckOutcome.GONE, True)
    assert "home page" in found.reason


def test_a_platform_removal_page_counts_as_gone(source: Source, page: Page) -> None:
    page.mode = "removed"
    found = check(source, source.created_at + timedelta(days=1))
    assert (found.outcome, found.strike) == (CheckOutcome.GONE, True)
    assert found.reason == "removal page: “Video unavailable”"


@pytest.mark.parametrize(("mode", "reason"), [("429", "rate limited"), ("login", "sign-in")])
def test_a_rate_limit_or_login_wall_is_blocked_not_gone(
    source: Source, page: Page, mode: str, reason: str
) -> None:
    page.mode = mode
    found = check(source, source.created_at + timedelta(days=1))
    assert (found.outcome, found.strike) == (CheckOutcome.BLOCKED, False)
    assert reason in found.reason.lower()
    assert (source.online_status, source.failed_checks) == ("blocked", 0)


def test_a_name_that_no_longer_resolves_counts_as_gone(monkeypatch: Any, db: None) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "vanished-news.example.org":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    source = SourceFactory(
        url="https://vanished-news.example.org/a",
        normalized_url="https://vanished-news.example.org/a",
    )
    found = check(source, timezone.now())
    assert (found.outcome, found.error_class, found.strike) == ("gone", "gone", True)


def test_an_unchanged_static_file_costs_one_conditional_head(
    settings: Any, tmp_path: Any, db: None
) -> None:
    (tmp_path / "paper.html").write_text(STORY.format(stamp="x", views="1", claim=FIRST))
    with serve(directory=tmp_path) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        url = server.url_for("/paper.html")
        source = SourceFactory(url=url, normalized_url=url)
        run_capture(source)
        before = len(server.requests)
        found = check(source, timezone.now())
        asked = server.requests[before:]
    assert (found.outcome, found.http_status, found.method) == ("alive", 304, "HEAD")
    assert [r.method for r in asked] == ["HEAD"]
    assert any(name.lower() == "if-modified-since" for name, _ in asked[0].headers)


def test_due_sources_are_leased_once_and_reserved_names_are_never_checked(
    source: Source, site: LocalServer
) -> None:
    demo = SourceFactory(
        url="https://demo.trainedon.example/x", normalized_url="https://demo.trainedon.example/x"
    )
    Capture.objects.create(source=demo, requested_url=demo.normalized_url, status="succeeded")
    now = timezone.now()
    assert check_due_sources(now=now) == [source.pk]
    assert check_due_sources(now=now) == []  # leased for an hour
    demo.refresh_from_db()
    assert demo.next_check_at == now + timedelta(days=90)
    assert not LinkCheck.objects.filter(source=demo).exists()


def test_capture_and_link_check_hash_the_same_normalized_text(source: Source, page: Page) -> None:
    """``Capture.text_sha256`` and the check's hash are one normalization: equal for noise."""
    capture = source.captures.get()
    page.stamp, page.views = "4 December 2024", "5"
    found = check(source, source.created_at + timedelta(days=1))
    assert found.outcome == CheckOutcome.ALIVE
    assert found.text_sha256 and found.text_sha256 == capture.text_sha256
    page.claim = SECOND
    changed = check(source, source.created_at + timedelta(days=2))
    assert changed.outcome == CheckOutcome.CHANGED
    assert changed.text_sha256 != capture.text_sha256
