"""The periodic sweep, and the wall detector's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from app.archive.detect import detect_wall
from app.archive.models import Capture, CaptureStatus, ErrorClass
from app.archive.pipeline import sweep
from tests.archive.conftest import ARTICLE, CAPTCHA, LOGIN_WALL, RATE_LIMIT_PAGE
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def queued(age: timedelta, **fields) -> Capture:
    return Capture.objects.create(
        source=SourceFactory(),
        requested_url="https://news.example/a",
        created_at=timezone.now() - age,
        **fields,
    )


def test_the_sweep_resends_a_capture_queued_for_more_than_a_minute_once_a_minute():
    old = queued(timedelta(minutes=5))
    fresh = queued(timedelta(seconds=5))

    first = sweep()
    second = sweep()

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (first.resent, second.resent) == (1, 0)
    assert old.enqueued_at is not None and fresh.enqueued_at is None
    assert sweep(now=timezone.now() + timedelta(seconds=61)).resent == 2


def test_the_sweep_leaves_a_capture_alone_until_its_retry_time():
    waiting = queued(timedelta(minutes=5), not_before=timezone.now() + timedelta(minutes=10))

    assert sweep().resent == 0
    assert sweep(now=waiting.not_before + timedelta(seconds=1)).resent == 1


def test_the_sweep_requeues_a_capture_stuck_running_past_the_limit(settings):
    started = timezone.now() - timedelta(seconds=settings.ARCHIVE_STUCK_AFTER + 5)
    stuck = queued(timedelta(hours=2), status=CaptureStatus.RUNNING, started_at=started, attempts=1)
    busy = queued(
        timedelta(hours=2), status=CaptureStatus.RUNNING, started_at=timezone.now(), attempts=1
    )

    report = sweep()

    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert (report.requeued, report.gave_up) == (1, 0)
    assert stuck.status == CaptureStatus.QUEUED and busy.status == CaptureStatus.RUNNING
    assert stuck.attempt_log[-1]["outcome"] == "lost"


def test_the_sweep_gives_up_on_a_capture_whose_last_attempt_never_finished(settings):
    settings.ARCHIVE_MAX_ATTEMPTS = 3
    started = timezone.now() - timedelta(seconds=settings.ARCHIVE_STUCK_AFTER + 5)
    stuck = queued(timedelta(hours=5), status=CaptureStatus.RUNNING, started_at=started, attempts=3)

    assert sweep().gave_up == 1

    stuck.refresh_from_db()
    assert stuck.status == CaptureStatus.FAILED
    assert stuck.error_class == ErrorClass.TIMEOUT
    assert stuck.error_text.startswith("gave up after 3 attempts")


# --- The wall detector -------------------------------------------------------


def test_an_article_with_a_sign_in_box_in_its_header_is_content():
    page = ARTICLE.replace(
        "<header>", '<header><form><input type="password"><button>Log in</button></form>'
    )
    assert detect_wall(page, url="https://news.example/a", headers=[]) is None


@pytest.mark.parametrize(
    ("page", "error_class"),
    [
        (LOGIN_WALL, ErrorClass.LOGIN_WALL),
        (CAPTCHA, ErrorClass.LOGIN_WALL),
        (RATE_LIMIT_PAGE, ErrorClass.RATE_LIMITED),
        ('<html><div class="g-recaptcha" data-sitekey="x"></div></html>', ErrorClass.LOGIN_WALL),
    ],
)
def test_walls_are_recognized(page, error_class):
    wall = detect_wall(page, url="https://news.example/a", headers=[])

    assert wall is not None and wall.error_class == error_class


def test_a_challenge_header_is_a_wall_whatever_the_page_says():
    wall = detect_wall(ARTICLE, url="https://x.example/", headers=[("cf-mitigated", "challenge")])

    assert wall is not None and wall.error_class == ErrorClass.LOGIN_WALL
